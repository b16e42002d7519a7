"""The fee engine: what each line of a merchant order pays, and to whom, to the minor unit.

Pure computation over rules and lines (``line_fees_compute``, ``merchant_order_fees_compute``);
``merchant_parts_fees_compute`` adds the three reads a basket needs (merchants, categories, the
rules in force) and is what ``purchases.quotes`` calls.

Per line:

- **base** = the goods after discount. It is also the VAT base: shipping is outside VAT for now
  (it is charged by the merchant order, not by any line, and goes to the merchant whole).
- **commission** (the platform's) = rate × base, clamped to the rule's [min, max] per line and
  never above the base.
- **municipal fee** ("City fee / عوارض شهرداری") = rate × base, or a fixed amount × quantity;
  paid by the buyer (its own line at checkout: ``city_fee``) or deducted from the merchant (then
  never more than what is left of the base after commission); an exempt rule makes it 0.
- **VAT** = the domestic rate × base for a domestic delivery (no address yet counts as domestic:
  the basket page's estimate); 0 for an export (zero-rated).
- **duty** = what customs says (the ``duty_minor`` of each ``FeeLineInput``; 0 until customs
  fills it in: the seam for issue #6).
- gross (what the buyer pays) = base + city_fee + vat + duty;
  merchant_net = base − commission − (municipal fee when the merchant pays it).

The most specific rule in force wins, per kind: merchant and category, then merchant, then
category, then the general rule; a category rule matches the line's category or its nearest
ancestor. A line's category is its product's first category (a variant's parent's).

Rounding: amounts are exact fractions per line; each component's merchant-order total is rounded
half-up to the minor unit once and spread back over the lines by largest remainder
(``allocate_minor``, weights = the exact per-line amounts), so every part sums exactly and the
merchant order pays the same whichever way its lines are grouped. No floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.utils import timezone

from fees.models import FeeKind, FeePayer
from fees.selectors import (
    fee_rules_effective_on,
    merchant_ids_by_partner,
    product_category_chains,
)
from marketplace.core.money import allocate_minor

__all__ = [
    "FeeLineInput",
    "FeeLineRequest",
    "LineFees",
    "LineFeesExact",
    "MerchantOrderFees",
    "fee_rules_effective_on",
    "is_domestic",
    "line_fees_compute",
    "merchant_order_fees_compute",
    "merchant_parts_fees_compute",
    "rule_pick",
    "rule_snapshot",
]

_BP = 10_000  # basis points in a whole
_HALF = Fraction(1, 2)
#: (scoped to a merchant, scoped to a category) -> rank; the lowest rank wins.
_SCOPE_RANK = {(True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3}


@dataclass(frozen=True)
class FeeLineInput:
    """One line as the engine sees it.

    ``category_ids``: the line's category first, then its ancestors up to the root (empty when
    the product has no category). ``duty_minor``: duties on the line, from customs (issue #6);
    passed through unchanged.
    """

    base_minor: int
    quantity: int
    category_ids: tuple[int, ...] = ()
    duty_minor: int = 0

    def __post_init__(self) -> None:
        if self.base_minor < 0 or self.quantity <= 0 or self.duty_minor < 0:
            raise ValueError(
                f"a fee line needs base_minor >= 0, quantity > 0 and duty_minor >= 0, got {self!r}"
            )

    @property
    def category_id(self) -> int | None:
        return self.category_ids[0] if self.category_ids else None


@dataclass(frozen=True)
class LineFeesExact:
    """A line's fees before rounding, with the rules they came from (see ``rule_snapshot``)."""

    commission: Fraction
    municipal_fee: Fraction
    municipal_fee_payer: str
    vat: Fraction
    rules: dict[str, Any]


@dataclass(frozen=True)
class LineFees:
    """A line's fees in minor units: what ``fees.models.OrderLineFees`` stores."""

    base_minor: int
    quantity: int
    category_id: int | None
    commission_minor: int
    municipal_fee_minor: int
    municipal_fee_payer: str
    vat_minor: int
    duty_minor: int
    rules: dict[str, Any] = field(default_factory=dict)

    @property
    def city_fee_minor(self) -> int:
        """The municipal fee when the buyer pays it (a line of its own at checkout), else 0."""
        return self.municipal_fee_minor if self.municipal_fee_payer == FeePayer.BUYER else 0

    @property
    def gross_minor(self) -> int:
        """What the buyer pays for the line."""
        return self.base_minor + self.city_fee_minor + self.vat_minor + self.duty_minor

    @property
    def merchant_net_minor(self) -> int:
        """The merchant's share of the line (never negative)."""
        merchant_paid = self.municipal_fee_minor - self.city_fee_minor
        return self.base_minor - self.commission_minor - merchant_paid


@dataclass(frozen=True)
class MerchantOrderFees:
    """The fees of one merchant's part of a purchase, per line (in the lines' order)."""

    currency: str
    domestic: bool
    lines: tuple[LineFees, ...]

    @property
    def base_minor(self) -> int:
        return sum(line.base_minor for line in self.lines)

    @property
    def commission_minor(self) -> int:
        return sum(line.commission_minor for line in self.lines)

    @property
    def municipal_fee_minor(self) -> int:
        return sum(line.municipal_fee_minor for line in self.lines)

    @property
    def city_fee_minor(self) -> int:
        return sum(line.city_fee_minor for line in self.lines)

    @property
    def vat_minor(self) -> int:
        return sum(line.vat_minor for line in self.lines)

    @property
    def duty_minor(self) -> int:
        return sum(line.duty_minor for line in self.lines)

    @property
    def gross_minor(self) -> int:
        return sum(line.gross_minor for line in self.lines)

    @property
    def merchant_net_minor(self) -> int:
        return sum(line.merchant_net_minor for line in self.lines)


# --- picking rules ----------------------------------------------------------------------------


def _applies(rule: Any, *, kind: str, merchant_id: int | None, currency: str) -> bool:
    return (
        rule.kind == kind
        and rule.currency == currency
        and (rule.merchant_id is None or rule.merchant_id == merchant_id)
    )


def rule_pick(
    rules: Iterable[Any],
    *,
    kind: str,
    merchant_id: int | None,
    category_ids: Sequence[int],
    currency: str,
) -> Any | None:
    """The most specific of ``rules`` (all assumed in force) for one line, or None.

    Merchant and category beat merchant alone, which beats category alone, which beats the
    general rule; among category rules the nearest category (``category_ids`` goes from the
    line's category up to the root) wins. Rules in another currency never apply. Should two rules
    of the same scope both be in force (the database forbids it), the later ``valid_from`` wins.
    """
    depth = {category_id: index for index, category_id in enumerate(category_ids)}
    best: tuple[tuple[Any, ...], Any] | None = None
    for rule in rules:
        if not _applies(rule, kind=kind, merchant_id=merchant_id, currency=currency):
            continue
        if rule.category_id is not None and rule.category_id not in depth:
            continue
        scope = (rule.merchant_id is not None, rule.category_id is not None)
        order = (
            _SCOPE_RANK[scope],
            depth.get(rule.category_id, 0),
            -(rule.valid_from.timestamp() if rule.valid_from else 0),
            -(rule.pk or 0),
        )
        if best is None or order < best[0]:
            best = (order, rule)
    return best[1] if best else None


def rule_snapshot(rule: Any) -> dict[str, Any]:
    """The JSON-safe record of a rule that an order keeps (``OrderLineFees.rules``)."""
    return {
        "rule": rule.pk,
        "kind": rule.kind,
        "merchant": rule.merchant_id,
        "category": rule.category_id,
        "rate_bp": rule.rate_bp,
        "fixed_minor": rule.fixed_minor,
        "currency": rule.currency,
        "min_minor": rule.min_minor,
        "max_minor": rule.max_minor,
        "payer": rule.payer,
        "exempt": rule.exempt,
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
    }


def _rule_amount(rule: Any, line: FeeLineInput) -> Fraction:
    """rate × base, or fixed × quantity, clamped to the rule's [min, max]; 0 when exempt."""
    if rule.exempt:
        return Fraction(0)
    if rule.fixed_minor is not None:
        amount = Fraction(rule.fixed_minor * line.quantity)
    else:
        amount = Fraction(rule.rate_bp * line.base_minor, _BP)
    if rule.min_minor is not None:
        amount = max(amount, Fraction(rule.min_minor))
    if rule.max_minor is not None:
        amount = min(amount, Fraction(rule.max_minor))
    return max(amount, Fraction(0))


def line_fees_compute(
    *,
    line: FeeLineInput,
    rules: Sequence[Any],
    merchant_id: int | None,
    currency: str,
    domestic: bool,
) -> LineFeesExact:
    """The exact (unrounded) commission, municipal fee and VAT of one line under ``rules``.

    ``rules`` are the rules in force (see ``fees.selectors.fee_rules_effective_on``); the most
    specific of each kind applies (``rule_pick``). No rule of a kind: that fee is 0. Pure.
    """
    picked = {
        kind: rule_pick(
            rules,
            kind=kind,
            merchant_id=merchant_id,
            category_ids=line.category_ids,
            currency=currency,
        )
        for kind in (FeeKind.COMMISSION, FeeKind.MUNICIPAL_FEE, FeeKind.VAT)
    }
    snapshots: dict[str, Any] = {
        str(kind): (rule_snapshot(rule) if rule is not None else None)
        for kind, rule in picked.items()
    }
    base = Fraction(line.base_minor)

    commission = Fraction(0)
    if (rule := picked[FeeKind.COMMISSION]) is not None:
        commission = min(_rule_amount(rule, line), base)

    municipal = Fraction(0)
    payer = str(FeePayer.MERCHANT)
    if (rule := picked[FeeKind.MUNICIPAL_FEE]) is not None:
        payer = str(rule.payer)
        municipal = _rule_amount(rule, line)
        if payer == FeePayer.MERCHANT:
            # Deducted from the merchant: never more than the commission leaves of the base.
            municipal = min(municipal, base - commission)

    vat = Fraction(0)
    if (rule := picked[FeeKind.VAT]) is not None:
        if domestic:
            vat = _rule_amount(rule, line)
        else:
            snapshots[str(FeeKind.VAT)]["zero_rated"] = "export"
    return LineFeesExact(
        commission=commission,
        municipal_fee=municipal,
        municipal_fee_payer=payer,
        vat=vat,
        rules=snapshots,
    )


# --- rounding ---------------------------------------------------------------------------------


def _round_half_up(amount: Fraction) -> int:
    return math.floor(amount + _HALF)


def _spread(exact: Sequence[Fraction], caps: Sequence[int] | None = None) -> list[int]:
    """Round the total of ``exact`` half-up and split it over the lines by largest remainder.

    With ``caps``, no line gets more than its cap (the total is at most the sum of the caps):
    units a line cannot take go to the lines with room, largest remainder first.
    """
    count = len(exact)
    total = _round_half_up(sum(exact, Fraction(0)))
    if caps is not None:
        total = min(total, sum(caps))
    if total <= 0:
        return [0] * count
    scale = math.lcm(*(amount.denominator for amount in exact))
    weights = [int(amount * scale) for amount in exact]
    parts = allocate_minor(total, weights)
    if caps is None:
        return parts
    excess = sum(max(part - cap, 0) for part, cap in zip(parts, caps, strict=True))
    parts = [min(part, cap) for part, cap in zip(parts, caps, strict=True)]
    weight_total = sum(weights)
    while excess:
        room = [index for index in range(count) if parts[index] < caps[index]]
        # The line furthest below its exact share of the rounded total gets the next unit.
        index = min(
            room,
            key=lambda i: (-(Fraction(total * weights[i], weight_total) - parts[i]), i),
        )
        parts[index] += 1
        excess -= 1
    return parts


def merchant_order_fees_compute(
    *,
    lines: Sequence[FeeLineInput],
    rules: Sequence[Any],
    merchant_id: int | None,
    currency: str,
    domestic: bool,
) -> MerchantOrderFees:
    """The fees of one merchant order's ``lines`` under ``rules``, rounded per merchant order.

    Each component (commission, city fee paid by the buyer, municipal fee paid by the merchant,
    VAT) is rounded half-up once on the merchant order's total and spread over the lines by
    largest remainder; commission never exceeds a line's base and the merchant-paid municipal fee
    never exceeds what the commission leaves, so no line's merchant net is negative. Pure.
    """
    exact = [
        line_fees_compute(
            line=line, rules=rules, merchant_id=merchant_id, currency=currency, domestic=domestic
        )
        for line in lines
    ]
    commission = _spread([e.commission for e in exact], caps=[line.base_minor for line in lines])
    buyer_paid = _spread(
        [e.municipal_fee if e.municipal_fee_payer == FeePayer.BUYER else Fraction(0) for e in exact]
    )
    merchant_paid = _spread(
        [
            e.municipal_fee if e.municipal_fee_payer == FeePayer.MERCHANT else Fraction(0)
            for e in exact
        ],
        caps=[line.base_minor - c for line, c in zip(lines, commission, strict=True)],
    )
    vat = _spread([e.vat for e in exact])
    return MerchantOrderFees(
        currency=currency,
        domestic=domestic,
        lines=tuple(
            LineFees(
                base_minor=line.base_minor,
                quantity=line.quantity,
                category_id=line.category_id,
                commission_minor=commission[i],
                municipal_fee_minor=buyer_paid[i] + merchant_paid[i],
                municipal_fee_payer=exact[i].municipal_fee_payer,
                vat_minor=vat[i],
                duty_minor=line.duty_minor,
                rules=exact[i].rules,
            )
            for i, line in enumerate(lines)
        ),
    )


# --- from a basket ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeLineRequest:
    """What a quote knows about a line: its product (an Oscar product), quantity, goods after
    discount and duties (0 until customs, issue #6, provides them)."""

    product: Any
    quantity: int
    base_minor: int
    duty_minor: int = 0


def is_domestic(country_code: str | None) -> bool:
    """A delivery inside the marketplace's country (or no address yet) pays VAT."""
    return country_code in (None, settings.MARKETPLACE_SHIPPING["domestic_country"])


def merchant_parts_fees_compute(
    *,
    parts: Sequence[tuple[int, Sequence[FeeLineRequest]]],
    currency: str,
    country_code: str | None,
    at: datetime | None = None,
) -> list[MerchantOrderFees]:
    """The fees of each merchant part ``(partner id, lines)`` of a basket, at ``at`` (now).

    Reads: the partners' merchants, the rules in force (one query), and the products' category
    chains only when some rule in force is scoped to a category. Writes nothing.
    """
    at = at or timezone.now()
    merchants: Mapping[int, int] = merchant_ids_by_partner(
        partner_ids=[partner_id for partner_id, _lines in parts]
    )
    rules = fee_rules_effective_on(
        at=at, merchant_ids=list(merchants.values()), category_ids=None, currency=currency
    )
    chains: Mapping[int, tuple[int, ...]] = {}
    if any(rule.category_id is not None for rule in rules):
        chains = product_category_chains(
            products=[line.product for _partner, lines in parts for line in lines]
        )
    domestic = is_domestic(country_code)
    return [
        merchant_order_fees_compute(
            lines=[
                FeeLineInput(
                    base_minor=line.base_minor,
                    quantity=line.quantity,
                    category_ids=chains.get(line.product.pk, ()),
                    duty_minor=line.duty_minor,
                )
                for line in lines
            ],
            rules=rules,
            merchant_id=merchants.get(partner_id),
            currency=currency,
            domestic=domestic,
        )
        for partner_id, lines in parts
    ]
