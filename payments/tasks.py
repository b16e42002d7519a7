"""Background work of payments. Each task takes ids, re-fetches, returns early when the work is
done, calls one service, and retries only what is retryable (processor timeouts and outages,
events that arrived before their payment's answer)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from i18n.languages import language_or_default
from payments.exceptions import EventNotMatched
from payments.interface import GatewayError

logger = logging.getLogger(__name__)

#: An event whose payment is not known yet is retried this many times (backoff 2, 4, 8... s).
EVENT_MATCH_RETRIES = 6


@shared_task(name="payments.provider_event_process", bind=True, max_retries=EVENT_MATCH_RETRIES)
def provider_event_process(self, event_id: int) -> str:
    """Process the stored provider event ``event_id`` (``ProviderEvent`` pk); see
    ``payments.services.provider_event_handle``. Idempotent: a processed event returns at once.

    Retries with backoff while the event's payment is unknown or the processor is unavailable;
    gives up (recording why, marking it processed) on a refusal or after the last retry.
    """
    from payments.models import ProviderEvent
    from payments.services import provider_event_fail, provider_event_handle

    if not ProviderEvent.objects.filter(pk=event_id, processed_at__isnull=True).exists():
        return "already"
    try:
        return provider_event_handle(event_id=event_id)
    except EventNotMatched as exc:
        final = self.request.retries >= self.max_retries
        provider_event_fail(event_id=event_id, error=str(exc), final=final)
        if final:
            return "unmatched"
        raise self.retry(countdown=2 ** (self.request.retries + 1)) from exc
    except GatewayError as exc:
        final = not exc.retryable or self.request.retries >= self.max_retries
        provider_event_fail(event_id=event_id, error=str(exc), final=final)
        if final:
            return "failed"
        raise self.retry(countdown=2 ** (self.request.retries + 1)) from exc


@shared_task(name="payments.capture_retry", bind=True, max_retries=8, ignore_result=True)
def payment_capture_retry(self, payment_id: int) -> None:
    """Capture a placed purchase's payment after a processor outage. Idempotent (the capture key
    is stable, and a captured payment returns at once)."""
    from payments.models import Payment, PaymentStatus
    from payments.services import payment_capture

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status != PaymentStatus.AUTHORIZED or not payment.purchase_id:
        return
    try:
        payment_capture(payment_id=payment_id, source="task:capture_retry")
    except GatewayError as exc:
        if exc.retryable:
            raise self.retry(countdown=min(600, 10 * 2**self.request.retries)) from exc
        logger.error("payment %s: capture refused (%s)", payment_id, exc)


@shared_task(name="payments.refund_submit_retry", bind=True, max_retries=8, ignore_result=True)
def refund_submit_retry(self, refund_id: int) -> None:
    """Send a pending refund again after a processor outage (same key ``refund:<id>``)."""
    from payments.models import Refund, RefundStatus
    from payments.services import refund_submit

    if not Refund.objects.filter(pk=refund_id, status=RefundStatus.PENDING).exists():
        return
    try:
        refund_submit(refund_id=refund_id)
    except GatewayError as exc:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries)) from exc


@shared_task(
    name="payments.refund_buyer_notify",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def refund_buyer_notify(refund_id: int) -> None:
    """Email the buyer that money was refunded, in their language at checkout. Idempotent: the
    refund records when it was sent (claimed and sent in one transaction, so a failed send is
    retried, a second run does nothing)."""
    from payments.models import Refund, RefundStatus

    refund = (
        Refund.objects.select_related("payment__purchase__user", "merchant_order__order")
        .filter(pk=refund_id, status=RefundStatus.SUCCEEDED, buyer_notified_at__isnull=True)
        .first()
    )
    if refund is None or refund.payment.purchase is None:
        return
    purchase = refund.payment.purchase
    if not purchase.email:
        return
    scheme = "http" if settings.DEBUG else "https"
    context = {
        "refund": refund,
        "purchase": purchase,
        "order": refund.merchant_order.order if refund.merchant_order else None,
        "site_url": f"{scheme}://{Site.objects.get_current().domain}",
    }
    # In the buyer's language at checkout.
    with translation.override(language_or_default(purchase.language)):
        subject = render_to_string("payments/email/refund_subject.txt", context).strip()
        body = render_to_string("payments/email/refund_body.txt", context)
    with transaction.atomic():
        claimed = Refund.objects.filter(pk=refund.pk, buyer_notified_at__isnull=True).update(
            buyer_notified_at=timezone.now()
        )
        if not claimed:
            return
        EmailMessage(subject=subject, body=body, to=[purchase.email]).send()


@shared_task(name="payments.reconcile_orphans", ignore_result=True)
def payments_reconcile_orphans() -> dict[str, int]:
    """Periodic: complete or release payments that hold money with no purchase; capture placed
    purchases left uncaptured (``payments.services.payments_reconcile_orphans``)."""
    from payments.services import payments_reconcile_orphans as reconcile

    return reconcile()


@shared_task(name="payments.expire_stale", ignore_result=True)
def payments_expire_stale() -> int:
    """Periodic: expire payments left created or awaiting 3-D Secure beyond the TTL and reopen their
    baskets (``payments.services.payments_expire_stale``)."""
    from payments.services import payments_expire_stale as expire

    return expire()


@shared_task(name="payments.sandbox_dispute_open", ignore_result=True)
def sandbox_dispute_open(provider_ref: str) -> None:
    """Sandbox only: the buyer's bank disputes a captured 4000 0000 0000 0259 charge. The sandbox
    emits ``dispute.created`` through the webhook pipeline. Idempotent."""
    from payments.gateways.sandbox import SandboxGateway
    from payments.models import SandboxCharge

    if not SandboxCharge.objects.filter(provider_ref=provider_ref).exists():
        return
    SandboxGateway().dispute_open(provider_ref=provider_ref)
