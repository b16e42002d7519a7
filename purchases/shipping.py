"""Per-merchant delivery: each merchant ships its own part, so each merchant order has its charge.

The basket-level shipping method Oscar shows is the sum of the merchants' charges. Rates come from
``settings.MARKETPLACE_SHIPPING`` in minor units of the marketplace currency. Shipping offers are not
applied (Oscar's repository wraps methods for them; ours does not).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oscar.apps.shipping import methods
from oscar.apps.shipping.repository import Repository as OscarRepository
from oscar.core import prices

from marketplace.core.money import from_minor


def _rates() -> dict[str, Any]:
    return settings.MARKETPLACE_SHIPPING


def line_weight_grams(basket_line: Any) -> int:
    """Net weight of a basket line; products without customs data count the default weight."""
    info = getattr(basket_line.product, "customs_info", None)
    grams = info.net_weight_grams if info is not None else _rates()["default_weight_grams"]
    return grams * basket_line.quantity


def merchant_shipping_minor(
    *, lines: Sequence[Any], country_code: str | None, subtotal_minor: int
) -> int:
    """The delivery charge for one merchant's lines to ``country_code``, in minor units.

    Domestic: a flat charge, free from a subtotal threshold. Abroad: a base charge plus a charge per
    started kilogram of net weight.
    """
    rates = _rates()
    if not any(line.product.get_product_class().requires_shipping for line in lines):
        return 0
    if country_code in (None, rates["domestic_country"]):
        if subtotal_minor >= rates["domestic_free_from_minor"]:
            return 0
        return int(rates["domestic_per_merchant_minor"])
    grams = sum(line_weight_grams(line) for line in lines)
    kilograms = -(-grams // 1000)  # started kilograms
    return int(rates["international_base_minor"] + kilograms * rates["international_per_kg_minor"])


def group_lines_by_partner(lines: Iterable[Any]) -> list[tuple[Any, list[Any]]]:
    """Basket lines grouped by the partner that sells them, in the order the buyer added them."""
    groups: dict[int, tuple[Any, list[Any]]] = {}
    for line in lines:
        partner = line.stockrecord.partner
        groups.setdefault(partner.pk, (partner, []))[1].append(line)
    return list(groups.values())


class MerchantDelivery(methods.Base):
    code = "merchant-delivery"
    name = _("Delivery by each merchant")
    description = _("Each merchant ships its own goods; the charge is the sum of their charges.")

    def __init__(self, country_code: str | None) -> None:
        self.country_code = country_code

    def calculate(self, basket: Any) -> prices.Price:
        from marketplace.core.money import to_minor

        total = 0
        for _partner, lines in group_lines_by_partner(basket.all_lines()):
            subtotal = sum(to_minor(line.line_price_incl_tax, basket.currency) for line in lines)
            total += merchant_shipping_minor(
                lines=lines, country_code=self.country_code, subtotal_minor=subtotal
            )
        amount: Decimal = from_minor(total, basket.currency)
        return prices.Price(currency=basket.currency, excl_tax=amount, incl_tax=amount)


class Repository(OscarRepository):
    """Offers one method, per-merchant delivery, priced for the shipping address's country."""

    def get_available_shipping_methods(
        self, basket: Any, shipping_addr: Any = None, **kwargs: Any
    ) -> list[methods.Base]:
        country = getattr(shipping_addr, "country_id", None) if shipping_addr else None
        return [MerchantDelivery(country)]

    def get_shipping_methods(
        self, basket: Any, shipping_addr: Any = None, **kwargs: Any
    ) -> list[methods.Base]:
        # Oscar's version wraps methods with shipping offers; those are not supported per merchant.
        return self.get_available_shipping_methods(basket, shipping_addr=shipping_addr, **kwargs)
