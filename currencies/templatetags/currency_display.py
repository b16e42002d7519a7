"""Prices in the buyer's display currency: ``{% load currency_display %}``.

- ``{% approx_price price.incl_tax price.currency %}`` (an Oscar Decimal amount) and
  ``{% approx_price_minor quote.total_minor quote.currency %}`` (minor units) draw
  "≈ 12.34 USD" (marked approximate; with a warning when the rate is stale), "۱٬۲۳۴٬۵۶۷ تومان"
  for Toman, or nothing (the buyer looks at the marketplace currency, or there is no rate);
- ``{% charge_notice amount_minor currency %}`` states what the card is charged, in the
  marketplace currency, for the payment pages;
- ``{% currency_choices as choices %}`` the display-currency menu.

Rates are read once per request (``currencies.selectors.exchange_rates_for``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from currencies.selectors import (
    TOMAN,
    amount_approximate,
    charge_context,
    display_currency_choices,
    display_currency_for,
    exchange_rates_for,
)
from marketplace.core.money import to_minor

register = template.Library()

_TEMPLATE = "currencies/partials/approx_price.html"


def _approximate(context: template.Context, amount_minor: int, currency: str) -> dict[str, Any]:
    request = context.get("request")
    display = display_currency_for(request)
    if display == currency or not currency:
        return {"approximate": None}
    rates = {} if display == TOMAN else exchange_rates_for(request)
    return {
        "approximate": amount_approximate(
            amount_minor=int(amount_minor),
            currency=str(currency),
            display_currency=display,
            rates=rates,
        )
    }


@register.inclusion_tag(_TEMPLATE, takes_context=True)
def approx_price(context: template.Context, amount: Any, currency: str) -> dict[str, Any]:
    """An Oscar Decimal ``amount`` of ``currency`` in the buyer's display currency."""
    if amount is None or amount == "" or not currency:
        return {"approximate": None}
    try:
        minor = to_minor(amount if isinstance(amount, Decimal | int) else str(amount), currency)
    except (TypeError, ValueError):
        return {"approximate": None}
    return _approximate(context, minor, currency)


@register.inclusion_tag(_TEMPLATE, takes_context=True)
def approx_price_minor(
    context: template.Context, amount_minor: Any, currency: str
) -> dict[str, Any]:
    """``amount_minor`` (integer minor units) of ``currency`` in the buyer's display currency."""
    try:
        minor = int(amount_minor)
    except (TypeError, ValueError):
        return {"approximate": None}
    return _approximate(context, minor, currency)


@register.inclusion_tag("currencies/partials/charge_notice.html", takes_context=True)
def charge_notice(context: template.Context, amount_minor: Any, currency: str) -> dict[str, Any]:
    """ "You will be charged 12,345,000 IRR." plus, for a buyer looking at another currency, that
    amounts in it are approximate."""
    try:
        minor = int(amount_minor)
    except (TypeError, ValueError):
        return {"charged": None}
    return charge_context(amount_minor=minor, currency=currency, request=context.get("request"))


@register.simple_tag
def currency_choices() -> list[tuple[str, str]]:
    """``[(code, label)]`` of the display-currency menu, in the active language."""
    return display_currency_choices()
