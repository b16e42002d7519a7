"""Writes of the merchants domain: applying, reviewing, approving, suspending, reinstating.

Every status change goes through a transition table in ``merchants.models`` under a row lock
(``select_for_update``) inside the service's own transaction, and appends an event row (actor,
from, to, reason, time). E-mails are queued with ``enqueue_on_commit``, so a refused or rolled
back change queues nothing. Reviewer actions require the ``merchants.review_merchantapplication``
permission (the "Municipal staff" role) and raise ``PermissionDenied`` without it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from marketplace.core.roles import MERCHANT_STAFF, roles_ensure
from marketplace.core.tasks import enqueue_on_commit
from merchants.exceptions import ApplicationExists, InvalidTransition
from merchants.models import (
    APPLICATION_TRANSITIONS,
    LIVE_APPLICATION_STATUSES,
    MERCHANT_TRANSITIONS,
    REVIEW_PERMISSION,
    ApplicationStatus,
    Merchant,
    MerchantApplication,
    MerchantApplicationEvent,
    MerchantEvent,
    MerchantStatus,
)
from merchants.validators import (
    iban_normalise,
    licence_scan_check,
    national_id_normalise,
    phone_normalise,
)

logger = logging.getLogger(__name__)

Partner = get_model("partner", "Partner")


#: Slugs that would shadow the merchants app's own URLs (``/merchants/<slug>/``).
RESERVED_SLUGS = frozenset({"apply", "review", "applications", "licence"})


#: The application's fields an applicant fills in (besides categories and the scan).
DETAIL_FIELDS = frozenset(
    {"name_fa", "name_en", "trade_licence_number", "national_id", "iban", "address", "phone"}
)


@dataclass(frozen=True)
class ApplicationDetails:
    """What an applicant fills in; the services normalise ids, IBAN and phone."""

    name_fa: str
    name_en: str
    trade_licence_number: str
    national_id: str
    iban: str
    address: str
    phone: str
    categories: Sequence[Any]  # catalogue.Category instances or primary keys


# --- helpers ------------------------------------------------------------------------------


def _reviewer_check(actor: Any) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only municipal staff may review merchants.")


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Reason: please say why.")})
    return reason


def _transition_check(
    *, entity: str, pk: int, from_status: str, to_status: str, table: dict[str, frozenset[str]]
) -> None:
    if to_status not in table.get(from_status, frozenset()):
        raise InvalidTransition(entity=entity, pk=pk, from_status=from_status, to_status=to_status)


def _details_assign(application: MerchantApplication, details: ApplicationDetails) -> None:
    application.name_fa = details.name_fa.strip()
    application.name_en = details.name_en.strip()
    application.trade_licence_number = details.trade_licence_number.strip()
    application.national_id = national_id_normalise(details.national_id)
    application.iban = iban_normalise(details.iban)
    application.address = details.address.strip()
    application.phone = phone_normalise(details.phone)


def _details_validate(application: MerchantApplication, details: ApplicationDetails) -> None:
    """Field validators (ids, IBAN, phone, lengths); raises ``ValidationError`` by field."""
    errors: dict[str, Any] = {}
    try:
        application.full_clean(
            exclude=[
                f.name for f in application._meta.concrete_fields if f.name not in DETAIL_FIELDS
            ],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not details.categories:
        errors["categories"] = [_("Main categories: choose at least one.")]
    if errors:
        raise ValidationError(errors)


def _event_application(
    application: MerchantApplication, *, actor: Any, from_status: str, reason: str = ""
) -> MerchantApplicationEvent:
    return MerchantApplicationEvent.objects.create(
        application=application,
        actor=actor,
        from_status=from_status,
        to_status=application.status,
        reason=reason,
    )


def _application_locked(
    *, application_id: int, to_status: str, applicant: Any = None
) -> MerchantApplication:
    """The application under a row lock, once it is ``applicant``'s (when given; else
    ``PermissionDenied``) and the transition to ``to_status`` is allowed (else
    ``InvalidTransition``)."""
    application = MerchantApplication.objects.select_for_update(of=("self",)).get(pk=application_id)
    if applicant is not None and application.applicant_id != applicant.pk:
        raise PermissionDenied("This is not your application.")
    _transition_check(
        entity="Merchant application",
        pk=application.pk,
        from_status=application.status,
        to_status=to_status,
        table=APPLICATION_TRANSITIONS,
    )
    return application


def _application_decide(
    *, application_id: int, to_status: str, actor: Any, reason: str
) -> MerchantApplication:
    with transaction.atomic():
        application = _application_locked(application_id=application_id, to_status=to_status)
        from_status = application.status
        application.status = to_status
        fields = ["status", "updated_at"]
        if to_status == ApplicationStatus.REJECTED:
            application.decided_at = timezone.now()
            fields.append("decided_at")
        application.save(update_fields=fields)
        event = _event_application(application, actor=actor, from_status=from_status, reason=reason)
        from merchants.tasks import merchant_application_event_notify

        enqueue_on_commit(merchant_application_event_notify, event.pk)
    logger.info("merchant application %s: %s -> %s", application.pk, from_status, to_status)
    return application


def _slug_free(name: str) -> str:
    """A merchant slug (also the Partner code) from the English name, unused by either."""
    base = slugify(name)[:56].strip("-") or "merchant"
    taken = set(Merchant.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    taken |= set(Partner.objects.filter(code__startswith=base).values_list("code", flat=True))
    taken |= RESERVED_SLUGS
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


def _merchant_staff_group() -> Group:
    group = Group.objects.filter(name=MERCHANT_STAFF).first()
    if group is None:
        roles_ensure()  # a database that never loaded the roles: create them with their rights
        group = Group.objects.get(name=MERCHANT_STAFF)
    return group


# --- applicant ----------------------------------------------------------------------------


def merchant_application_submit(
    *, applicant: Any, details: ApplicationDetails, licence_scan: File
) -> MerchantApplication:
    """File a new application for ``applicant`` (status submitted) with its licence scan.

    Normalises national id, IBAN and phone; stores the scan under PRIVATE_MEDIA_ROOT with a random
    name. Records the "submitted" event. Nothing is queued (staff see it in their queue).

    Raises ``ValidationError`` by field (details or licence scan) and ``ApplicationExists`` when
    the applicant already has one in progress or approved; nothing is written or stored then.
    Not idempotent: a second call raises ``ApplicationExists``.
    """
    application = MerchantApplication(applicant=applicant, status=ApplicationStatus.SUBMITTED)
    _details_assign(application, details)
    _details_validate(application, details)
    try:
        application.licence_content_type = licence_scan_check(licence_scan)
    except ValidationError as exc:
        raise ValidationError({"licence_scan": exc.messages}) from exc
    existing = (
        MerchantApplication.objects.filter(
            applicant=applicant, status__in=LIVE_APPLICATION_STATUSES
        )
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        raise ApplicationExists(existing)

    application.submitted_at = timezone.now()
    application.licence_scan.save("licence", licence_scan, save=False)
    try:
        with transaction.atomic():
            application.save()
            application.categories.set(details.categories)
            _event_application(application, actor=applicant, from_status="")
    except Exception as exc:
        # The stored scan belongs to no row once the transaction rolled back.
        application.licence_scan.storage.delete(application.licence_scan.name)
        if isinstance(exc, IntegrityError):
            # A concurrent submission won the one-live-application constraint.
            live = (
                MerchantApplication.objects.filter(
                    applicant=applicant, status__in=LIVE_APPLICATION_STATUSES
                )
                .values_list("pk", flat=True)
                .first()
            )
            if live is not None:
                raise ApplicationExists(live) from None
        raise
    logger.info("merchant application %s submitted by user %s", application.pk, applicant.pk)
    return application


def merchant_application_resubmit(
    *,
    application_id: int,
    applicant: Any,
    details: ApplicationDetails,
    licence_scan: File | None = None,
) -> MerchantApplication:
    """Save the applicant's changes to an application whose changes were requested, and submit it
    again (changes requested → submitted). A new ``licence_scan`` replaces the stored one (the old
    file is deleted once committed); without one the stored scan is kept.

    Raises ``PermissionDenied`` (not the applicant's), ``InvalidTransition`` (no changes were
    requested), ``ValidationError`` by field; nothing is written or stored then.
    """
    probe = MerchantApplication(applicant=applicant)
    _details_assign(probe, details)
    _details_validate(probe, details)
    content_type = None
    if licence_scan is not None:
        try:
            content_type = licence_scan_check(licence_scan)
        except ValidationError as exc:
            raise ValidationError({"licence_scan": exc.messages}) from exc

    new_scan = ""
    try:
        with transaction.atomic():
            application = _application_locked(
                application_id=application_id,
                to_status=ApplicationStatus.SUBMITTED,
                applicant=applicant,
            )
            from_status = application.status
            _details_assign(application, details)
            application.status = ApplicationStatus.SUBMITTED
            application.submitted_at = timezone.now()
            if licence_scan is not None and content_type is not None:
                old_scan = application.licence_scan.name
                storage = application.licence_scan.storage
                application.licence_content_type = content_type
                application.licence_scan.save("licence", licence_scan, save=False)
                new_scan = application.licence_scan.name
                transaction.on_commit(lambda: storage.delete(old_scan))
            application.save()
            application.categories.set(details.categories)
            _event_application(application, actor=applicant, from_status=from_status)
    except Exception:
        if new_scan:  # stored, but its row change rolled back
            application.licence_scan.storage.delete(new_scan)
        raise
    logger.info("merchant application %s resubmitted", application.pk)
    return application


# --- municipal staff ----------------------------------------------------------------------


def merchant_application_request_changes(
    *, application_id: int, actor: Any, reason: str
) -> MerchantApplication:
    """Send a submitted application back to its applicant for changes, saying what to change.

    Records the event and queues the applicant's email on commit. Raises ``PermissionDenied``,
    ``ValidationError`` (no reason) or ``InvalidTransition``; nothing written or queued then.
    """
    _reviewer_check(actor)
    reason = _reason_required(reason)
    return _application_decide(
        application_id=application_id,
        to_status=ApplicationStatus.CHANGES_REQUESTED,
        actor=actor,
        reason=reason,
    )


def merchant_application_reject(
    *, application_id: int, actor: Any, reason: str
) -> MerchantApplication:
    """Reject an application (submitted or awaiting changes), with the reason shown to the
    applicant. Final: the applicant may apply again with a new application.

    Records the event and queues the applicant's email on commit. Raises ``PermissionDenied``,
    ``ValidationError`` (no reason) or ``InvalidTransition``; nothing written or queued then.
    """
    _reviewer_check(actor)
    reason = _reason_required(reason)
    return _application_decide(
        application_id=application_id,
        to_status=ApplicationStatus.REJECTED,
        actor=actor,
        reason=reason,
    )


def merchant_application_approve(*, application_id: int, actor: Any, reason: str = "") -> Merchant:
    """Approve a submitted application: the applicant becomes a trading merchant.

    In one transaction, under a lock on the application: creates the Oscar ``Partner`` (code =
    the merchant's slug) and our ``Merchant`` (approved), links them to the application, adds the
    applicant to ``partner.users`` and to the "Merchant staff" group (so Oscar's dashboard lets
    them in for this partner), records the application's and the merchant's events, and queues
    the approval email on commit.

    Raises ``PermissionDenied``, or ``InvalidTransition`` when the application is not submitted
    (so a second approval creates nothing); nothing is written or queued then.
    """
    _reviewer_check(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        application = _application_locked(
            application_id=application_id, to_status=ApplicationStatus.APPROVED
        )
        slug = _slug_free(application.name_en)
        partner = Partner.objects.create(code=slug, name=application.name_en)
        merchant = Merchant.objects.create(
            partner=partner,
            slug=slug,
            name_fa=application.name_fa,
            name_en=application.name_en,
            city=application.city,
            status=MerchantStatus.APPROVED,
        )
        from_status = application.status
        application.status = ApplicationStatus.APPROVED
        application.merchant = merchant
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "merchant", "decided_at", "updated_at"])
        applicant = application.applicant
        partner.users.add(applicant)
        applicant.groups.add(_merchant_staff_group())
        event = _event_application(application, actor=actor, from_status=from_status, reason=reason)
        MerchantEvent.objects.create(
            merchant=merchant,
            actor=actor,
            from_status="",
            to_status=MerchantStatus.APPROVED,
            reason=reason or _("Application #%(pk)d approved.") % {"pk": application.pk},
        )
        from merchants.tasks import merchant_application_event_notify

        enqueue_on_commit(merchant_application_event_notify, event.pk)
    logger.info("merchant application %s approved as merchant %s", application.pk, slug)
    return merchant


def merchant_status_change(
    *, merchant_id: int, to_status: str, actor: Any, reason: str, expected_from: str | None = None
) -> Merchant:
    """Move a merchant to ``to_status`` along ``MERCHANT_TRANSITIONS``, under a row lock.

    ``expected_from`` refuses the change unless the merchant is in that status (so "reinstate"
    cannot approve a merchant that was never suspended). Suspending and reinstating need a
    reason. Records the event and queues an email to the merchant's users on commit.

    Raises ``PermissionDenied``, ``ValidationError`` (no reason) or ``InvalidTransition``;
    nothing written or queued then.
    """
    _reviewer_check(actor)
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update(of=("self",)).get(pk=merchant_id)
        from_status = merchant.status
        if expected_from is not None and from_status != expected_from:
            raise InvalidTransition(
                entity="Merchant", pk=merchant.pk, from_status=from_status, to_status=to_status
            )
        _transition_check(
            entity="Merchant",
            pk=merchant.pk,
            from_status=from_status,
            to_status=to_status,
            table=MERCHANT_TRANSITIONS,
        )
        if MerchantStatus.SUSPENDED in (from_status, to_status):
            reason = _reason_required(reason)
        merchant.status = to_status
        merchant.save(update_fields=["status", "updated_at"])
        event = MerchantEvent.objects.create(
            merchant=merchant,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            reason=(reason or "").strip(),
        )
        from merchants.tasks import merchant_event_notify

        enqueue_on_commit(merchant_event_notify, event.pk)
    logger.info("merchant %s: %s -> %s", merchant.slug, from_status, to_status)
    return merchant


def merchant_suspend(*, merchant_id: int, actor: Any, reason: str) -> Merchant:
    """Suspend a trading merchant: its goods leave the storefront and cannot be bought (even
    from baskets filled before), its public page is gone; later, its payouts are held.
    See ``merchant_status_change`` for what it writes and raises."""
    return merchant_status_change(
        merchant_id=merchant_id, to_status=MerchantStatus.SUSPENDED, actor=actor, reason=reason
    )


def merchant_reinstate(*, merchant_id: int, actor: Any, reason: str) -> Merchant:
    """Let a suspended merchant trade again (suspended → approved).
    See ``merchant_status_change`` for what it writes and raises."""
    return merchant_status_change(
        merchant_id=merchant_id,
        to_status=MerchantStatus.APPROVED,
        actor=actor,
        reason=reason,
        expected_from=MerchantStatus.SUSPENDED,
    )
