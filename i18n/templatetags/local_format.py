"""Dates and digits in the reader's language: ``{% load local_format %}``.

``{{ order.date_placed|localdatetime }}`` -> "۸ آذر ۱۴۰۵، ۱۴:۳۰" under Persian, "Nov 29, 2026,
14:30" under English; ``{{ run.day|localdate:"short" }}`` -> "۱۴۰۵/۰۹/۰۸" or "2026-11-29". Styles
and calendars: ``i18n.formatting``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template

from i18n.formatting import date_format, datetime_format, to_persian_digits, uses_jalali

register = template.Library()


@register.filter(expects_localtime=False)
def localdate(value: date | datetime | None, style: str = "medium") -> str:
    """The date of ``value`` (Jalali under Persian); style "medium" (default), "short", "full"."""
    return date_format(value, style)


@register.filter(expects_localtime=False)
def localdatetime(value: date | datetime | None, style: str = "medium") -> str:
    """The date and 24-hour time of ``value`` in Tehran time (Jalali under Persian)."""
    return datetime_format(value, style)


@register.filter
def localdigits(value: Any) -> str:
    """Latin digits as Persian ones under Persian ("12" -> "۱۲"); unchanged otherwise."""
    if value is None:
        return ""
    return to_persian_digits(str(value)) if uses_jalali() else str(value)
