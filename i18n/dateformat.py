"""Django's date format strings ("j F Y", ``DATE_FORMAT``…) in the Jalali calendar, for Persian.

Oscar's templates print dates with Django's ``date`` filter (``{{ order.date_placed|date }}``) or
as plain ``{{ order.date_placed }}`` (localized with the language's ``DATETIME_FORMAT``). Under
Persian both go through ``jalali_format`` (see ``templatetags/jalali_builtins.py`` and
``apps.I18nConfig.ready``): the same format string, with the Jalali year, month and day, Persian
month and weekday names and Persian digits. 29 November 2026 14:30 in Django's Persian
``DATETIME_FORMAT`` ("j F Y، ساعت G:i") is "۸ آذر ۱۴۰۵، ساعت ۱۴:۳۰".

Machine formats stay Gregorian with Latin digits, in every language: the characters ``c`` (ISO
8601), ``r`` (RFC 5322), ``U`` (epoch seconds) and the ISO formats "Y-m-d", "Y-m", "Y-m-d H:i:s"…
(they fill ``<input type="date">`` values, ``datetime=`` attributes, ids and links).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any, Final

import jdatetime
from django.utils import dateformat, formats
from django.utils.regex_helper import _lazy_re_compile

from i18n.formatting import to_persian_digits, uses_jalali

__all__ = ["format_is_iso", "jalali_format", "localize"]

_MONTHS: Final = tuple(jdatetime.date.j_months_fa)
_WEEKDAYS: Final = tuple(jdatetime.date.j_weekdays_fa)  # Saturday first, as jdatetime counts
#: Format characters whose output is for machines: Gregorian, Latin digits.
_MACHINE: Final = frozenset("crU")
_FORMAT_CHARS = _lazy_re_compile(r"(?<!\\)([aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ])")
_ESCAPED = _lazy_re_compile(r"\\(.)")
_ISO: Final = re.compile(r"^(?:Y-m(?:-d(?:(?: |\\T)H:i(?::s(?:\.u)?)?[OPeT]?)?)?|[crU])$")


def format_is_iso(format_string: str) -> bool:
    """Whether ``format_string`` is an ISO/machine format ("Y-m-d", "Y-m-d H:i:s", "c"…)."""
    return bool(_ISO.match(str(format_string)))


class JalaliDateFormat(dateformat.DateFormat):
    """Django's ``DateFormat`` with the date characters in the Jalali calendar (Persian names)
    and every character but ``c``, ``r`` and ``U`` in Persian digits. Persian has no month or
    weekday abbreviations: ``M``, ``b``, ``N``, ``E`` are ``F``, ``D`` is ``l``; ``S`` (English
    ordinal suffix) is empty."""

    def __init__(self, obj: date | datetime) -> None:
        super().__init__(obj)
        day = obj.date() if isinstance(obj, datetime) else obj
        self.jalali: Any = jdatetime.date.fromgregorian(date=day)

    def format(self, formatstr: str) -> str:
        pieces = []
        for index, piece in enumerate(_FORMAT_CHARS.split(str(formatstr))):
            if index % 2:
                if type(self.data) is date and hasattr(dateformat.TimeFormat, piece):
                    raise TypeError(
                        "The format for date objects may not contain time-related format "
                        f"specifiers (found {piece!r})."
                    )
                text = str(getattr(self, piece)())
                pieces.append(text if piece in _MACHINE else to_persian_digits(text))
            elif piece:
                pieces.append(_ESCAPED.sub(r"\1", piece))
        return "".join(pieces)

    def d(self) -> str:
        return f"{self.jalali.day:02d}"

    def j(self) -> int:
        return int(self.jalali.day)

    def m(self) -> str:
        return f"{self.jalali.month:02d}"

    def n(self) -> int:
        return int(self.jalali.month)

    def F(self) -> str:
        return str(_MONTHS[self.jalali.month - 1])

    M = b = N = E = F

    def l(self) -> str:  # noqa: E743
        return str(_WEEKDAYS[self.jalali.weekday()])

    D = l

    def S(self) -> str:
        return ""

    def L(self) -> bool:
        return bool(self.jalali.isleap())

    def t(self) -> int:
        month = self.jalali.month
        if month <= 6:
            return 31
        if month <= 11:
            return 30
        return 30 if self.jalali.isleap() else 29

    def y(self) -> str:
        return f"{self.jalali.year % 100:02d}"

    def Y(self) -> str:
        return f"{self.jalali.year:04d}"

    def z(self) -> int:
        return int(self.jalali.yday())


def jalali_format(value: date | datetime | time, format_string: str) -> str:
    """``value`` in Django's ``format_string`` ("j F Y", or a setting name such as
    "DATETIME_FORMAT", taken from the active language's formats), Jalali with Persian digits;
    ISO formats (``format_is_iso``) as Django formats them. Datetimes are formatted as given:
    convert them to local time first (templates do)."""
    format_string = formats.get_format(format_string)
    if format_is_iso(format_string):
        return str(dateformat.format(value, format_string))
    if isinstance(value, time):
        return to_persian_digits(dateformat.time_format(value, format_string))
    return JalaliDateFormat(value).format(format_string)


def localize(value: Any, use_l10n: bool | None = None) -> Any:
    """``django.utils.formats.localize`` as templates use it for ``{{ value }}``: dates, datetimes
    and times in Jalali with Persian digits under Persian (the language's ``DATE_FORMAT``,
    ``DATETIME_FORMAT``, ``TIME_FORMAT``), everything else, and every other language, as Django
    does."""
    if use_l10n is not False and isinstance(value, (date, time)) and uses_jalali():
        if isinstance(value, datetime):
            return jalali_format(value, "DATETIME_FORMAT")
        if isinstance(value, date):
            return jalali_format(value, "DATE_FORMAT")
        return jalali_format(value, "TIME_FORMAT")
    return formats.localize(value, use_l10n=use_l10n)
