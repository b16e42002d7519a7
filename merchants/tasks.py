"""Background work of merchants: emailing applicants and merchants about status changes."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from merchants.models import (
    ApplicationStatus,
    MerchantApplicationEvent,
    MerchantEvent,
    MerchantStatus,
)

#: Application events the applicant is emailed about.
APPLICATION_NOTIFIED = frozenset(
    {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.CHANGES_REQUESTED}
)


def _site_url(path: str) -> str:
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{Site.objects.get_current().domain}{path}"


def _send_once(
    model: type[Model], event_id: int, *, template: str, context: dict[str, Any], to: list[str]
) -> bool:
    """Claim the event's notification (``notified_at``) and send; both or neither happen.

    A failed send rolls the claim back, so a retry sends again; a second run finds it claimed.
    """
    with translation.override(None):
        subject = render_to_string(f"merchants/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"merchants/email/{template}_body.txt", context)
    with transaction.atomic():
        claimed = model.objects.filter(pk=event_id, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
        if not claimed:
            return False
        EmailMessage(subject=subject, body=body, to=to).send()
    return True


@shared_task(
    name="merchants.application_event_notify",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def merchant_application_event_notify(event_id: int) -> None:
    """Email the applicant that their application was approved, rejected (with the reason) or
    needs changes (with what to change).

    Idempotent: the event records when it was notified and a second run returns early; events of
    other kinds and applicants without an email address are skipped. Retries mail-server
    connection errors with backoff.
    """
    event = (
        MerchantApplicationEvent.objects.select_related(
            "application__applicant", "application__merchant"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.notified_at is not None:
        return
    application = event.application
    if event.to_status not in APPLICATION_NOTIFIED or not application.applicant.email:
        return
    context = {
        "event": event,
        "application": application,
        "merchant": application.merchant,
        "merchant_url": (
            _site_url(reverse("merchants:detail", kwargs={"slug": application.merchant.slug}))
            if application.merchant
            else ""
        ),
        "apply_url": _site_url(reverse("merchants:apply")),
        "dashboard_url": _site_url(reverse("dashboard:index")),
        "shop_name": settings.OSCAR_SHOP_NAME,
    }
    _send_once(
        MerchantApplicationEvent,
        event.pk,
        template=f"application_{event.to_status}",
        context=context,
        to=[application.applicant.email],
    )


@shared_task(
    name="merchants.merchant_event_notify",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def merchant_event_notify(event_id: int) -> None:
    """Email the merchant's users (``partner.users``) that it was suspended or reinstated, with
    the reason.

    Idempotent as ``merchant_application_event_notify``; other events are skipped.
    """
    event = MerchantEvent.objects.select_related("merchant__partner").filter(pk=event_id).first()
    if event is None or event.notified_at is not None:
        return
    if event.to_status == MerchantStatus.SUSPENDED:
        template = "merchant_suspended"
    elif event.from_status == MerchantStatus.SUSPENDED:
        template = "merchant_reinstated"
    else:
        return
    emails = sorted(
        {email for email in event.merchant.partner.users.values_list("email", flat=True) if email}
    )
    if not emails:
        return
    context = {
        "event": event,
        "merchant": event.merchant,
        "shop_name": settings.OSCAR_SHOP_NAME,
    }
    _send_once(MerchantEvent, event.pk, template=template, context=context, to=emails)
