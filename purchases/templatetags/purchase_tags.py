"""Money formatting for templates: integer minor units or Oscar's Decimals, in the active locale."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import translation

from marketplace.core.money import Money, format_money, to_minor

register = template.Library()


@register.filter
def money_minor(amount_minor: int, currency: str) -> str:
    """``{{ part.total_minor|money_minor:purchase.currency }}``"""
    locale = translation.to_locale(translation.get_language() or "en")
    return format_money(Money(int(amount_minor), currency), locale)


@register.filter
def minor_money(amount: Decimal, currency: str) -> str:
    """An Oscar Decimal amount, formatted like ``money_minor``."""
    return money_minor(to_minor(amount, currency), currency)


@register.filter
def landed_cost_of(costs: Any, key: Any) -> Any:
    """``{{ landed_costs|landed_cost_of:part.pk }}``: a merchant order's (or, before placing, a
    merchant part's, keyed by partner pk) ``customs.selectors.rules.LandedCostQuote``; None for
    a domestic one."""
    if not costs:
        return None
    return costs.get(key)
