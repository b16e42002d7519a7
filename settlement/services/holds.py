"""Holds on merchants' earnings and their release.

A merchant order's earnings are credited to the merchant's pending balance at capture. The hold
(``MerchantOrderSettlement``) opens then; merchant staff moving the order to "Delivered" in their
dashboard (Oscar's ``order.set_status``, whose ``order_status_changed`` signal calls
``merchant_order_status_record``) starts the return window: ``available_on = delivered_at +
SETTLEMENT_HOLD_DAYS``. An order shipped abroad also waits for customs
(``settlement_customs_release``). ``holds_release_due`` (beat ``settlement.release_due`` and the
daily ``settlement.run``) then moves what is still pending of each due order to available, under
the key ``merchant-order:<id>:released``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger.models import TransactionKind
from ledger.services import Leg, accounts_lock, transaction_post
from settlement.models import HoldStatus, MerchantOrderSettlement
from settlement.postings import AccountBook, MerchantOrderParts
from settlement.selectors import (
    account_attributed_minor,
    holds_due,
    merchant_orders_capture_posted,
)

logger = logging.getLogger(__name__)


def release_key(merchant_order_id: int) -> str:
    return f"merchant-order:{merchant_order_id}:released"


def hold_days() -> int:
    return int(getattr(settings, "SETTLEMENT_HOLD_DAYS", 7))


def _hold_defaults(merchant_order_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What a new hold needs: merchant, currency, and whether the order ships abroad."""
    from purchases.models import MerchantOrder

    domestic = settings.MARKETPLACE_SHIPPING["domestic_country"]
    rows = MerchantOrder.objects.filter(pk__in=merchant_order_ids).values_list(
        "pk", "partner__merchant__id", "purchase__currency", "order__shipping_address__country_id"
    )
    return {
        pk: {
            "merchant_id": merchant_id,
            "currency": currency,
            "customs_required": bool(country) and country != domestic,
        }
        for pk, merchant_id, currency, country in rows
    }


def holds_open(*, parts: Sequence[MerchantOrderParts]) -> None:
    """Open the hold of each merchant order in ``parts`` that has none yet. Idempotent."""
    ids = [p.merchant_order_id for p in parts]
    existing = set(
        MerchantOrderSettlement.objects.filter(merchant_order_id__in=ids).values_list(
            "merchant_order_id", flat=True
        )
    )
    missing = [pk for pk in ids if pk not in existing]
    if not missing:
        return
    defaults = _hold_defaults(missing)
    MerchantOrderSettlement.objects.bulk_create(
        [MerchantOrderSettlement(merchant_order_id=pk, **defaults[pk]) for pk in missing],
        ignore_conflicts=True,
    )


def _hold_locked(merchant_order_id: int) -> MerchantOrderSettlement:
    """The merchant order's hold, opened if missing, locked. Call inside a transaction."""
    hold = (
        MerchantOrderSettlement.objects.select_for_update()
        .filter(merchant_order_id=merchant_order_id)
        .first()
    )
    if hold is not None:
        return hold
    defaults = _hold_defaults([merchant_order_id])
    if merchant_order_id not in defaults:
        raise ValueError(f"merchant_order_id {merchant_order_id}: no such merchant order")
    try:
        with transaction.atomic():
            MerchantOrderSettlement.objects.create(
                merchant_order_id=merchant_order_id, **defaults[merchant_order_id]
            )
    except IntegrityError:
        pass  # opened concurrently
    return MerchantOrderSettlement.objects.select_for_update().get(
        merchant_order_id=merchant_order_id
    )


def merchant_order_delivered(*, merchant_order_id: int, at: datetime) -> MerchantOrderSettlement:
    """Record that a merchant order was delivered at ``at``: its return window ends
    ``SETTLEMENT_HOLD_DAYS`` later. Only the first delivery counts (idempotent)."""
    with transaction.atomic():
        hold = _hold_locked(merchant_order_id)
        if hold.delivered_at is None:
            hold.delivered_at = at
            hold.available_on = at + timedelta(days=hold_days())
            hold.save(update_fields=["delivered_at", "available_on", "updated_at"])
    return hold


def merchant_order_status_record(
    *, order_id: int, new_status: str, at: datetime | None = None
) -> MerchantOrderSettlement | None:
    """An Oscar order changed status: when it is a merchant order and the status is
    ``SETTLEMENT_DELIVERED_STATUS``, record the delivery. Other statuses change nothing here."""
    from purchases.models import MerchantOrder

    if new_status != getattr(settings, "SETTLEMENT_DELIVERED_STATUS", "Delivered"):
        return None
    merchant_order_id = (
        MerchantOrder.objects.filter(order_id=order_id).values_list("pk", flat=True).first()
    )
    if merchant_order_id is None:
        return None
    return merchant_order_delivered(merchant_order_id=merchant_order_id, at=at or timezone.now())


def settlement_customs_release(*, merchant_order_id: int, at: datetime) -> MerchantOrderSettlement:
    """Customs released a cross-border merchant order's goods at ``at``: its hold may end once
    its return window has too. Only the first release counts (idempotent). Raises ``ValueError``
    naming ``merchant_order_id`` when there is no such merchant order."""
    with transaction.atomic():
        hold = _hold_locked(merchant_order_id)
        if hold.customs_released_at is None:
            hold.customs_released_at = at
            hold.save(update_fields=["customs_released_at", "updated_at"])
    return hold


def hold_release(*, hold_id: int, now: datetime) -> int | None:
    """Release one due hold: move what is still pending of its merchant order to the merchant's
    available balance (key ``merchant-order:<id>:released``) and mark it released.

    Returns the amount released (0 when nothing was pending, e.g. fully refunded or disputed), or
    None when the hold is not due, already released, or its capture is not posted yet.
    Idempotent.
    """
    with transaction.atomic():
        hold = MerchantOrderSettlement.objects.select_for_update().get(pk=hold_id)
        if hold.status != HoldStatus.PENDING or not holds_due(now=now).filter(pk=hold.pk).exists():
            return None
        mo = hold.merchant_order_id
        if not merchant_orders_capture_posted(merchant_order_ids=[mo]):
            return None
        book = AccountBook()
        pending = book.pending(hold.merchant_id, hold.currency)
        available = book.available(hold.merchant_id, hold.currency)
        locked = accounts_lock([pending.pk, available.pk])
        amount = min(
            account_attributed_minor(account=pending, merchant_order_id=mo),
            locked[pending.pk].balance_minor,
        )
        if amount > 0:
            transaction_post(
                key=release_key(mo),
                kind=TransactionKind.RELEASE,
                legs=[Leg(pending, amount, mo), Leg(available, -amount, mo)],
                memo=f"hold on merchant order {mo} released",
                occurred_at=now,
                metadata={"merchant_order_id": mo, "merchant_id": hold.merchant_id},
            )
        hold.status = HoldStatus.AVAILABLE
        hold.released_at = now
        hold.save(update_fields=["status", "released_at", "updated_at"])
    return max(amount, 0)


@dataclass
class ReleaseResult:
    released: int = 0
    amount_minor: dict[str, int] | None = None
    waiting: int = 0

    def add(self, currency: str, amount: int) -> None:
        self.released += 1
        self.amount_minor = self.amount_minor or {}
        self.amount_minor[currency] = self.amount_minor.get(currency, 0) + amount


def holds_release_due(*, now: datetime | None = None, progress: Any = None) -> ReleaseResult:
    """Release every hold due by ``now`` (each in its own transaction; one failing does not stop
    the others). ``progress(done, total)`` is called as it goes. Idempotent."""
    now = now or timezone.now()
    due = list(holds_due(now=now).values_list("pk", "currency"))
    result = ReleaseResult(amount_minor={})
    for done, (hold_id, currency) in enumerate(due, start=1):
        try:
            amount = hold_release(hold_id=hold_id, now=now)
        except Exception:
            logger.exception("settlement: releasing hold %s failed", hold_id)
            amount = None
        if amount is None:
            result.waiting += 1
        else:
            result.add(currency, amount)
        if progress is not None:
            progress(done, len(due))
    return result


__all__ = [
    "ReleaseResult",
    "hold_release",
    "holds_open",
    "holds_release_due",
    "merchant_order_delivered",
    "merchant_order_status_record",
    "release_key",
    "settlement_customs_release",
]
