"""Merchants: our data attached to Oscar's fulfilment ``partner.Partner``, one to one.

Oscar keeps selling concerns (stock records, partner users, dashboard access) on Partner; who the
merchant is and whether they may trade lives here. Onboarding, status transitions and their
event log arrive with the onboarding work; until then only services and the demo loader set
``status``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")


class Merchant(models.Model):
    Status = MerchantStatus

    partner = models.OneToOneField(
        "partner.Partner",
        on_delete=models.PROTECT,
        related_name="merchant",
        verbose_name=_("Fulfilment partner"),
    )
    slug = models.SlugField(_("Slug"), max_length=64, unique=True, allow_unicode=False)
    name_fa = models.CharField(_("Name (Persian)"), max_length=128)
    name_en = models.CharField(_("Name (English)"), max_length=128)
    status = models.CharField(
        _("Status"), max_length=16, choices=Status.choices, default=Status.APPLIED
    )
    city = models.CharField(_("City"), max_length=64, default="Mashhad")
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("name_en",)
        verbose_name = _("Merchant")
        verbose_name_plural = _("Merchants")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MerchantStatus.values),
                name="merchants_merchant_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name_en or self.slug
