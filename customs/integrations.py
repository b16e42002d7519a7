"""Where customs calls the other domains: settlement on release, payments on rejection.

Each seam imports its counterpart lazily so that customs loads without them and the dependency
points one way (customs → settlement, customs → payments), and each is documented in
``customs/README.md``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

logger = logging.getLogger(__name__)

#: How payments records the refunds customs starts (``Refund.source``; no person requests them).
REFUND_SOURCE = "customs:rejection"


def settlement_release(*, merchant_order_id: int, at: datetime) -> None:
    """Tell settlement that customs released a merchant order's goods at ``at``, so its money may
    leave the pending balance once the return window allows. Called inside the release's
    transaction: the release and its settlement record commit together. Idempotent (settlement
    counts only the first release)."""
    from settlement.services import settlement_customs_release

    settlement_customs_release(merchant_order_id=merchant_order_id, at=at)


def merchant_order_cancel_on_rejection(*, merchant_order_id: int) -> bool:
    """Move the merchant order's Oscar order to ``CUSTOMS_CANCELLED_STATUS`` ("Cancelled") when the
    order status pipeline allows it from where the order is; return whether it did. Idempotent
    (an order already cancelled, or past cancelling, is left as it is)."""
    from customs.conf import setting
    from purchases.models import MerchantOrder

    status = setting("CUSTOMS_CANCELLED_STATUS")
    order = MerchantOrder.objects.select_related("order").get(pk=merchant_order_id).order
    if order.status == status or status not in order.available_statuses():
        return False
    order.set_status(status)
    return True


def merchant_order_refund_on_rejection(*, merchant_order_id: int, reason: str) -> Any | None:
    """Refund everything left of a merchant order whose declaration customs rejected: goods,
    shipping and collected duties (``payments.services.payment_refund`` with ``lines=None``).

    The refund is the platform's own (``requested_by=None``, ``Refund.source`` "customs:rejection",
    the reason naming the declaration): no person asked for it. Returns the ``Refund``
    (succeeded, or pending when the processor is unavailable: payments then retries it), or None
    when nothing is left to refund (already refunded: idempotent).
    Raises ``payments.interface.GatewayError`` when retryable. Must run outside any transaction
    (the refund commits a pending row before it calls the processor).
    """
    from payments.exceptions import RefundNotAllowed
    from payments.models import Refund
    from payments.services import payment_refund

    open_refunds = Refund.objects.filter(
        merchant_order_id=merchant_order_id, status__in=["pending", "succeeded"]
    )
    try:
        return payment_refund(
            merchant_order_id=merchant_order_id,
            reason=reason,
            requested_by=None,
            source=REFUND_SOURCE,
        )
    except RefundNotAllowed as exc:
        logger.info("merchant order %s: no refund on rejection (%s)", merchant_order_id, exc)
        return open_refunds.order_by("-created_at").first() if open_refunds.exists() else None
