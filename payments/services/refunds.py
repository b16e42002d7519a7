"""Refunds: per merchant order, whole or chosen lines, within what that order was paid.

A refund row is written (pending, under the payment's row lock, so two refunds cannot both spend
the same remainder) and committed, then sent to the processor with the key ``refund:<id>``, then
recorded. The payment's refunded amount only grows (the larger of ours and the processor's), so a
``charge.refunded`` event processed before or after our own record never counts a refund twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.money import Money, to_minor
from marketplace.core.tasks import enqueue_on_commit
from payments.exceptions import RefundNotAllowed
from payments.gateways import gateway_by_name
from payments.interface import GatewayError
from payments.interface import RefundStatus as GatewayRefundStatus
from payments.models import REFUNDABLE_STATUSES, Payment, PaymentStatus, Refund, RefundStatus
from payments.selectors import OPEN_REFUNDS, merchant_order_refundable, refund_permitted
from payments.services.lifecycle import _lock, _path, _transition
from purchases.models import MerchantOrder

logger = logging.getLogger(__name__)

_OPEN = OPEN_REFUNDS


def _line_amounts(
    *, merchant_order: MerchantOrder, lines: Sequence[tuple[int, int]], currency: str
) -> tuple[int, list[dict[str, int]]]:
    """The amount of refunding ``quantity`` of each order line, exactly: what the buyer paid for
    the line (its fee snapshot's gross: goods, the city fee the buyer paid, VAT and duties; the
    goods price for a line without a snapshot) split over its units, so that refunding every unit,
    in any steps, gives back all of it."""
    order_lines = {
        line.pk: line for line in merchant_order.order.lines.select_related("fees").all()
    }
    left = merchant_order_refundable(merchant_order=merchant_order)["lines"]
    total = 0
    chosen = []
    for line_id, quantity in lines:
        line = order_lines.get(line_id)
        if line is None:
            raise RefundNotAllowed(_("That line is not part of this order."))
        if quantity <= 0:
            continue
        if quantity > left[line_id]:
            raise RefundNotAllowed(
                _("Only %(n)d of %(title)s can still be refunded.")
                % {"n": left[line_id], "title": line.title}
            )
        fees = getattr(line, "fees", None)
        price = (
            fees.gross_minor if fees is not None else to_minor(line.line_price_incl_tax, currency)
        )
        done = line.quantity - left[line_id]
        amount = price * (done + quantity) // line.quantity - price * done // line.quantity
        total += amount
        chosen.append({"line_id": line_id, "quantity": quantity, "amount_minor": amount})
    if not chosen:
        raise RefundNotAllowed(_("Choose at least one line to refund."))
    return total, chosen


def _succeeded_total(payment_id: int) -> int:
    return (
        Refund.objects.filter(payment_id=payment_id, status=RefundStatus.SUCCEEDED).aggregate(
            total=Sum("amount_minor")
        )["total"]
        or 0
    )


def _payment_refunded_record(payment: Payment, *, source: str, actor: Any, reason: str) -> None:
    """On a locked payment: refunded amount to at least our succeeded refunds, status to match."""
    payment.refunded_minor = min(
        max(payment.refunded_minor, _succeeded_total(payment.pk)), payment.captured_minor
    )
    if payment.refunded_minor and payment.status in REFUNDABLE_STATUSES:
        target = (
            PaymentStatus.REFUNDED
            if payment.refunded_minor >= payment.captured_minor
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        for step in _path(payment.status, target):
            _transition(payment, step, source=source, actor=actor, reason=reason)
    payment.save()


def refund_submit(*, refund_id: int) -> Refund:
    """Send a pending refund to the processor with the key ``refund:<id>`` and record the answer.

    Idempotent: a refund no longer pending is returned as it is; the processor applies a key once.
    On success the payment's refunded amount and status move forward and the buyer's email is
    queued. A refusal marks the refund failed with the reason. Raises ``GatewayError`` only when
    retryable (the refund stays pending for the retrying task).
    """
    refund = Refund.objects.select_related("payment", "merchant_order__order").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund
    payment = refund.payment
    reference = refund.merchant_order.order.number if refund.merchant_order else payment.reference
    gateway = gateway_by_name(payment.gateway)
    try:
        result = gateway.refund_create(
            provider_ref=payment.provider_ref,
            amount=Money(refund.amount_minor, refund.currency),
            reason=refund.reason,
            reference=reference,
            idempotency_key=refund.idempotency_key or f"refund:{refund.pk}",
        )
    except GatewayError as exc:
        if exc.retryable:
            Refund.objects.filter(pk=refund.pk).update(failure_reason=str(exc)[:2000])
            raise
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.FAILED, failure_reason=str(exc)[:2000], completed_at=timezone.now()
        )
        logger.warning("refund %s refused by %s: %s", refund.pk, payment.gateway, exc)
        return Refund.objects.get(pk=refund.pk)
    if result.status == GatewayRefundStatus.FAILED:
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.FAILED,
            provider_ref=result.provider_ref,
            failure_reason=result.failure_reason,
            completed_at=timezone.now(),
        )
        return Refund.objects.get(pk=refund.pk)
    if result.status == GatewayRefundStatus.PENDING:
        Refund.objects.filter(pk=refund.pk).update(provider_ref=result.provider_ref)
        return Refund.objects.get(pk=refund.pk)
    with transaction.atomic():
        locked_payment = _lock(payment.pk)
        claimed = Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.SUCCEEDED,
            provider_ref=result.provider_ref,
            completed_at=timezone.now(),
        )
        if claimed:
            _payment_refunded_record(
                locked_payment,
                source=f"refund:{refund.pk}",
                actor=refund.requested_by,
                reason=refund.reason,
            )
            # The refund's ledger posting, in this commit.
            from settlement.services.payments import payment_settle_in_transaction

            payment_settle_in_transaction(locked_payment)
            from payments.tasks import refund_buyer_notify

            enqueue_on_commit(refund_buyer_notify, refund.pk)
    return Refund.objects.get(pk=refund.pk)


def _submit_or_queue(refund: Refund) -> Refund:
    from payments.tasks import refund_submit_retry

    try:
        return refund_submit(refund_id=refund.pk)
    except GatewayError as exc:
        logger.warning("refund %s: processor unavailable (%s); queued", refund.pk, exc)
        enqueue_on_commit(refund_submit_retry, refund.pk)
        return Refund.objects.get(pk=refund.pk)


#: What may start a refund no person asked for (``payment_refund(requested_by=None, source=...)``).
PLATFORM_REFUND_SOURCES = frozenset({"customs:rejection"})


def payment_refund(
    *,
    merchant_order_id: int,
    reason: str,
    requested_by: Any,
    lines: Sequence[tuple[int, int]] | None = None,
    source: str = "",
) -> Refund:
    """Refund one merchant order: all that is left of it (``lines=None``: goods and shipping), or
    the chosen ``(order line pk, quantity)`` pairs, never more than that order was paid minus what
    was already refunded or is pending.

    ``requested_by`` is the person asking (a platform admin, or the merchant's own staff within
    the refund window: ``refund_permitted``), or None for a refund the platform itself starts,
    which must then name its ``source`` (one of ``PLATFORM_REFUND_SOURCES``, e.g.
    "customs:rejection"); the source is recorded on the refund (``Refund.source``) and ``reason``
    says why. An anonymous user is never the platform.

    Raises ``PermissionDenied`` (not permitted, or no person and no known source) and
    ``RefundNotAllowed`` (message fit for staff; nothing written). Writes the pending refund,
    commits, then submits it (a processor outage leaves it pending and queues a retry). Returns
    the refund.
    """
    merchant_order = MerchantOrder.objects.select_related("purchase", "order", "partner").get(
        pk=merchant_order_id
    )
    source = (source or "").strip()
    if requested_by is None:
        if source not in PLATFORM_REFUND_SOURCES:
            raise PermissionDenied("A refund nobody requested needs a platform source.")
    elif not refund_permitted(user=requested_by, merchant_order=merchant_order):
        raise PermissionDenied("You may not refund this order.")
    reason = (reason or "").strip()
    if not reason:
        raise RefundNotAllowed(_("Please give a reason for the refund."))
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(purchase_id=merchant_order.purchase_id)
            .exclude(status__in=[PaymentStatus.FAILED, PaymentStatus.CANCELED])
            .first()
        )
        if payment is None or payment.status not in REFUNDABLE_STATUSES:
            raise RefundNotAllowed(_("This order's payment has not been captured or is disputed."))
        left = merchant_order_refundable(merchant_order=merchant_order)["amount_minor"]
        if lines:
            amount, chosen = _line_amounts(
                merchant_order=merchant_order, lines=lines, currency=payment.currency
            )
        else:
            amount, chosen = left, []
        pending_or_done = (
            Refund.objects.filter(payment=payment)
            .filter(_OPEN)
            .aggregate(total=Sum("amount_minor"))["total"]
            or 0
        )
        if amount <= 0 or amount > left:
            raise RefundNotAllowed(_("Nothing is left to refund on this order."))
        if amount > payment.captured_minor - max(payment.refunded_minor, pending_or_done):
            raise RefundNotAllowed(_("The refund exceeds what is left of the payment."))
        refund = Refund.objects.create(
            payment=payment,
            merchant_order=merchant_order,
            amount_minor=amount,
            currency=payment.currency,
            reason=reason,
            requested_by=requested_by,
            source=source[:64],
            lines=chosen,
        )
        refund.idempotency_key = f"refund:{refund.pk}"
        refund.save(update_fields=["idempotency_key"])
    return _submit_or_queue(refund)


def payment_refund_unplaced(*, payment_id: int, reason: str) -> Refund | None:
    """Refund everything captured on a payment whose purchase could not be placed (no merchant
    order). Idempotent: an existing open refund covering the rest means nothing new is written."""
    with transaction.atomic():
        payment = _lock(payment_id)
        if payment.purchase_id is not None:
            raise RefundNotAllowed("the purchase exists: refund its merchant orders")
        taken = (
            Refund.objects.filter(payment=payment)
            .filter(_OPEN)
            .aggregate(t=Sum("amount_minor"))["t"]
            or 0
        )
        amount = payment.captured_minor - max(payment.refunded_minor, taken)
        if amount <= 0:
            return None
        refund = Refund.objects.create(
            payment=payment,
            amount_minor=amount,
            currency=payment.currency,
            reason=reason or "purchase could not be placed",
            source="payments:unplaced",
        )
        refund.idempotency_key = f"refund:{refund.pk}"
        refund.save(update_fields=["idempotency_key"])
    return _submit_or_queue(refund)
