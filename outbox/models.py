"""The transactional outbox: queued work written in the caller's transaction, published after.

A row is inserted by ``marketplace.core.tasks.enqueue_on_commit`` in the same transaction as the
business rows it refers to, so the work survives a broker outage: a rolled-back request leaves no
row, a committed one leaves a row that is published at once (fast path) or later by the relay
(``manage.py outbox_relay``). Publishing is at-least-once; tasks must be idempotent.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One Celery task call waiting to be (or already) handed to the broker."""

    task_name = models.CharField(_("Task"), max_length=255)
    args = models.JSONField(_("Positional arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("Keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)
    # Not before this time may the relay publish it: a short grace period after creation leaves
    # the row to the request's own fast path; after a failed attempt it holds the backoff.
    available_at = models.DateTimeField(_("Available at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    sent_at = models.DateTimeField(_("Sent at"), null=True, blank=True)
    last_error = models.TextField(_("Last error"), blank=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("Outbox message")
        verbose_name_plural = _("Outbox messages")
        indexes = [
            # The relay's scan: pending rows in the order they become due; stays small because
            # sent rows leave the partial index.
            models.Index(
                fields=["available_at", "id"],
                name="outbox_pending_due",
                condition=Q(sent_at__isnull=True),
            ),
            # Pruning sent rows past the retention period.
            models.Index(
                fields=["sent_at"], name="outbox_sent_at", condition=Q(sent_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "pending"
        return f"#{self.pk} {self.task_name} ({state})"

    @property
    def celery_task_id(self) -> str:
        """The Celery task id every publication of this row uses (the same on a re-publish)."""
        return f"outbox-{self.pk}"
