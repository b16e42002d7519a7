"""Dates and digits in the reader's language: Jalali (Solar Hijri) under Persian, Gregorian else.

Persian readers get the Jalali calendar (``jdatetime``), Persian month names and Persian digits:
29 November 2026 is "۸ آذر ۱۴۰۵". English, Arabic and Russian get the Gregorian calendar in their
own CLDR wording (Babel). Datetimes are shown in the current time zone (``TIME_ZONE``,
Asia/Tehran), as Django's ``date`` filter does. Only formatting and parsing: no queries.

Styles:

- ``"medium"`` (the default): "۸ آذر ۱۴۰۵", "Nov 29, 2026", "29 نوفمبر 2026", "29 нояб. 2026 г.";
- ``"short"``: numeric, for tables: "۱۴۰۵/۰۹/۰۸" under Persian, ISO "2026-11-29" otherwise;
- ``"full"``: with the weekday: "یک‌شنبه ۸ آذر ۱۴۰۵", "Sunday, November 29, 2026".

Datetimes add the time on a 24-hour clock: "۸ آذر ۱۴۰۵، ۱۴:۳۰", "Nov 29, 2026, 14:30",
"2026-11-29 14:30" (short).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final, Literal

import jdatetime
from babel.dates import format_date
from django.conf import settings
from django.utils import timezone, translation

__all__ = [
    "JALALI_LANGUAGES",
    "DateStyle",
    "active_language",
    "date_format",
    "datetime_format",
    "jalali_date_parse",
    "to_latin_digits",
    "to_persian_digits",
    "uses_jalali",
]

DateStyle = Literal["short", "medium", "full"]
STYLES: Final = ("short", "medium", "full")

#: Languages whose readers get the Jalali calendar and Persian digits.
JALALI_LANGUAGES: Final = frozenset({"fa"})

_TO_PERSIAN: Final = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Persian (extended Arabic-Indic) and Arabic-Indic digits, as typed on Persian and Arabic keyboards.
_TO_LATIN: Final = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

# Babel's medium Arabic date is all numbers with right-to-left marks ("29‏/11‏/2026"); the
# month name reads better.
_BABEL_PATTERN: Final = {"ar": {"medium": "d MMMM y"}}

_JALALI_MONTHS: Final = tuple(jdatetime.date.j_months_fa)
_JALALI_WEEKDAYS: Final = tuple(jdatetime.date.j_weekdays_fa)  # Saturday first

_NUMERIC_DATE: Final = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")
#: Years below this in a typed date are Jalali (1404 is 2025), at or above it Gregorian.
JALALI_YEAR_LIMIT: Final = 1700


def active_language() -> str:
    """The active language's base code (``fa``, ``en``…); the default one when none is active."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    return code.split("-")[0].lower()


def uses_jalali(language: str | None = None) -> bool:
    """Whether readers of ``language`` (the active one by default) get Jalali dates."""
    return (language or active_language()).split("-")[0].lower() in JALALI_LANGUAGES


def to_persian_digits(text: str) -> str:
    """ "1405/09/08" -> "۱۴۰۵/۰۹/۰۸"; everything but the digits is left alone."""
    return str(text).translate(_TO_PERSIAN)


def to_latin_digits(text: str) -> str:
    """Persian and Arabic-Indic digits to Latin ones: "۱۴۰۵/۰۹/۰۸" -> "1405/09/08"."""
    return str(text).translate(_TO_LATIN)


def _local(value: date | datetime) -> datetime | date:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _jalali_date(day: date, style: str) -> str:
    jday = jdatetime.date.fromgregorian(date=day)
    if style == "short":
        text = f"{jday.year:04d}/{jday.month:02d}/{jday.day:02d}"
    else:
        text = f"{jday.day} {_JALALI_MONTHS[jday.month - 1]} {jday.year}"
        if style == "full":
            text = f"{_JALALI_WEEKDAYS[jday.weekday()]} {text}"
    return to_persian_digits(text)


def _gregorian_date(day: date, style: str, language: str) -> str:
    if style == "short":
        return day.isoformat()
    pattern = _BABEL_PATTERN.get(language, {}).get(style, style)
    try:
        return format_date(day, pattern, locale=translation.to_locale(language))
    except ValueError:  # a language Babel does not know: English wording
        return format_date(day, pattern, locale="en")


def _style(style: str | None) -> str:
    style = (style or "medium").strip().lower()
    return style if style in STYLES else "medium"


def date_format(
    value: date | datetime | None, style: str | None = "medium", language: str | None = None
) -> str:
    """``value`` as a date in ``language`` (the active one by default), in ``style`` (see the
    module's docstring; an unknown style is "medium"). Aware datetimes are converted to the
    current time zone first, so an instant late on 20 March UTC is 1 Farvardin in Tehran.
    ``None`` or a non-date gives "" (as Django's ``date`` filter does)."""
    if not isinstance(value, date):
        return ""
    language = (language or active_language()).split("-")[0].lower()
    day = _day(_local(value))
    style = _style(style)
    if uses_jalali(language):
        return _jalali_date(day, style)
    return _gregorian_date(day, style, language)


def datetime_format(
    value: date | datetime | None, style: str | None = "medium", language: str | None = None
) -> str:
    """``value`` as a date and a 24-hour time (HH:MM) in the current time zone; a plain date
    gives the date alone. Same languages, styles and empty cases as ``date_format``."""
    if not isinstance(value, date):
        return ""
    if not isinstance(value, datetime):
        return date_format(value, style, language)
    language = (language or active_language()).split("-")[0].lower()
    local = _local(value)
    style = _style(style)
    day_text = date_format(local, style, language)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if uses_jalali(language):
        separator = " " if style == "short" else "، "
        return f"{day_text}{separator}{to_persian_digits(clock)}"
    if style == "short":
        return f"{day_text} {clock}"
    separator = "، " if language == "ar" else ", "
    return f"{day_text}{separator}{clock}"


def jalali_date_parse(text: str) -> date:
    """A Jalali date typed as year/month/day ("1404/01/01", "۱۴۰۴-۱-۱") as a Gregorian date.

    Persian, Arabic-Indic and Latin digits are accepted, and "/", "-" or "." between the parts.
    Raises ``ValueError`` for anything else or a day the Jalali calendar does not have (30
    Esfand of a common year)."""
    match = _NUMERIC_DATE.match(to_latin_digits(text))
    if match is None:
        raise ValueError(f"{text!r} is not a year/month/day date")
    year, month, day = (int(part) for part in match.groups())
    return jdatetime.date(year, month, day).togregorian()


def numeric_date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a date typed as numbers in any of our digit sets, else None."""
    match = _NUMERIC_DATE.match(to_latin_digits(text))
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    return year, month, day
