"""The checkout seam: what customs says about a basket going abroad, per merchant order.

Checkout (``purchases.quotes.purchase_quote_landed``) builds a quote without duties, asks
``purchase_quote_customs`` about it, blocks the prohibited lines with their reasons, shows each
merchant order's landed cost, and builds the quote again with
``duties=customs.duties`` (duty + import VAT per basket line under DDP, 0 under DAP), so DDP
duties are charged in the same payment and land in ``MerchantOrder.duty_minor`` and
``OrderLineFees.duty_minor``. Once placed, ``merchant_orders_landed_cost`` prices each merchant
order again the same way for the buyer's confirmation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from customs.exceptions import DestinationNotSupported
from customs.selectors.rules import (
    CustomsLine,
    LandedCostQuote,
    LinesCheck,
    destination_rules_effective_on,
    landed_cost_quote_with,
    lines_check_with,
)
from marketplace.core.money import to_minor


@dataclass(frozen=True)
class MerchantCustoms:
    """One merchant order's customs view: basket line pks in the quote's order, the check of
    those lines and the landed cost."""

    partner_id: int
    line_ids: tuple[int, ...]
    check: LinesCheck
    quote: LandedCostQuote


@dataclass(frozen=True)
class QuoteCustoms:
    country: str
    merchants: tuple[MerchantCustoms, ...]
    #: Basket lines whose product has no customs data (purchase placement refuses them).
    missing_data: tuple[int, ...] = ()

    @property
    def duties(self) -> dict[int, int]:
        """What checkout charges per basket line pk: duty + import VAT under DDP, else 0."""
        charged: dict[int, int] = {}
        for merchant in self.merchants:
            for line_id, cost in zip(merchant.line_ids, merchant.quote.lines, strict=True):
                charged[line_id] = cost.taxes_minor if merchant.quote.is_ddp else 0
        return charged

    @property
    def blocked(self) -> dict[int, list[str]]:
        """Prohibited basket lines (pk) with the reasons to show the buyer."""
        result: dict[int, list[str]] = {}
        for merchant in self.merchants:
            for line_id, verdict in zip(merchant.line_ids, merchant.check.lines, strict=True):
                if verdict.prohibited:
                    result[line_id] = [f.reason for f in verdict.findings if f.kind == "prohibited"]
        for line_id in self.missing_data:
            result.setdefault(line_id, []).append(
                _("This product cannot be shipped abroad yet (no customs data).")
            )
        return result

    @property
    def allowed(self) -> bool:
        return not self.blocked


def purchase_quote_customs(
    *, quote: Any, country_code: str | None, at: datetime | None = None
) -> QuoteCustoms | None:
    """Check and price, per merchant part, a ``purchases.quotes.PurchaseQuote`` for delivery to
    ``country_code`` under the rules in force at ``at`` (default now).

    Each line's value is its price after discounts (``after_minor``), its HS code, origin and
    heritage flag come from the product's customs data; each merchant part's shipping counts
    towards the customs value under CIF. Returns None for a domestic delivery (no customs).
    Raises ``DestinationNotSupported`` when no destination rule is in force. Two queries for the
    rules, plus the products' customs data unless already loaded; read-only.
    """
    if country_code in (None, "", settings.MARKETPLACE_SHIPPING["domestic_country"]):
        return None
    at = at or timezone.now()
    rules = destination_rules_effective_on(country=country_code, at=at)
    if rules is None:
        raise DestinationNotSupported(country_code)
    merchants = []
    missing: list[int] = []
    for part in quote.merchants:
        line_ids: list[int] = []
        lines: list[CustomsLine] = []
        for line in part.lines:
            basket_line = line.basket_line
            info = getattr(basket_line.product, "customs_info", None)
            if info is None:
                missing.append(basket_line.pk)
                continue
            line_ids.append(basket_line.pk)
            lines.append(
                CustomsLine(
                    hs_code=info.hs_code_id,
                    quantity=basket_line.quantity,
                    value_minor=line.after_minor,
                    product_id=basket_line.product_id,
                    cultural_heritage=info.cultural_heritage,
                    origin_country=info.origin_country,
                )
            )
        merchants.append(
            MerchantCustoms(
                partner_id=part.partner.pk,
                line_ids=tuple(line_ids),
                check=lines_check_with(rules=rules, lines=lines),
                quote=landed_cost_quote_with(
                    rules=rules,
                    lines=lines,
                    shipping_minor=part.shipping_minor,
                    currency=quote.currency,
                ),
            )
        )
    return QuoteCustoms(
        country=rules.country, merchants=tuple(merchants), missing_data=tuple(missing)
    )


def merchant_orders_landed_cost(*, merchant_orders: Iterable[Any]) -> dict[int, LandedCostQuote]:
    """The landed cost (duty and import VAT, DDP or DAP) of each placed cross-border merchant
    order, as checkout priced it: its lines' values after discount, HS codes and origins, its
    shipping, under the destination rules in force when it was placed. Keyed by merchant order
    pk; domestic orders (and orders to a country without rules) are left out.

    For the buyer's confirmation (thank-you page and email) right after placement, before any
    declaration exists: under DDP ``collect_minor`` is what the merchant order's ``duty_minor``
    charged, under DAP ``taxes_minor`` is the estimate paid on delivery. Read-only: per
    merchant order, its lines with their products' customs data, and the rules (two queries,
    read once per country and placement time).
    """
    domestic = settings.MARKETPLACE_SHIPPING["domestic_country"]
    rules_cache: dict[tuple[str, datetime], Any] = {}
    result: dict[int, LandedCostQuote] = {}
    for merchant_order in merchant_orders:
        order = merchant_order.order
        address = order.shipping_address
        country = getattr(address, "country_id", None) if address is not None else None
        if country in (None, "", domestic):
            continue
        key = (country, order.date_placed)
        if key not in rules_cache:
            rules_cache[key] = destination_rules_effective_on(country=country, at=order.date_placed)
        rules = rules_cache[key]
        if rules is None:
            continue
        lines = []
        for line in order.lines.select_related("product__customs_info").order_by("pk"):
            info = getattr(line.product, "customs_info", None) if line.product else None
            if info is None:
                break
            lines.append(
                CustomsLine(
                    hs_code=info.hs_code_id,
                    quantity=line.quantity,
                    value_minor=to_minor(line.line_price_excl_tax, order.currency),
                    product_id=line.product_id,
                    cultural_heritage=info.cultural_heritage,
                    origin_country=info.origin_country,
                )
            )
        else:
            result[merchant_order.pk] = landed_cost_quote_with(
                rules=rules,
                lines=lines,
                shipping_minor=merchant_order.shipping_minor,
                currency=order.currency,
            )
    return result
