"""Customs duties changed after checkout: an officer's amendment, and a rejection undoing them.

Under DDP the buyer paid duty and import VAT at checkout; the capture booked them to
``customs:duties_payable`` (``settlement.postings``). When an officer amends a declaration (HS
code or value) customs assesses the duties again and sends
``customs.signals.declaration_duty_changed`` (old, new). The buyer is not charged again nor
refunded for it: **the marketplace absorbs the difference**. An increase is owed to customs by
the platform out of its commission; a decrease is the platform's to keep:

    increase:  Dr platform:commission / Cr customs:duties_payable   new − old
    decrease:  Dr customs:duties_payable / Cr platform:commission   old − new

under the key ``declaration:<id>:duty:<event id>`` (kind ``duty_adjustment``), attributed to the
merchant order. The merchant's balances never move for it. DAP declarations book nothing: the
buyer pays customs on delivery.

When customs rejects the goods no duty is owed at all: the buyer's refund gives back the duties
collected at checkout (``refund_post``), and the net of the declaration's adjustments is reversed
(``declaration:<id>:duty:rejected``), so nothing of that order is left in duties payable.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from ledger.models import Entry, Transaction, TransactionKind
from ledger.services import Leg, transaction_post
from marketplace.core.money import Money
from settlement.postings import AccountBook

__all__ = [
    "declaration_duty_adjust_post",
    "declaration_duty_adjustments_reverse",
    "duty_adjustment_key",
    "duty_rejection_key",
]


def duty_adjustment_key(declaration_id: int, event_id: int) -> str:
    return f"declaration:{declaration_id}:duty:{event_id}"


def duty_rejection_key(declaration_id: int) -> str:
    return f"declaration:{declaration_id}:duty:rejected"


def _is_ddp(declaration: Any) -> bool:
    from customs.models import Incoterm

    return bool(declaration.incoterm == Incoterm.DDP)


def _legs(*, declaration: Any, difference: int) -> list[Leg]:
    """Dr commission / Cr duties payable ``difference`` (negative: the reverse), attributed to
    the declaration's merchant order."""
    book = AccountBook()
    currency = declaration.currency
    mo = declaration.merchant_order_id
    return [
        Leg(book.commission(currency), difference, mo),
        Leg(book.duties_payable(currency), -difference, mo),
    ]


def declaration_duty_adjust_post(
    *, declaration: Any, old: Money, new: Money, event: Any
) -> tuple[Transaction, bool] | None:
    """Book an amendment's change of duty and import VAT on a DDP declaration (see the module
    docstring for the rule): key ``declaration:<id>:duty:<event id>``.

    Returns the posting and whether it was created now, or None when there is nothing to book
    (a DAP declaration, or no difference). Idempotent by key. Raises ``CurrencyMismatch`` when
    ``old`` and ``new`` differ in currency, ``ValueError`` when they are not the declaration's.
    Meant to run inside the amendment's transaction (the ``declaration_duty_changed`` receiver),
    so the amendment and its booking commit together or not at all.
    """
    difference = (new - old).amount_minor
    if new.currency != declaration.currency:
        raise ValueError(
            f"declaration {declaration.pk}: duties in {new.currency}, declared in "
            f"{declaration.currency}"
        )
    if not _is_ddp(declaration) or difference == 0:
        return None
    return transaction_post(
        key=duty_adjustment_key(declaration.pk, event.pk),
        kind=TransactionKind.DUTY_ADJUSTMENT,
        legs=_legs(declaration=declaration, difference=difference),
        memo=f"duties of declaration {declaration.number} amended",
        occurred_at=getattr(event, "created_at", None),
        metadata={
            "declaration_id": declaration.pk,
            "declaration_event_id": event.pk,
            "merchant_order_id": declaration.merchant_order_id,
            "old_minor": old.amount_minor,
            "new_minor": new.amount_minor,
            "difference_minor": difference,
            "borne_by": "platform",
        },
    )


def declaration_duty_adjustments_reverse(
    *, declaration: Any, event: Any = None
) -> tuple[Transaction, bool] | None:
    """A DDP declaration was rejected: reverse the net of its duty adjustments (key
    ``declaration:<id>:duty:rejected``), so the platform gets back what it absorbed and customs
    is owed nothing more for the order. Returns None when there is nothing to reverse.
    Idempotent by key; run inside the rejection's transaction."""
    if not _is_ddp(declaration):
        return None
    key = duty_rejection_key(declaration.pk)
    existing = Transaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    book = AccountBook()
    duties = book.duties_payable(declaration.currency)
    prefix = f"declaration:{declaration.pk}:duty:"
    credited = -int(
        Entry.objects.filter(
            account=duties,
            transaction__kind=TransactionKind.DUTY_ADJUSTMENT,
            transaction__idempotency_key__startswith=prefix,
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    if credited == 0:
        return None
    return transaction_post(
        key=key,
        kind=TransactionKind.DUTY_ADJUSTMENT,
        legs=_legs(declaration=declaration, difference=-credited),
        memo=f"duty adjustments of rejected declaration {declaration.number} reversed",
        occurred_at=getattr(event, "created_at", None),
        metadata={
            "declaration_id": declaration.pk,
            "declaration_event_id": getattr(event, "pk", None),
            "merchant_order_id": declaration.merchant_order_id,
            "difference_minor": -credited,
            "borne_by": "platform",
        },
    )
