"""Reads of the payments domain."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from payments.models import FUNDED_STATUSES, Payment, RefundStatus
from purchases.models import MerchantOrder

#: Merchant staff may refund their own orders for this long after the purchase; admins any time.
MERCHANT_REFUND_WINDOW = timedelta(days=60)

#: Refunds that count against what is left: pending and succeeded.
OPEN_REFUNDS = Q(status__in=[RefundStatus.PENDING, RefundStatus.SUCCEEDED])


def payment_for_purchase(*, purchase_id: int) -> Payment | None:
    """The payment that holds (or held) the money of a purchase, if any."""
    return (
        Payment.objects.filter(purchase_id=purchase_id, status__in=FUNDED_STATUSES)
        .order_by("-created_at")
        .first()
    )


def refund_permitted(*, user: Any, merchant_order: MerchantOrder) -> bool:
    """Platform admins may refund any merchant order; merchant staff (as the dashboard defines
    them) only their own partner's, within ``MERCHANT_REFUND_WINDOW`` of the purchase."""
    from merchants.dashboard.access import user_is_merchant_staff, user_is_platform_admin

    if user is None or not user.is_authenticated:
        return False
    if user_is_platform_admin(user):
        return True
    if not user_is_merchant_staff(user):
        return False
    if not merchant_order.partner.users.filter(pk=user.pk).exists():
        return False
    return merchant_order.purchase.created_at >= timezone.now() - MERCHANT_REFUND_WINDOW


def merchant_order_refundable(*, merchant_order: MerchantOrder) -> dict[str, Any]:
    """What is left to refund on a merchant order: ``amount_minor`` in total and, per order line
    pk, the ``quantity`` left. Counts pending and succeeded refunds."""
    refunds = list(merchant_order.refunds.filter(OPEN_REFUNDS))
    refunded = sum(r.amount_minor for r in refunds)
    quantities: dict[int, int] = defaultdict(int)
    for refund in refunds:
        for line in refund.lines or []:
            quantities[int(line["line_id"])] += int(line["quantity"])
    lines = {
        line.pk: line.quantity - quantities[line.pk] for line in merchant_order.order.lines.all()
    }
    return {"amount_minor": merchant_order.total_minor - refunded, "lines": lines}
