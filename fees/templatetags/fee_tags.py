"""Fees in templates: the basket's quote with its city fee and VAT, for the basket totals and the
checkout preview."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from marketplace.core.money import from_minor

register = template.Library()


@register.simple_tag
def basket_quote(basket: Any, shipping_address: Any = None) -> Any:
    """``{% basket_quote basket shipping_address as quote %}``: what the basket costs, per merchant
    and with fees (``purchases.quotes.purchase_quote_build``), for delivery to the address's
    country (none yet: domestic). None for an empty basket. Computed once per basket object and
    country, however many blocks ask."""
    from purchases.quotes import purchase_quote_build

    if basket is None or not getattr(basket, "id", None) or basket.is_empty:
        return None
    country = getattr(shipping_address, "country_id", None) if shipping_address else None
    cache = basket.__dict__.setdefault("_fee_quotes", {})
    if country not in cache:
        try:
            cache[country] = purchase_quote_build(basket=basket, country_code=country)
        except ValueError:
            cache[country] = None
    return cache[country]


@register.filter
def minor_to_major(amount_minor: int, currency: str) -> Decimal:
    """Minor units as Oscar's Decimal amount, for Oscar's ``currency`` filter."""
    return from_minor(int(amount_minor), currency)
