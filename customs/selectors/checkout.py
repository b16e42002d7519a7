"""The checkout seam: what customs says about a basket going abroad, per merchant order.

Checkout (``purchases.quotes.purchase_quote_build``) builds a quote without duties, asks
``purchase_quote_customs`` about it, blocks the prohibited lines with their reasons, shows each
merchant order's landed cost, and builds the quote again with
``duties=customs.duties`` (duty + import VAT per basket line under DDP, 0 under DAP), so DDP
duties are charged in the same payment and land in ``MerchantOrder.duty_minor`` and
``OrderLineFees.duty_minor``.
"""

from __future__ import annotations

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
