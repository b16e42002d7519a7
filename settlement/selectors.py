"""Reads of the settlement domain: what is still outstanding on a merchant order, what a merchant
holds where, which holds are due, what a run would do. Read-only."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from ledger.models import Account, AccountKind, Entry, Party, Transaction, TransactionKind
from settlement.models import HoldStatus, MerchantOrderSettlement
from settlement.postings import MerchantOrderParts, capture_parts

#: The parts of a merchant order's money, in the order allocations use them.
PART_NAMES = ("merchant", "commission", "municipal_fee", "vat", "duty")

#: Postings that give back (part of) a merchant order's money and record the parts they took in
#: ``metadata["parts"][<merchant order id>]``.
REVERSING_KINDS = (TransactionKind.REFUND, TransactionKind.DISPUTE_LOST)


def parts_as_dict(parts: MerchantOrderParts) -> dict[str, int]:
    return {
        "merchant": parts.merchant_minor,
        "commission": parts.commission_minor,
        "municipal_fee": parts.municipal_fee_minor,
        "vat": parts.vat_minor,
        "duty": parts.duty_minor,
    }


def merchant_order_parts_outstanding(*, merchant_order_id: int) -> MerchantOrderParts:
    """What is still outstanding of a merchant order's money: its captured parts (fee snapshots)
    minus the parts already given back by refunds and lost disputes (as those postings recorded
    them, whoever bore them). ``total_minor`` is what the buyer may still get back.

    Raises ``PartsMismatch`` when the order has no (complete) fee snapshot."""
    (captured,) = capture_parts(merchant_order_ids=[merchant_order_id])
    given_back = dict.fromkeys(PART_NAMES, 0)
    key = str(merchant_order_id)
    for metadata in (
        Transaction.objects.filter(
            kind__in=REVERSING_KINDS, entries__merchant_order_id=merchant_order_id
        )
        .distinct()
        .values_list("metadata", flat=True)
    ):
        for name, amount in (metadata.get("parts", {}).get(key) or {}).items():
            given_back[name] += int(amount)
    total = captured.total_minor - sum(given_back.values())
    return replace(
        captured,
        total_minor=total,
        merchant_minor=captured.merchant_minor - given_back["merchant"],
        commission_minor=captured.commission_minor - given_back["commission"],
        municipal_fee_minor=captured.municipal_fee_minor - given_back["municipal_fee"],
        vat_minor=captured.vat_minor - given_back["vat"],
        duty_minor=captured.duty_minor - given_back["duty"],
    )


def account_attributed_minor(*, account: Account, merchant_order_id: int) -> int:
    """The part of ``account``'s balance (on its normal side) attributed to a merchant order."""
    total = (
        Entry.objects.filter(account=account, merchant_order_id=merchant_order_id).aggregate(
            t=Sum("amount_minor")
        )["t"]
        or 0
    )
    return int(total) if account.normal_side == "debit" else -int(total)


def merchant_balances(*, merchant: Any, currency: str | None = None) -> dict[str, dict[str, int]]:
    """A merchant's balances per currency and kind: ``{"IRR": {"pending": .., "available": ..,
    "reserve": .., "receivable": ..}}`` (accounts never used count as zero)."""
    rows = Account.objects.filter(party=Party.MERCHANT, merchant=merchant)
    if currency:
        rows = rows.filter(currency=currency)
    result: dict[str, dict[str, int]] = {}
    for kind, cur, balance in rows.values_list("kind", "currency", "balance_minor"):
        bucket = result.setdefault(
            cur,
            dict.fromkeys(
                (
                    AccountKind.PENDING,
                    AccountKind.AVAILABLE,
                    AccountKind.RESERVE,
                    AccountKind.RECEIVABLE,
                ),
                0,
            ),
        )
        bucket[kind] = int(balance)
    return {cur: {str(k): v for k, v in kinds.items()} for cur, kinds in result.items()}


def holds_due(*, now: datetime) -> QuerySet[MerchantOrderSettlement]:
    """Holds whose return window ended by ``now`` and that need no customs release or have it."""
    return (
        MerchantOrderSettlement.objects.filter(
            status=HoldStatus.PENDING, delivered_at__isnull=False, available_on__lte=now
        )
        .filter(Q(customs_required=False) | Q(customs_released_at__lte=now))
        .order_by("available_on", "pk")
    )


def merchant_orders_capture_posted(*, merchant_order_ids: list[int]) -> set[int]:
    """Which of the merchant orders have their capture posted."""
    return set(
        Entry.objects.filter(
            merchant_order_id__in=merchant_order_ids, transaction__kind=TransactionKind.CAPTURE
        )
        .values_list("merchant_order_id", flat=True)
        .distinct()
    )


def commission_policy() -> str:
    """``SETTLEMENT_COMMISSION_REFUND``: "refund" or "keep"."""
    from settlement.exceptions import SettingInvalid

    policy = (getattr(settings, "SETTLEMENT_COMMISSION_REFUND", "refund") or "refund").lower()
    if policy not in ("refund", "keep"):
        raise SettingInvalid(
            f'SETTLEMENT_COMMISSION_REFUND must be "refund" or "keep", got {policy!r}'
        )
    return policy
