"""Merchants and their onboarding.

``Merchant`` is our data attached to Oscar's fulfilment ``partner.Partner``, one to one: Oscar
keeps selling concerns (stock records, partner users, dashboard access) on Partner; who the
merchant is and whether they may trade lives here.

``MerchantApplication`` is a request to become a merchant, reviewed by municipal staff. It is its
own model rather than a pre-approval state of ``Merchant`` because:

- a Merchant needs a Partner (one to one, protected), and a Partner is visible to Oscar (its
  dashboard's partner lists, stock record forms, offers): creating one per applicant would show
  people who may be rejected as partners, and leave protected Partner rows behind every rejection;
- an application carries identity documents (national id, IBAN, the trade licence scan) and a
  review history of its own; a rejected applicant may apply again, which is a second application,
  not a second merchant;
- approval then creates the Partner and the Merchant in one transaction, so every Partner with a
  Merchant row is one the municipality approved.

The approved application stays linked to its merchant (``merchant.application``): it is the
merchant's record of identity, bank account and main categories.

Statuses change only in ``merchants.services``, through the transition tables below, under a row
lock; each change appends an event row (who, from, to, when, why).
"""

from __future__ import annotations

import os
import uuid
from typing import Final

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from merchants.validators import (
    LICENCE_EXTENSIONS,
    validate_iban,
    validate_national_id,
    validate_phone,
)


class MerchantStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")


#: The statuses a merchant may move to from each status. Onboarding creates merchants approved
#: (the application carries the earlier states); "applied" and "rejected" remain for merchants
#: created by hand, and an "applied" one can still be approved or rejected.
MERCHANT_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    MerchantStatus.APPLIED: frozenset({MerchantStatus.APPROVED, MerchantStatus.REJECTED}),
    MerchantStatus.APPROVED: frozenset({MerchantStatus.SUSPENDED}),
    MerchantStatus.SUSPENDED: frozenset({MerchantStatus.APPROVED}),
    MerchantStatus.REJECTED: frozenset(),
}


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

    @property
    def is_trading(self) -> bool:
        return self.status == MerchantStatus.APPROVED


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


#: The statuses an application may move to from each status. The applicant resubmits after a
#: change request; approval and rejection are final (a rejected applicant applies anew).
APPLICATION_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    ApplicationStatus.SUBMITTED: frozenset(
        {
            ApplicationStatus.APPROVED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.CHANGES_REQUESTED,
        }
    ),
    ApplicationStatus.CHANGES_REQUESTED: frozenset(
        {ApplicationStatus.SUBMITTED, ApplicationStatus.REJECTED}
    ),
    ApplicationStatus.APPROVED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
}

#: Statuses of an application still in progress or approved: an applicant has at most one.
LIVE_APPLICATION_STATUSES: Final = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.CHANGES_REQUESTED,
    ApplicationStatus.APPROVED,
)

LICENCE_CONTENT_TYPES: Final = tuple(LICENCE_EXTENSIONS)

#: Municipal staff's permission: review applications, suspend and reinstate merchants.
REVIEW_PERMISSION: Final = "merchants.review_merchantapplication"


class PrivateStorage(FileSystemStorage):
    """Files under ``settings.PRIVATE_MEDIA_ROOT``, outside MEDIA_ROOT and never given a URL.

    The location is read from settings on each use, so tests can point it elsewhere. Files are
    served only through views that check who asks (``merchants.views.LicenceScanView``).
    """

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


def licence_scan_path(instance: MerchantApplication, filename: str) -> str:
    """A random name with the extension of the sniffed content type; the uploaded name is unused
    (it may hold anything, including path tricks)."""
    extension = LICENCE_EXTENSIONS.get(instance.licence_content_type, "bin")
    return f"merchant-licences/{uuid.uuid4().hex}.{extension}"


class MerchantApplication(models.Model):
    """An application to sell on the marketplace, from a signed-in user."""

    Status = ApplicationStatus

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="merchant_applications",
        verbose_name=_("Applicant"),
    )
    status = models.CharField(
        _("Status"),
        max_length=24,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    name_fa = models.CharField(_("Business name (Persian)"), max_length=128)
    name_en = models.CharField(_("Business name (English)"), max_length=128)
    trade_licence_number = models.CharField(_("Trade licence number"), max_length=32)
    national_id = models.CharField(
        _("National / tax id"),
        max_length=11,
        validators=[validate_national_id],
        help_text=_("10-digit national id of a person, or 11-digit national id of a company."),
    )
    iban = models.CharField(
        _("IBAN (Sheba)"),
        max_length=26,
        validators=[validate_iban],
        help_text=_("IR followed by 24 digits."),
    )
    address = models.TextField(_("Address"), max_length=500)
    city = models.CharField(_("City"), max_length=64, default="Mashhad")
    categories = models.ManyToManyField(
        "catalogue.Category",
        related_name="merchant_applications",
        verbose_name=_("Main categories"),
    )
    phone = models.CharField(
        _("Contact phone"),
        max_length=20,
        validators=[validate_phone],
        help_text=_("Stored in international format, e.g. +985138000000."),
    )
    licence_scan = models.FileField(
        _("Licence scan"), storage=private_storage, upload_to=licence_scan_path, max_length=200
    )
    licence_content_type = models.CharField(
        _("Licence scan type"), max_length=32, choices=[(t, t) for t in LICENCE_CONTENT_TYPES]
    )
    merchant = models.OneToOneField(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("Merchant"),
    )
    submitted_at = models.DateTimeField(_("Submitted at"))
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("submitted_at", "pk")
        verbose_name = _("Merchant application")
        verbose_name_plural = _("Merchant applications")
        permissions = [
            (
                "review_merchantapplication",
                _("Can review merchant applications and suspend or reinstate merchants"),
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="merchants_app_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ApplicationStatus.values),
                name="merchants_application_status_valid",
            ),
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status__in=LIVE_APPLICATION_STATUSES),
                name="merchants_application_one_live_per_applicant",
                violation_error_message=_("You already have a merchant application."),
            ),
            models.CheckConstraint(
                condition=models.Q(iban__regex=r"^IR[0-9]{24}$"),
                name="merchants_application_iban_format",
            ),
            models.CheckConstraint(
                condition=models.Q(national_id__regex=r"^[0-9]{10}[0-9]?$"),
                name="merchants_application_national_id_format",
            ),
            models.CheckConstraint(
                condition=models.Q(phone__regex=r"^\+[0-9]{8,15}$"),
                name="merchants_application_phone_e164",
            ),
            models.CheckConstraint(
                condition=models.Q(licence_content_type__in=LICENCE_CONTENT_TYPES),
                name="merchants_application_licence_type_valid",
            ),
            # The merchant exists exactly when the application is approved.
            models.CheckConstraint(
                condition=(
                    models.Q(status=ApplicationStatus.APPROVED, merchant__isnull=False)
                    | (
                        ~models.Q(status=ApplicationStatus.APPROVED)
                        & models.Q(merchant__isnull=True)
                    )
                ),
                name="merchants_application_merchant_iff_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.get_status_display()})"

    @property
    def is_editable_by_applicant(self) -> bool:
        return self.status == ApplicationStatus.CHANGES_REQUESTED


class StatusEvent(models.Model):
    """One status change: who made it, from and to what, when and why. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Actor"),
    )
    from_status = models.CharField(
        _("From"), max_length=24, blank=True, help_text=_("Empty when the row was created.")
    )
    to_status = models.CharField(_("To"), max_length=24)
    reason = models.TextField(_("Reason"), blank=True)
    created_at = models.DateTimeField(_("At"), auto_now_add=True)
    #: When the people concerned were emailed about it (the notification task sets it once).
    notified_at = models.DateTimeField(_("Notified at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


def _event_constraints(
    prefix: str, statuses: list[str], reason_required: models.Q
) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(to_status__in=statuses)
            & (models.Q(from_status="") | models.Q(from_status__in=statuses)),
            name=f"{prefix}_statuses_valid",
        ),
        models.CheckConstraint(
            condition=~models.Q(from_status=models.F("to_status")),
            name=f"{prefix}_status_changes",
        ),
        models.CheckConstraint(
            condition=~reason_required | ~models.Q(reason=""),
            name=f"{prefix}_reason_given",
        ),
    ]


class MerchantApplicationEvent(StatusEvent):
    application = models.ForeignKey(
        MerchantApplication,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("Application"),
    )

    class Meta(StatusEvent.Meta):
        verbose_name = _("Merchant application event")
        verbose_name_plural = _("Merchant application events")
        constraints = _event_constraints(
            "merchants_application_event",
            ApplicationStatus.values,
            models.Q(
                to_status__in=[ApplicationStatus.REJECTED, ApplicationStatus.CHANGES_REQUESTED]
            ),
        )


class MerchantEvent(StatusEvent):
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="events", verbose_name=_("Merchant")
    )

    class Meta(StatusEvent.Meta):
        verbose_name = _("Merchant event")
        verbose_name_plural = _("Merchant events")
        constraints = _event_constraints(
            "merchants_merchant_event",
            MerchantStatus.values,
            # Suspending and reinstating both say why.
            models.Q(to_status=MerchantStatus.SUSPENDED)
            | models.Q(from_status=MerchantStatus.SUSPENDED),
        )
