"""Oscar's ``{% load currency_filters %}``, with Persian digits for Persian readers.

Registered in place of ``oscar.templatetags.currency_filters`` (``TEMPLATES[...]["libraries"]``
in settings), so every Oscar template that prints ``{{ price|currency:code }}`` (product cards,
product page, basket, checkout, order pages, mini-basket) shows "‎ریال ۴٬۵۰۰٬۰۰۰" under Persian,
as ``marketplace.core.money.format_money`` does, instead of Babel's Latin "‎ریال 4,500,000".
Every other language gets Oscar's output unchanged.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale
from oscar.templatetags.currency_filters import currency as oscar_currency

from i18n.formatting import to_persian_digits, uses_jalali

register = template.Library()


@register.filter(name="currency")
def currency(value: Any, currency_format: str | None = None) -> str:
    """``{{ price.incl_tax|currency:price.currency }}``: Oscar's filter (same settings,
    ``OSCAR_CURRENCY_FORMAT`` included); under Persian the locale's own separators and Persian
    digits. "" for a value that is not a number, as Oscar's."""
    if not uses_jalali():
        return oscar_currency(value, currency_format)
    code = currency_format or settings.OSCAR_DEFAULT_CURRENCY
    try:
        amount = Decimal(value)
    except (TypeError, ValueError, InvalidOperation):
        return ""
    kwargs: dict[str, Any] = {
        "currency": code,
        "locale": to_locale(get_language() or settings.LANGUAGE_CODE),
        # Persian separators (٬ and ٫); Babel keeps Latin digits, translated below.
        "numbering_system": "default",
    }
    oscar_format = getattr(settings, "OSCAR_CURRENCY_FORMAT", None)
    if isinstance(oscar_format, dict):
        kwargs.update(oscar_format.get(code, {}))
    else:
        kwargs["format"] = oscar_format
    return to_persian_digits(format_currency(amount, **kwargs))
