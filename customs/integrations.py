"""Where customs calls the other domains: settlement on release, payments on rejection.

Each seam imports its counterpart lazily so that customs loads without them and the dependency
points one way (customs → settlement, customs → payments), and each is documented in
``customs/README.md``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

logger = logging.getLogger(__name__)

#: The account automatic, platform-initiated refunds are recorded as requested by (see
#: ``refund_actor``). It cannot sign in: its password is unusable.
REFUND_ACTOR_USERNAME = "system-customs@marketplace.invalid"


def settlement_release(*, merchant_order_id: int, at: datetime) -> None:
    """Tell settlement that customs released a merchant order's goods at ``at``, so its money may
    leave the pending balance once the return window allows. Called inside the release's
    transaction: the release and its settlement record commit together. Idempotent (settlement
    counts only the first release)."""
    from settlement.services import settlement_customs_release

    settlement_customs_release(merchant_order_id=merchant_order_id, at=at)


def refund_actor() -> Any:
    """The platform's system account that automatic customs refunds are requested by.

    ``payments.services.payment_refund`` accepts a refund only from someone allowed to ask for
    it (``payments.selectors.refund_permitted``: a platform administrator, or the merchant's own
    staff within the refund window). A customs rejection is the platform's decision, not a
    person's request, so it is made by this account: active, superuser, unusable password (it
    cannot sign in), created on first use. Recorded as ``Refund.requested_by``.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(username=REFUND_ACTOR_USERNAME).first()
    if user is not None:
        return user
    with transaction.atomic():
        user, created = user_model.objects.get_or_create(
            username=REFUND_ACTOR_USERNAME,
            defaults={
                "email": "",
                "first_name": "Customs",
                "last_name": "(automatic)",
                "is_active": True,
                "is_superuser": True,
                "is_staff": False,
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    return user


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

    Returns the ``Refund`` (succeeded, or pending when the processor is unavailable: payments
    then retries it), or None when nothing is left to refund (already refunded: idempotent).
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
            requested_by=refund_actor(),
        )
    except RefundNotAllowed as exc:
        logger.info("merchant order %s: no refund on rejection (%s)", merchant_order_id, exc)
        return open_refunds.order_by("-created_at").first() if open_refunds.exists() else None
