"""Ledger postings driven by payment events: capture, processor fee, refunds, disputes.

When: every posting is made inside the database transaction that records its event, under the
payment's row lock, so an event is never recorded without its posting being attempted in the same
commit:

- ``payments.services.lifecycle.payment_result_apply`` (capture, fee, dispute opened/won/lost),
- ``payments.services.placement.payment_purchase_place`` (a payment captured before its purchase
  was placed is posted once the purchase and its fee snapshots exist: whichever comes last posts),
- ``payments.services.refunds.refund_submit`` (a refund that succeeded).

Each of them calls ``payment_postings_sync(payment=..., quiet=True)``, which posts what the
payment's current state implies and what is not posted yet, each in its own savepoint: a posting
that cannot be made yet (no fee snapshot, a partial capture) is logged and left to the sweeper
``postings_post_missing`` (Celery beat ``settlement.post_missing``), never failing the payment's
own change. Every posting has the key of its business event, so a replay writes nothing.

Legs are attributed to the merchant order they are about. A merchant's share is taken, where a
posting takes it back, from the order's pending earnings first, then the merchant's available
balance, and whatever is left is booked to the merchant's receivable: no merchant balance ever
goes below zero.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat

from ledger.models import Account, AccountKind, Transaction, TransactionKind
from ledger.services import Leg, accounts_lock, transaction_post
from marketplace.core.money import allocate_minor
from settlement.exceptions import CaptureMismatch, NotPostable
from settlement.postings import (
    AccountBook,
    MerchantOrderParts,
    capture_key,
    capture_legs,
    capture_parts,
)
from settlement.selectors import (
    PART_NAMES,
    account_attributed_minor,
    commission_policy,
    merchant_order_parts_outstanding,
)

logger = logging.getLogger(__name__)

K = AccountKind


def _payment_model() -> Any:
    from payments.models import Payment

    return Payment


def _statuses() -> tuple[frozenset[str], frozenset[str]]:
    from payments.models import PaymentStatus as S

    captured = frozenset(
        {
            S.CAPTURED,
            S.PARTIALLY_REFUNDED,
            S.REFUNDED,
            S.DISPUTED,
            S.DISPUTE_WON,
            S.DISPUTE_LOST,
        }
    )
    disputed = frozenset({S.DISPUTED, S.DISPUTE_WON, S.DISPUTE_LOST})
    return captured, disputed


def fee_key(payment_id: int) -> str:
    return f"payment:{payment_id}:processor_fee"


def refund_key(refund_id: int) -> str:
    return f"refund:{refund_id}:succeeded"


def dispute_key(payment_id: int, outcome: str) -> str:
    """``outcome``: "opened", "won" or "lost"."""
    return f"payment:{payment_id}:dispute_{outcome}"


# --- a merchant's balances, locked, for one posting -------------------------------------------


class _Purses:
    """The merchants' own accounts (and the posting's other accounts) locked together in
    primary-key order before any balance is read, so two postings never deadlock and never both
    spend the same balance. Tracks what this posting already took."""

    def __init__(self, book: AccountBook, currency: str, merchant_ids: Iterable[int]) -> None:
        self.book = book
        self.currency = currency
        self.merchant_ids = sorted(set(merchant_ids))
        self.balance: dict[int, int] = {}

    def account(self, merchant_id: int, kind: str) -> Account:
        return self.book.merchant(merchant_id, kind, self.currency)

    def lock(self, others: Iterable[Account] = ()) -> None:
        accounts = [
            self.account(m, kind)
            for m in self.merchant_ids
            for kind in (K.PENDING, K.AVAILABLE, K.RESERVE, K.RECEIVABLE)
        ]
        locked = accounts_lock([a.pk for a in [*accounts, *others]])
        self.balance = {pk: account.balance_minor for pk, account in locked.items()}

    def pending_of(self, merchant_id: int, merchant_order_id: int) -> int:
        """The merchant order's earnings still pending (its attributed share of pending)."""
        account = self.account(merchant_id, K.PENDING)
        return min(
            account_attributed_minor(account=account, merchant_order_id=merchant_order_id),
            self.balance[account.pk],
        )

    def take(
        self,
        *,
        merchant_id: int,
        merchant_order_id: int,
        amount: int,
        sources: Sequence[tuple[str, int | None]],
    ) -> tuple[list[Leg], dict[str, int]]:
        """Debit ``amount`` from the merchant: from each ``(kind, at most)`` source in turn (None:
        as much as its balance allows), the rest to receivable. Returns legs and what came from
        where."""
        legs: list[Leg] = []
        taken: dict[str, int] = {}
        left = amount
        for kind, cap in sources:
            if left <= 0:
                break
            account = self.account(merchant_id, kind)
            room = self.balance[account.pk] if cap is None else min(cap, self.balance[account.pk])
            part = min(left, max(room, 0))
            if part > 0:
                legs.append(Leg(account, part, merchant_order_id))
                self.balance[account.pk] -= part
                taken[str(kind)] = taken.get(str(kind), 0) + part
                left -= part
        if left > 0:
            receivable = self.account(merchant_id, K.RECEIVABLE)
            legs.append(Leg(receivable, left, merchant_order_id))
            self.balance[receivable.pk] += left
            taken[str(K.RECEIVABLE)] = left
        return legs, taken

    def credit(self, *, merchant_id: int, merchant_order_id: int, kind: str, amount: int) -> Leg:
        account = self.account(merchant_id, kind)
        self.balance[account.pk] += amount
        return Leg(account, -amount, merchant_order_id)


# --- capture and processor fee ----------------------------------------------------------------


def _captured_at(payment: Any) -> datetime | None:
    from payments.models import PaymentEvent, PaymentStatus

    return (
        PaymentEvent.objects.filter(payment_id=payment.pk, to_status=PaymentStatus.CAPTURED)
        .values_list("created_at", flat=True)
        .first()
    )


def _merchant_order_ids(purchase_id: int) -> list[int]:
    from purchases.models import MerchantOrder

    return list(
        MerchantOrder.objects.filter(purchase_id=purchase_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def payment_capture_post(*, payment: Any) -> tuple[Transaction, bool]:
    """Post a captured payment (key ``payment:<id>:captured``), split per merchant order by the
    posting rules (``settlement.postings``), open each merchant order's hold, and queue the
    customs declaration of each merchant order shipped abroad (``declarations_queue``).

    Idempotent. Raises ``NotPostable`` when the payment is not captured or its purchase is not
    placed, ``PartsMismatch`` when a merchant order has no complete fee snapshot, and
    ``CaptureMismatch`` when the captured amount is not the purchase's total.
    """
    from settlement.services.holds import holds_open

    captured_statuses, _ = _statuses()
    if payment.status not in captured_statuses or not payment.captured_minor:
        raise NotPostable(f"payment {payment.pk} is not captured ({payment.status})")
    if payment.purchase_id is None:
        raise NotPostable(f"payment {payment.pk} has no purchase placed yet")
    existing = Transaction.objects.filter(idempotency_key=capture_key(payment.pk)).first()
    if existing is not None:
        return existing, False
    parts = capture_parts(merchant_order_ids=_merchant_order_ids(payment.purchase_id))
    total = sum(p.total_minor for p in parts)
    if total != payment.captured_minor:
        raise CaptureMismatch(payment.pk, payment.captured_minor, total)
    legs = capture_legs(parts=parts, gateway=payment.gateway, accounts=AccountBook())
    posted = transaction_post(
        key=capture_key(payment.pk),
        kind=TransactionKind.CAPTURE,
        legs=legs,
        memo=f"purchase {payment.reference} captured",
        occurred_at=_captured_at(payment),
        metadata={
            "provider_ref": payment.provider_ref,
            "payment_id": payment.pk,
            "purchase_id": payment.purchase_id,
            "gateway": payment.gateway,
            "merchant_order_ids": [p.merchant_order_id for p in parts],
        },
    )
    holds_open(parts=parts)
    declarations_queue(merchant_order_ids=[p.merchant_order_id for p in parts])
    return posted


def declarations_queue(*, merchant_order_ids: Sequence[int]) -> list[int]:
    """Once a payment's capture is booked, queue ``customs.declaration_create`` (on commit) for
    each of its merchant orders whose hold waits for customs (``customs_required``: shipped
    abroad). Called from ``payment_capture_post`` in the capture posting's transaction, so a
    rolled-back posting queues nothing; the capture posts once, and the task is idempotent
    anyway. Returns the merchant order ids queued."""
    from customs.tasks import declaration_create
    from marketplace.core.tasks import enqueue_on_commit
    from settlement.models import MerchantOrderSettlement

    ids = list(
        MerchantOrderSettlement.objects.filter(
            merchant_order_id__in=list(merchant_order_ids), customs_required=True
        )
        .order_by("merchant_order_id")
        .values_list("merchant_order_id", flat=True)
    )
    for merchant_order_id in ids:
        enqueue_on_commit(declaration_create, merchant_order_id)
    return ids


def payment_fee_post(*, payment: Any) -> tuple[Transaction, bool]:
    """Post the processor's fee on a payment (key ``payment:<id>:processor_fee``): Dr
    platform:processor_fees / Cr processor:<gateway>:balance. Idempotent. Raises ``NotPostable``
    while the fee is unknown or zero."""
    if not payment.fee_minor or payment.fee_minor <= 0:
        raise NotPostable(f"payment {payment.pk} has no processor fee")
    book = AccountBook()
    fee = int(payment.fee_minor)
    return transaction_post(
        key=fee_key(payment.pk),
        kind=TransactionKind.PROCESSOR_FEE,
        legs=[
            Leg(book.processor_fees(payment.currency), fee),
            Leg(book.processor(payment.gateway, payment.currency), -fee),
        ],
        memo=f"processor fee on purchase {payment.reference}",
        metadata={
            "provider_ref": payment.provider_ref,
            "payment_id": payment.pk,
            "gateway": payment.gateway,
        },
    )


# --- refunds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reversal:
    """The parts of a merchant order one posting gives back, and the legs for the platform's,
    the municipality's, the tax authority's and customs' parts."""

    parts: dict[str, int]
    merchant_bears: int
    legs: list[Leg]


def _reversal(
    *, outstanding: MerchantOrderParts, amount: int, book: AccountBook, policy: str
) -> _Reversal:
    """Split ``amount`` over the outstanding parts (largest remainder) and the debit legs of the
    non-merchant parts; under "keep" the commission's share is borne by the merchant too."""
    weights = [
        max(outstanding.merchant_minor, 0),
        max(outstanding.commission_minor, 0),
        max(outstanding.municipal_fee_minor, 0),
        max(outstanding.vat_minor, 0),
        max(outstanding.duty_minor, 0),
    ]
    if amount == outstanding.total_minor == sum(weights):
        shares = weights  # the whole rest: exactly what is outstanding
    else:
        shares = allocate_minor(amount, weights)
    parts = dict(zip(PART_NAMES, shares, strict=True))
    cur, mo = outstanding.currency, outstanding.merchant_order_id
    legs = [
        Leg(book.fee_payable(cur), parts["municipal_fee"], mo),
        Leg(book.vat_payable(cur), parts["vat"], mo),
        Leg(book.duties_payable(cur), parts["duty"], mo),
    ]
    merchant_bears = parts["merchant"]
    if policy == "refund":
        legs.append(Leg(book.commission(cur), parts["commission"], mo))
    else:
        merchant_bears += parts["commission"]
    return _Reversal(parts=parts, merchant_bears=merchant_bears, legs=legs)


def _hold_released(merchant_order_id: int) -> bool:
    from settlement.models import HoldStatus, MerchantOrderSettlement

    return MerchantOrderSettlement.objects.filter(
        merchant_order_id=merchant_order_id, status=HoldStatus.AVAILABLE
    ).exists()


def refund_post(*, refund: Any) -> tuple[Transaction, bool]:
    """Post a succeeded refund of a merchant order (key ``refund:<id>:succeeded``): Cr the
    processor balance the refund; Dr each part by its share of what is still outstanding on the
    order (largest remainder): municipal fee, VAT, duty payable, the platform's commission
    (``SETTLEMENT_COMMISSION_REFUND`` "refund"; under "keep" the merchant bears it) and the
    merchant's share (from the order's pending earnings, then available, then receivable).

    Idempotent. Raises ``NotPostable`` when the refund has not succeeded, has no merchant order,
    the capture is not posted yet, or it exceeds what is outstanding on the order.
    """
    from payments.models import RefundStatus

    key = refund_key(refund.pk)
    existing = Transaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    if refund.status != RefundStatus.SUCCEEDED:
        raise NotPostable(f"refund {refund.pk} has not succeeded ({refund.status})")
    if refund.merchant_order_id is None:
        raise NotPostable(f"refund {refund.pk} is for a purchase never placed: nothing to reverse")
    payment = refund.payment
    if not Transaction.objects.filter(idempotency_key=capture_key(payment.pk)).exists():
        raise NotPostable(f"refund {refund.pk}: the capture of payment {payment.pk} is not posted")
    mo = refund.merchant_order_id
    outstanding = merchant_order_parts_outstanding(merchant_order_id=mo)
    if refund.amount_minor > outstanding.total_minor:
        raise NotPostable(
            f"refund {refund.pk}: {refund.amount_minor} exceeds the {outstanding.total_minor} "
            f"outstanding on merchant order {mo}"
        )
    policy = commission_policy()
    book = AccountBook()
    cur = outstanding.currency
    processor = book.processor(payment.gateway, cur)
    reversal = _reversal(
        outstanding=outstanding, amount=refund.amount_minor, book=book, policy=policy
    )
    purses = _Purses(book, cur, [outstanding.merchant_id])
    purses.lock([processor, *(leg.account for leg in reversal.legs)])
    merchant_id = outstanding.merchant_id
    merchant_legs, taken = purses.take(
        merchant_id=merchant_id,
        merchant_order_id=mo,
        amount=reversal.merchant_bears,
        sources=[
            (K.PENDING, purses.pending_of(merchant_id, mo)),
            (K.AVAILABLE, None),
        ],
    )
    return transaction_post(
        key=key,
        kind=TransactionKind.REFUND,
        legs=[Leg(processor, -refund.amount_minor, mo), *reversal.legs, *merchant_legs],
        memo=f"refund {refund.pk} of merchant order {mo}",
        metadata={
            "provider_ref": refund.provider_ref,
            "payment_id": payment.pk,
            "refund_id": refund.pk,
            "merchant_order_id": mo,
            "commission_policy": policy,
            "parts": {str(mo): reversal.parts},
            "merchant_taken": {str(mo): taken},
        },
    )


# --- disputes ---------------------------------------------------------------------------------


def _outstanding_orders(payment: Any) -> list[MerchantOrderParts]:
    return [
        o
        for o in (
            merchant_order_parts_outstanding(merchant_order_id=mo)
            for mo in _merchant_order_ids(payment.purchase_id)
        )
        if o.total_minor > 0
    ]


def dispute_opened_post(*, payment: Any) -> tuple[Transaction, bool]:
    """The buyer's bank disputes the payment and the processor withdraws what is left of it (key
    ``payment:<id>:dispute_opened``): per merchant order, Cr processor balance / Dr
    platform:disputes its outstanding total, and the merchant's outstanding share moves into the
    merchant's reserve (from the order's pending earnings, then available; any shortfall booked
    to receivable). Idempotent. Raises ``NotPostable`` before the capture is posted."""
    key = dispute_key(payment.pk, "opened")
    existing = Transaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    if not Transaction.objects.filter(idempotency_key=capture_key(payment.pk)).exists():
        raise NotPostable(f"payment {payment.pk}: the capture is not posted yet")
    orders = _outstanding_orders(payment)
    if not orders:
        raise NotPostable(f"payment {payment.pk}: nothing outstanding to dispute")
    book = AccountBook()
    cur = orders[0].currency
    processor, disputes = book.processor(payment.gateway, cur), book.disputes(cur)
    purses = _Purses(book, cur, [o.merchant_id for o in orders])
    purses.lock([processor, disputes])
    legs: list[Leg] = []
    detail: dict[str, Any] = {}
    for o in orders:
        mo = o.merchant_order_id
        share = max(o.merchant_minor, 0)
        legs += [Leg(disputes, o.total_minor, mo), Leg(processor, -o.total_minor, mo)]
        taken: dict[str, int] = {}
        if share:
            moved, taken = purses.take(
                merchant_id=o.merchant_id,
                merchant_order_id=mo,
                amount=share,
                sources=[(K.PENDING, purses.pending_of(o.merchant_id, mo)), (K.AVAILABLE, None)],
            )
            legs += [
                *moved,
                purses.credit(
                    merchant_id=o.merchant_id, merchant_order_id=mo, kind=K.RESERVE, amount=share
                ),
            ]
        detail[str(mo)] = {
            "merchant_id": o.merchant_id,
            "amount": o.total_minor,
            "reserved": share,
            "taken": taken,
        }
    return transaction_post(
        key=key,
        kind=TransactionKind.DISPUTE_OPENED,
        legs=legs,
        memo=f"dispute opened on purchase {payment.reference}",
        metadata={
            "provider_ref": payment.provider_ref,
            "payment_id": payment.pk,
            "merchant_orders": detail,
        },
    )


def _opened_detail(payment: Any) -> dict[str, Any]:
    opened = Transaction.objects.filter(idempotency_key=dispute_key(payment.pk, "opened")).first()
    if opened is None:
        raise NotPostable(f"payment {payment.pk}: the dispute's opening is not posted yet")
    return dict(opened.metadata.get("merchant_orders") or {})


def dispute_won_post(*, payment: Any) -> tuple[Transaction, bool]:
    """The dispute was decided for us and the processor returns the money (key
    ``payment:<id>:dispute_won``): the opening reversed per merchant order, and each reserve
    returned: first clearing what the opening booked to the merchant's receivable, the rest to
    pending while the order's hold lasts, else to available. Idempotent. Raises ``NotPostable``
    before the opening is posted."""
    key = dispute_key(payment.pk, "won")
    existing = Transaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    detail = _opened_detail(payment)
    book = AccountBook()
    cur = payment.currency
    processor, disputes = book.processor(payment.gateway, cur), book.disputes(cur)
    purses = _Purses(book, cur, [int(d["merchant_id"]) for d in detail.values()])
    purses.lock([processor, disputes])
    legs: list[Leg] = []
    for mo_key, d in sorted(detail.items(), key=lambda item: int(item[0])):
        mo, merchant_id, amount = int(mo_key), int(d["merchant_id"]), int(d["amount"])
        reserved = int(d["reserved"])
        legs += [Leg(processor, amount, mo), Leg(disputes, -amount, mo)]
        if not reserved:
            continue
        legs.append(Leg(purses.account(merchant_id, K.RESERVE), reserved, mo))
        receivable = purses.account(merchant_id, K.RECEIVABLE)
        clear = min(int(d["taken"].get(K.RECEIVABLE, 0)), purses.balance[receivable.pk], reserved)
        if clear > 0:
            legs.append(
                purses.credit(
                    merchant_id=merchant_id, merchant_order_id=mo, kind=K.RECEIVABLE, amount=clear
                )
            )
        back_to = K.AVAILABLE if _hold_released(mo) else K.PENDING
        if reserved - clear > 0:
            legs.append(
                purses.credit(
                    merchant_id=merchant_id,
                    merchant_order_id=mo,
                    kind=back_to,
                    amount=reserved - clear,
                )
            )
    return transaction_post(
        key=key,
        kind=TransactionKind.DISPUTE_WON,
        legs=legs,
        memo=f"dispute won on purchase {payment.reference}",
        metadata={"provider_ref": payment.provider_ref, "payment_id": payment.pk},
    )


def dispute_lost_post(*, payment: Any) -> tuple[Transaction, bool]:
    """The dispute was decided for the buyer: like a full refund of what was outstanding, but
    against platform:disputes instead of the processor balance (key ``payment:<id>:dispute_lost``).
    The merchant's share comes from the reserve first, then pending, available, receivable; the
    commission follows ``SETTLEMENT_COMMISSION_REFUND``. Idempotent. Raises ``NotPostable``
    before the opening is posted."""
    key = dispute_key(payment.pk, "lost")
    existing = Transaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    detail = _opened_detail(payment)
    policy = commission_policy()
    book = AccountBook()
    cur = payment.currency
    disputes = book.disputes(cur)
    orders = [
        merchant_order_parts_outstanding(merchant_order_id=int(mo))
        for mo in sorted(detail, key=int)
    ]
    reversals = {
        o.merchant_order_id: _reversal(
            outstanding=o,
            amount=int(detail[str(o.merchant_order_id)]["amount"]),
            book=book,
            policy=policy,
        )
        for o in orders
    }
    purses = _Purses(book, cur, [o.merchant_id for o in orders])
    purses.lock([disputes, *(leg.account for r in reversals.values() for leg in r.legs)])
    legs: list[Leg] = []
    parts: dict[str, dict[str, int]] = {}
    taken_by_order: dict[str, dict[str, int]] = {}
    for o in orders:
        mo = o.merchant_order_id
        d = detail[str(mo)]
        reversal = reversals[mo]
        legs += [Leg(disputes, -int(d["amount"]), mo), *reversal.legs]
        moved, taken = purses.take(
            merchant_id=o.merchant_id,
            merchant_order_id=mo,
            amount=reversal.merchant_bears,
            sources=[
                (K.RESERVE, int(d["reserved"])),
                (K.PENDING, purses.pending_of(o.merchant_id, mo)),
                (K.AVAILABLE, None),
            ],
        )
        legs += moved
        parts[str(mo)] = reversal.parts
        taken_by_order[str(mo)] = taken
    return transaction_post(
        key=key,
        kind=TransactionKind.DISPUTE_LOST,
        legs=legs,
        memo=f"dispute lost on purchase {payment.reference}",
        metadata={
            "provider_ref": payment.provider_ref,
            "payment_id": payment.pk,
            "commission_policy": policy,
            "parts": parts,
            "merchant_taken": taken_by_order,
        },
    )


# --- what a payment's state implies -----------------------------------------------------------


def _due_steps(payment: Any) -> list[tuple[str, Any]]:
    """(key, posting function) for the money-splitting postings the payment's state implies, in
    event order: each builds on those before it (a refund on the capture, a dispute on the
    refunds before it)."""
    from payments.models import PaymentEvent, PaymentStatus, Refund, RefundStatus

    captured, disputed = _statuses()
    steps: list[tuple[str, Any]] = []
    if payment.status in captured and payment.captured_minor and payment.purchase_id:
        steps.append((capture_key(payment.pk), lambda: payment_capture_post(payment=payment)))
    if payment.purchase_id is None or payment.status not in captured:
        return steps
    for refund in (
        Refund.objects.filter(
            payment_id=payment.pk, status=RefundStatus.SUCCEEDED, merchant_order__isnull=False
        )
        .select_related("payment")
        .order_by("completed_at", "pk")
    ):
        steps.append((refund_key(refund.pk), lambda r=refund: refund_post(refund=r)))
    was_disputed = (
        payment.status in disputed
        or PaymentEvent.objects.filter(
            payment_id=payment.pk, to_status=PaymentStatus.DISPUTED
        ).exists()
    )
    if was_disputed:
        steps.append(
            (dispute_key(payment.pk, "opened"), lambda: dispute_opened_post(payment=payment))
        )
    if payment.status == PaymentStatus.DISPUTE_WON:
        steps.append((dispute_key(payment.pk, "won"), lambda: dispute_won_post(payment=payment)))
    if payment.status == PaymentStatus.DISPUTE_LOST:
        steps.append((dispute_key(payment.pk, "lost"), lambda: dispute_lost_post(payment=payment)))
    return steps


def payment_postings_sync(*, payment: Any, quiet: bool = False) -> list[str]:
    """Post every posting ``payment``'s current state implies that is not posted yet (capture,
    processor fee, succeeded refunds, dispute opened/won/lost), in event order, each in its own
    savepoint. Call with the payment locked, inside the transaction that changed it.

    Returns the keys posted now. Idempotent: nothing is written for what is posted already. With
    ``quiet`` a posting that fails is logged and the rest still run (the sweeper tries again);
    otherwise the first failure raises (``NotPostable``, ``PartsMismatch``...), with what was
    posted before it kept.
    """
    chain = _due_steps(payment)
    # The processor's fee depends on nothing else.
    independent = []
    if payment.fee_minor and payment.fee_minor > 0:
        independent.append((fee_key(payment.pk), lambda: payment_fee_post(payment=payment)))
    if not chain and not independent:
        return []
    done = set(
        Transaction.objects.filter(
            idempotency_key__in=[key for key, _ in (*chain, *independent)]
        ).values_list("idempotency_key", flat=True)
    )
    posted: list[str] = []
    for steps, is_chain in ((chain, True), (independent, False)):
        for key, post in steps:
            if key in done:
                continue
            try:
                with transaction.atomic():
                    _txn, created = post()
            except Exception as exc:
                if not quiet:
                    raise
                logger.warning("settlement: %s not posted yet (%s)", key, exc)
                if is_chain:
                    # Later postings build on this one: leave them to the sweeper.
                    break
                continue
            if created:
                posted.append(key)
    return posted


def payment_settle_in_transaction(payment: Any) -> None:
    """The hook the payments services call inside their transaction, with the payment locked:
    post what is due, never fail the caller (see the module docstring)."""
    try:
        with transaction.atomic():
            payment_postings_sync(payment=payment, quiet=True)
    except Exception:
        logger.exception(
            "settlement: postings of payment %s failed; the sweeper retries", payment.pk
        )


def _missing_payment_ids(limit: int | None = None) -> list[int]:
    """Payments with a posting their state implies and the ledger does not have."""
    from payments.models import PaymentEvent, PaymentStatus, Refund, RefundStatus

    Payment = _payment_model()
    captured, disputed = _statuses()

    def key_exists(suffix: str, prefix: str = "payment:") -> Exists:
        return Exists(
            Transaction.objects.filter(
                idempotency_key=Concat(
                    Value(prefix), Cast(OuterRef("pk"), CharField()), Value(suffix)
                )
            )
        )

    payments = Payment.objects.filter(status__in=captured, captured_minor__gt=0)
    needing = payments.filter(purchase__isnull=False).filter(
        ~key_exists(":captured")
        | (Q(status__in=disputed) & ~key_exists(":dispute_opened"))
        | (Q(status=PaymentStatus.DISPUTE_WON) & ~key_exists(":dispute_won"))
        | (Q(status=PaymentStatus.DISPUTE_LOST) & ~key_exists(":dispute_lost"))
    )
    fees = Payment.objects.filter(fee_minor__gt=0).filter(~key_exists(":processor_fee"))
    refunds = Refund.objects.filter(
        status=RefundStatus.SUCCEEDED, merchant_order__isnull=False
    ).filter(~key_exists(":succeeded", prefix="refund:"))
    ids = set(needing.values_list("pk", flat=True))
    ids |= set(fees.values_list("pk", flat=True))
    ids |= set(refunds.values_list("payment_id", flat=True))
    # A dispute decided after the opening was missed: the status moved on past DISPUTED.
    ids |= set(
        PaymentEvent.objects.filter(
            to_status=PaymentStatus.DISPUTED, payment__purchase__isnull=False
        )
        .filter(
            ~Exists(
                Transaction.objects.filter(
                    idempotency_key=Concat(
                        Value("payment:"),
                        Cast(OuterRef("payment_id"), CharField()),
                        Value(":dispute_opened"),
                    )
                )
            )
        )
        .values_list("payment_id", flat=True)
    )
    result = sorted(ids)
    return result[:limit] if limit else result


@dataclass
class PostMissingResult:
    payments: int = 0
    posted: int = 0
    failed: int = 0


def postings_post_missing(*, limit: int | None = None) -> PostMissingResult:
    """The sweeper: post whatever payment events the ledger is missing (a hook that could not post
    at the time, e.g. before the fee snapshots existed). Each payment is handled on its own,
    locked, in its own transaction; one failing does not stop the others. Idempotent."""
    Payment = _payment_model()
    result = PostMissingResult()
    for payment_id in _missing_payment_ids(limit):
        result.payments += 1
        try:
            with transaction.atomic():
                payment = Payment.objects.select_for_update().get(pk=payment_id)
                result.posted += len(payment_postings_sync(payment=payment))
        except Exception as exc:
            result.failed += 1
            logger.warning("settlement: payment %s still not postable (%s)", payment_id, exc)
    return result
