"""What a basket costs, split per merchant, in integer minor units.

Computation over an Oscar basket (with its offers applied): no writes. Checkout places orders
from a quote, and payment charges the quote's total, so both see the same figures. Each merchant
part carries its fees (``fees.engine``): the city fee when the buyer pays it, VAT and duties are
charged on top of the goods and shipping; commission and a merchant-paid city fee only split what
the merchant receives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from fees.engine import FeeLineRequest, LineFees, MerchantOrderFees, merchant_parts_fees_compute
from marketplace.core.money import allocate_minor, currency_exponent, to_minor
from purchases.shipping import group_lines_by_partner, merchant_shipping_minor

# Oscar's per-line offer discounts are Decimals that may carry fractions of a minor unit; scaled
# by this factor they become the integer weights of the largest-remainder split.
_WEIGHT_SCALE = Decimal(10**6)


@dataclass(frozen=True)
class LineQuote:
    basket_line: Any
    before_minor: int
    discount_minor: int

    @property
    def after_minor(self) -> int:
        return self.before_minor - self.discount_minor


@dataclass(frozen=True)
class MerchantQuote:
    partner: Any
    lines: tuple[LineQuote, ...]
    shipping_minor: int
    discounts_by_offer: dict[int, int]
    #: The fee engine's breakdown, one ``LineFees`` per line in ``lines``' order.
    fees: MerchantOrderFees | None = None

    @property
    def subtotal_minor(self) -> int:
        return sum(line.before_minor for line in self.lines)

    @property
    def discount_minor(self) -> int:
        return sum(line.discount_minor for line in self.lines)

    @property
    def line_fees(self) -> tuple[LineFees, ...]:
        return self.fees.lines if self.fees is not None else ()

    @property
    def city_fee_minor(self) -> int:
        """The municipal fee the buyer pays ("City fee / عوارض شهرداری"), on top of the goods."""
        return self.fees.city_fee_minor if self.fees is not None else 0

    @property
    def vat_minor(self) -> int:
        return self.fees.vat_minor if self.fees is not None else 0

    @property
    def duty_minor(self) -> int:
        return self.fees.duty_minor if self.fees is not None else 0

    @property
    def total_minor(self) -> int:
        return (
            self.subtotal_minor
            - self.discount_minor
            + self.shipping_minor
            + self.city_fee_minor
            + self.vat_minor
            + self.duty_minor
        )


@dataclass(frozen=True)
class PurchaseQuote:
    currency: str
    merchants: tuple[MerchantQuote, ...]

    @property
    def subtotal_minor(self) -> int:
        return sum(m.subtotal_minor for m in self.merchants)

    @property
    def discount_minor(self) -> int:
        return sum(m.discount_minor for m in self.merchants)

    @property
    def shipping_minor(self) -> int:
        return sum(m.shipping_minor for m in self.merchants)

    @property
    def city_fee_minor(self) -> int:
        return sum(m.city_fee_minor for m in self.merchants)

    @property
    def vat_minor(self) -> int:
        return sum(m.vat_minor for m in self.merchants)

    @property
    def duty_minor(self) -> int:
        return sum(m.duty_minor for m in self.merchants)

    @property
    def total_minor(self) -> int:
        return sum(m.total_minor for m in self.merchants)


def _discount_minor(amount: Decimal, currency: str) -> int:
    """An offer's discount in whole minor units, rounded down (never more than Oscar computed)."""
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    return to_minor(Decimal(amount).quantize(quantum, rounding=ROUND_DOWN), currency)


def purchase_quote_build(
    *,
    basket: Any,
    country_code: str | None,
    at: datetime | None = None,
    duties: Mapping[int, int] | None = None,
) -> PurchaseQuote:
    """Split ``basket`` into merchant parts with their lines, discounts, shipping and fees.

    Every line-level offer discount of the basket is rounded down to a whole minor unit and then
    spread over the lines it touched by largest remainder (weights: Oscar's own per-line amounts),
    so the merchant parts always sum to the purchase total exactly. Fees follow the rules in force
    at ``at`` (default now) for a delivery to ``country_code`` (VAT is zero-rated abroad);
    ``duties`` maps a basket line's pk to its duties in minor units (from customs: see
    ``purchase_quote_landed``). Reads the fee rules; writes nothing. Raises ValueError for an
    empty basket.
    """
    lines = list(basket.all_lines())
    if not lines:
        raise ValueError("an empty basket has no quote")
    currency = basket.currency
    before = {line.pk: to_minor(line.line_price_incl_tax, currency) for line in lines}
    discount: dict[int, int] = defaultdict(int)
    by_offer: dict[tuple[int, int], int] = defaultdict(int)  # (line pk, offer id) -> minor

    for application in basket.offer_applications:
        result = application["result"]
        if result.affects_shipping or result.affects_post_order:
            continue
        offer = application["offer"]
        total = _discount_minor(application["discount"], currency)
        if total <= 0:
            continue
        weights = [
            int(
                sum(
                    (d.amount for d in line.discounts if d.offer and d.offer.pk == offer.pk),
                    Decimal(0),
                )
                * _WEIGHT_SCALE
            )
            for line in lines
        ]
        if sum(weights) <= 0:
            weights = [before[line.pk] for line in lines]
        for line, share in zip(lines, allocate_minor(total, weights), strict=True):
            discount[line.pk] += share
            by_offer[(line.pk, offer.pk)] += share

    merchants = []
    for partner, group in group_lines_by_partner(lines):
        quotes = []
        for line in group:
            if discount[line.pk] > before[line.pk]:
                raise ValueError(f"basket line {line.pk}: discount exceeds the line price")
            quotes.append(LineQuote(line, before[line.pk], discount[line.pk]))
        subtotal = sum(q.before_minor for q in quotes)
        offers: dict[int, int] = defaultdict(int)
        for (line_pk, offer_pk), amount in by_offer.items():
            if any(line.pk == line_pk for line in group):
                offers[offer_pk] += amount
        merchants.append(
            MerchantQuote(
                partner=partner,
                lines=tuple(quotes),
                shipping_minor=merchant_shipping_minor(
                    lines=group, country_code=country_code, subtotal_minor=subtotal
                ),
                discounts_by_offer=dict(offers),
            )
        )
    duties = duties or {}
    fees = merchant_parts_fees_compute(
        parts=[
            (
                part.partner.pk,
                [
                    FeeLineRequest(
                        product=line.basket_line.product,
                        quantity=line.basket_line.quantity,
                        base_minor=line.after_minor,
                        duty_minor=duties.get(line.basket_line.pk, 0),
                    )
                    for line in part.lines
                ],
            )
            for part in merchants
        ],
        currency=currency,
        country_code=country_code,
        at=at,
    )
    return PurchaseQuote(
        currency=currency,
        merchants=tuple(
            replace(part, fees=part_fees) for part, part_fees in zip(merchants, fees, strict=True)
        ),
    )


@dataclass(frozen=True)
class LandedQuote:
    """A basket's quote for delivery to a country, with what customs says about it.

    ``customs`` is None for a domestic delivery, else a ``customs.selectors.checkout.QuoteCustoms``
    (per merchant part: the lines' check and the landed cost). When every line may go, ``quote``
    includes the duties collected at checkout (duty + import VAT per line under DDP, nothing under
    DAP); when a line is prohibited, ``quote`` has no duties and must not be charged.
    """

    quote: PurchaseQuote
    customs: Any = None

    @property
    def allowed(self) -> bool:
        return self.customs is None or self.customs.allowed

    @property
    def blocked(self) -> dict[int, list[str]]:
        """Basket line pk -> the reasons it cannot be sent (empty when everything may go)."""
        return {} if self.customs is None else self.customs.blocked

    def landed_cost_for(self, partner_id: int) -> Any:
        """The ``customs.selectors.rules.LandedCostQuote`` of one merchant's part, or None."""
        if self.customs is None:
            return None
        for merchant in self.customs.merchants:
            if merchant.partner_id == partner_id:
                return merchant.quote
        return None


def purchase_quote_landed(
    *, basket: Any, country_code: str | None, at: datetime | None = None
) -> LandedQuote:
    """What checkout shows, charges and places for ``basket`` delivered to ``country_code``: the
    quote (``purchase_quote_build``), checked and priced by customs
    (``customs.selectors.checkout.purchase_quote_customs``) and, when every line may go, built
    again with the duties customs says to collect, all under the rules in force at ``at``
    (default now).

    Checkout's charge (``PaymentDetailsView``) and placement (``purchase_place``) both call this,
    so the amount authorised is the purchase total, duties included. Read-only. Raises
    ``customs.exceptions.DestinationNotSupported`` (no destination rule in force) and
    ``ValueError`` for an empty basket.
    """
    from django.utils import timezone

    from customs.selectors.checkout import purchase_quote_customs

    at = at or timezone.now()
    quote = purchase_quote_build(basket=basket, country_code=country_code, at=at)
    customs = purchase_quote_customs(quote=quote, country_code=country_code, at=at)
    if customs is None or not customs.allowed:
        return LandedQuote(quote=quote, customs=customs)
    duties = customs.duties
    if any(duties.values()):
        quote = purchase_quote_build(basket=basket, country_code=country_code, at=at, duties=duties)
    return LandedQuote(quote=quote, customs=customs)
