"""Abstract models shared by the domains."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LifecycleEvent(models.Model):
    """One status change of a lifecycle (a payment, a payout): who or what made it, from and to
    which status, when and why. Append-only: services create these rows, nothing edits them.
    A concrete subclass adds the foreign key to the thing that changed."""

    from_status = models.CharField(_("From"), max_length=24, blank=True)
    to_status = models.CharField(_("To"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Where the change came from: "checkout", "gateway", "event:<provider event id>", a job name.
    source = models.CharField(_("Source"), max_length=128)
    reason = models.TextField(_("Reason"), blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"
