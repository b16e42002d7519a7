"""Posting captured payments in bulk: the catch-up and benchmark path of the capture posting.

``captures_post_bulk`` posts, batch after batch, the capture transaction of every captured payment
whose purchase has merchant orders with fee snapshots and whose ``payment:<id>:captured``
transaction does not exist yet. Each posting is built exactly as the per-event path builds it
(``settlement.services.payments.payment_capture_post``): the same parts, legs, key, kind, memo,
``occurred_at`` and metadata (``settlement.postings``), and the same holds opened (as
``settlement.services.holds.holds_open`` opens them, in one statement per batch). A payment the
per-event path would refuse (a merchant order without a complete fee snapshot, a captured amount
that is not the purchase's total) is skipped with the reason and left to that path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from ledger.models import TransactionKind
from ledger.services import Posting, transactions_post_bulk_keys
from settlement.postings import (
    AccountBook,
    MerchantOrderParts,
    PartsMismatch,
    capture_key,
    capture_legs,
    capture_parts,
)

__all__ = ["BulkResult", "captures_post_bulk"]

#: The statuses of a payment whose capture happened (``settlement.services.payments``).
CAPTURED_STATUSES = (
    "captured",
    "partially_refunded",
    "refunded",
    "disputed",
    "dispute_won",
    "dispute_lost",
)


@dataclass
class BulkResult:
    """What one ``captures_post_bulk`` run did."""

    candidates: int = 0  # captured payments without a capture posting when the run started
    posted: int = 0  # capture transactions posted by this run
    already_posted: int = 0  # posted meanwhile by someone else (the per-event path)
    merchant_orders: int = 0  # merchant orders in the transactions posted by this run
    entries: int = 0  # ledger entries written by this run
    batches: int = 0
    skipped: dict[int, str] = field(default_factory=dict)  # payment id -> why not posted


@dataclass(frozen=True)
class _Candidate:
    payment_id: int
    purchase_id: int
    gateway: str
    provider_ref: str
    reference: str
    captured_minor: int
    captured_at: datetime | None


_CANDIDATES = """
    SELECT p.id, p.purchase_id, p.gateway, p.provider_ref, p.reference, p.captured_minor,
           (SELECT min(ev.created_at) FROM payments_paymentevent ev
             WHERE ev.payment_id = p.id AND ev.to_status = 'captured')
    FROM payments_payment p
    WHERE p.status = ANY(%s) AND p.captured_minor > 0 AND p.purchase_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM purchases_merchantorder mo
                  JOIN fees_orderlinefees f ON f.merchant_order_id = mo.id
                  WHERE mo.purchase_id = p.purchase_id)
      AND NOT EXISTS (SELECT 1 FROM ledger_transaction t
                      WHERE t.idempotency_key = 'payment:' || p.id || ':captured')
    ORDER BY p.id
"""


def _candidates() -> list[_Candidate]:
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES, [list(CAPTURED_STATUSES)])
        return [_Candidate(*row) for row in cursor.fetchall()]


def _merchant_orders(purchase_ids: Sequence[int]) -> dict[int, int]:
    """Merchant order id -> purchase id, for the purchases given."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, purchase_id FROM purchases_merchantorder WHERE purchase_id = ANY(%s)",
            [list(purchase_ids)],
        )
        return dict(cursor.fetchall())


_HOLDS_OPEN = """
    INSERT INTO settlement_merchantordersettlement
        (merchant_order_id, merchant_id, currency, status, customs_required, created_at,
         updated_at)
    SELECT mo.id, m.id, p.currency, %s,
           coalesce(sa.country_id, '') NOT IN ('', %s), now(), now()
    FROM purchases_merchantorder mo
    JOIN purchases_purchase p ON p.id = mo.purchase_id
    JOIN order_order o ON o.id = mo.order_id
    LEFT JOIN merchants_merchant m ON m.partner_id = mo.partner_id
    LEFT JOIN order_shippingaddress sa ON sa.id = o.shipping_address_id
    WHERE mo.id = ANY(%s)
    ORDER BY mo.id
    ON CONFLICT (merchant_order_id) DO NOTHING
"""


def _holds_open(merchant_order_ids: Sequence[int]) -> None:
    """``settlement.services.holds.holds_open`` for many merchant orders in one statement: the
    same rows (merchant, currency, held, customs required when shipped outside the domestic
    country), none touched where a hold exists. Idempotent."""
    from django.conf import settings

    from settlement.models import HoldStatus

    with connection.cursor() as cursor:
        cursor.execute(
            _HOLDS_OPEN,
            [
                HoldStatus.PENDING,
                settings.MARKETPLACE_SHIPPING["domestic_country"],
                list(merchant_order_ids),
            ],
        )


def _parts(
    mo_purchase: dict[int, int], skipped: dict[int, str], purchase_payment: dict[int, int]
) -> list[MerchantOrderParts]:
    """``capture_parts`` of the merchant orders, leaving out every purchase one of whose merchant
    orders does not add up (its payment recorded in ``skipped`` with the reason)."""
    ids = sorted(mo_purchase)
    while True:
        try:
            return capture_parts(merchant_order_ids=ids)
        except PartsMismatch as exc:
            purchase_id = mo_purchase[exc.merchant_order_id]
            skipped[purchase_payment[purchase_id]] = str(exc)
            ids = [pk for pk in ids if mo_purchase[pk] != purchase_id]


def _postings(
    batch: Sequence[_Candidate], book: AccountBook, skipped: dict[int, str]
) -> tuple[list[Posting], dict[str, list[MerchantOrderParts]]]:
    purchase_payment = {c.purchase_id: c.payment_id for c in batch}
    mo_purchase = _merchant_orders(list(purchase_payment))
    by_purchase: dict[int, list[MerchantOrderParts]] = defaultdict(list)
    for parts in _parts(mo_purchase, skipped, purchase_payment):
        by_purchase[mo_purchase[parts.merchant_order_id]].append(parts)
    postings: list[Posting] = []
    parts_by_key: dict[str, list[MerchantOrderParts]] = {}
    for c in batch:
        if c.payment_id in skipped:
            continue
        parts = by_purchase.get(c.purchase_id, [])
        total = sum(p.total_minor for p in parts)
        if total != c.captured_minor:
            skipped[c.payment_id] = (
                f"payment {c.payment_id}: captured {c.captured_minor} but the purchase's merchant"
                f" orders total {total}"
            )
            continue
        if total == 0:
            skipped[c.payment_id] = f"payment {c.payment_id}: nothing to post (total 0)"
            continue
        key = capture_key(c.payment_id)
        postings.append(
            Posting(
                key=key,
                kind=TransactionKind.CAPTURE,
                legs=capture_legs(parts=parts, gateway=c.gateway, accounts=book),
                memo=f"purchase {c.reference} captured",
                occurred_at=c.captured_at,
                metadata={
                    "provider_ref": c.provider_ref,
                    "payment_id": c.payment_id,
                    "purchase_id": c.purchase_id,
                    "gateway": c.gateway,
                    "merchant_order_ids": [p.merchant_order_id for p in parts],
                },
            )
        )
        parts_by_key[key] = parts
    return postings, parts_by_key


def captures_post_bulk(
    *, batch_size: int = 2000, progress: Callable[[int], None] | None = None
) -> BulkResult:
    """Post the capture of every captured payment that has none yet, ``batch_size`` payments per
    database transaction (one multi-row insert of transactions, one COPY of entries, the holds of
    their merchant orders opened).

    Idempotent and safe next to the per-event path: a payment posted meanwhile is skipped by its
    key (counted in ``already_posted``). Skips, with the reason, what the per-event path would
    refuse. ``progress`` is called after each batch with the number of payments it handled.
    Raises what the ledger raises (``IntegrityError`` on an overdraft, impossible for captures,
    which only credit merchants); a failed batch writes nothing.
    """
    if batch_size < 1:
        raise ValueError("batch_size: must be at least 1")
    result = BulkResult()
    candidates = _candidates()
    result.candidates = len(candidates)
    book = AccountBook()
    for start in range(0, len(candidates), batch_size):
        batch = candidates[start : start + batch_size]
        postings, parts_by_key = _postings(batch, book, result.skipped)
        with transaction.atomic():
            posted = transactions_post_bulk_keys(postings)
            new_parts = [p for key in posted for p in parts_by_key[key]]
            if new_parts:
                _holds_open([p.merchant_order_id for p in new_parts])
        legs_by_key = {p.key: p.legs for p in postings}
        result.posted += len(posted)
        result.already_posted += len(postings) - len(posted)
        result.merchant_orders += len(new_parts)
        result.entries += sum(
            1 for key in posted for leg in legs_by_key[key] if leg.amount_minor != 0
        )
        result.batches += 1
        if progress is not None:
            progress(len(batch))
    return result
