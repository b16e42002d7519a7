"""Numbers, amounts and dates for the money screens, in the active language.

Amounts go through ``marketplace.core.money.format_money`` (Babel, the currency's exact digits,
Persian digits under ``fa``); counts, months and dates follow the same rule, so a Persian page
never mixes Latin and Persian digits. Only formatting: no queries.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from django.utils import translation

from i18n.formatting import date_format
from marketplace.core.money import Money, format_money, from_minor

__all__ = [
    "active_locale",
    "amount_display",
    "chart_number",
    "count_display",
    "date_display",
    "month_display",
]

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def active_locale() -> str:
    """The Babel locale of the active language (``fa``, ``en``…), ``en`` when none is active."""
    return translation.to_locale(translation.get_language() or "en")


def _native(text: str, locale: str) -> str:
    return text.translate(_PERSIAN_DIGITS) if Locale.parse(locale).language == "fa" else text


def amount_display(amount_minor: int, currency: str, locale: str | None = None) -> str:
    """``12_000_000`` IRR → "IRR 12,000,000" (en) or the rial sign and Persian digits (fa)."""
    return format_money(Money(int(amount_minor), currency), locale or active_locale())


def count_display(number: int, locale: str | None = None) -> str:
    """A count with the locale's grouping and, under ``fa``, Persian digits."""
    locale = locale or active_locale()
    # The locale's own numbering system gives Persian separators; Babel leaves the digits Latin.
    persian = Locale.parse(locale).language == "fa"
    text = format_decimal(
        int(number), locale=locale, numbering_system="default" if persian else "latn"
    )
    return _native(text, locale)


def month_display(month: date | datetime, locale: str | None = None) -> str:
    """ "March 2025" (en), "مارس ۲۰۲۵" (fa): the Gregorian month the figures are grouped by."""
    locale = locale or active_locale()
    day = month.date() if isinstance(month, datetime) else month
    return _native(format_date(day, "LLLL y", locale=locale), locale)


def date_display(day: date | datetime, locale: str | None = None) -> str:
    """A date in the reader's calendar (``i18n.formatting``): Jalali with Persian digits under
    ``fa`` ("۸ آذر ۱۴۰۵"), the locale's medium Gregorian date otherwise ("Nov 29, 2026")."""
    return date_format(day, "medium", language=(locale or active_locale()).split("_")[0])


def chart_number(amount_minor: int, currency: str) -> str:
    """An amount in major units as a plain decimal string for a chart's data (JSON has no
    decimals; Chart.js parses the string). Exact, never a float on our side."""
    return str(from_minor(int(amount_minor), currency))
