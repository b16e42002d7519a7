"""Background work of customs. Each task takes ids, re-fetches, returns early when the work is
done, calls one service, and retries only what is retryable."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from customs.conf import setting

logger = logging.getLogger(__name__)


@shared_task(name="customs.declaration_create", ignore_result=True)
def declaration_create(merchant_order_id: int) -> None:
    """Create the declaration of a paid merchant order (see
    ``customs.services.declaration_create``). Idempotent; a domestic order gets none."""
    from customs.services import declaration_create as create

    create(merchant_order_id=merchant_order_id)


@shared_task(name="customs.outbound_deliver", bind=True, ignore_result=True)
def outbound_deliver(self, delivery_id: int) -> str:
    """Deliver one outbound hook message; on a retryable failure retry with exponential backoff
    (``CUSTOMS_HTTP_RETRY_BASE_SECONDS`` × 2^n, ``CUSTOMS_HTTP_MAX_RETRIES`` times), then give up
    into the dead-letter list. Idempotent: a delivery no longer pending returns at once."""
    from customs.services import outbound_delivery_attempt, outbound_delivery_give_up
    from customs.services.hooks import DeliveryRetryable

    try:
        return outbound_delivery_attempt(delivery_id=delivery_id)
    except DeliveryRetryable as exc:
        max_retries = int(setting("CUSTOMS_HTTP_MAX_RETRIES"))
        if self.request.retries >= max_retries:
            outbound_delivery_give_up(delivery_id=delivery_id, error=str(exc))
            return "dead"
        countdown = float(setting("CUSTOMS_HTTP_RETRY_BASE_SECONDS")) * 2**self.request.retries
        raise self.retry(countdown=countdown, max_retries=max_retries) from exc


@shared_task(name="customs.inbound_event_process", ignore_result=True)
def inbound_event_process(event_id: int) -> str:
    """Apply a stored customs-system callback (``customs.services.inbound_event_process``)."""
    from customs.services import inbound_event_process as process

    return process(event_id=event_id)


@shared_task(name="customs.rejection_refund_retry", bind=True, max_retries=8, ignore_result=True)
def rejection_refund_retry(self, declaration_id: int) -> None:
    """Refund a rejected declaration's merchant order after a processor outage (idempotent)."""
    from customs.integrations import merchant_order_refund_on_rejection
    from customs.models import Declaration, DeclarationStatus
    from payments.interface import GatewayError

    declaration = Declaration.objects.filter(
        pk=declaration_id, status=DeclarationStatus.REJECTED
    ).first()
    if declaration is None:
        return
    reason = _("Customs rejected declaration %(number)s.") % {"number": declaration.number}
    try:
        merchant_order_refund_on_rejection(
            merchant_order_id=declaration.merchant_order_id, reason=reason
        )
    except GatewayError as exc:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries)) from exc


@shared_task(name="customs.sla_escalate", ignore_result=True)
def sla_escalate() -> int:
    """Beat: mark declarations past their SLA and escalate (idempotent)."""
    from customs.services import declarations_sla_escalate

    return len(declarations_sla_escalate())


@shared_task(
    name="customs.query_merchant_notify",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def query_merchant_notify(query_id: int) -> None:
    """Email the merchant's staff that customs asked about a declaration (they answer in their
    dashboard). Does nothing once the query is answered; retried on mail-server errors."""
    from customs.models import DeclarationQuery

    query = (
        DeclarationQuery.objects.select_related("declaration__merchant__partner")
        .filter(pk=query_id, answered_at__isnull=True)
        .first()
    )
    if query is None:
        return
    declaration = query.declaration
    emails = sorted(
        {
            user.email
            for user in declaration.merchant.partner.users.filter(is_active=True)
            if user.email
        }
    )
    if not emails:
        return
    send_mail(
        _("Customs asks about declaration %(number)s") % {"number": declaration.number},
        _(
            "Customs asks:\n\n%(question)s\n\nAnswer it, with any documents, in your dashboard "
            "under Customs."
        )
        % {"question": query.question},
        settings.DEFAULT_FROM_EMAIL,
        emails,
    )
