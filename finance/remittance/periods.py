"""Periods of the municipal statements: half-open ranges of Asia/Tehran calendar dates.

``[start, end)`` covers every ledger transaction that occurred from ``start`` 00:00 Tehran time
up to, not including, ``end`` 00:00 Tehran time. Months are Gregorian months in Tehran time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: The municipality's clock: statement periods are calendar dates in Mashhad.
TEHRAN: Final = ZoneInfo("Asia/Tehran")


def period_bounds(*, start: date, end: date) -> tuple[datetime, datetime]:
    """The aware instants ``start`` 00:00 and ``end`` 00:00 in Tehran."""
    return (
        datetime.combine(start, time.min, tzinfo=TEHRAN),
        datetime.combine(end, time.min, tzinfo=TEHRAN),
    )


def period_check(*, start: object, end: object, start_field: str, end_field: str) -> None:
    """Raise ``ValidationError`` naming ``start_field``/``end_field`` unless both are dates (not
    datetimes) and ``start`` is before ``end``."""
    errors: dict[str, ValidationError] = {}
    for value, field in ((start, start_field), (end, end_field)):
        if not isinstance(value, date) or isinstance(value, datetime):
            errors[field] = ValidationError(_("Enter a date."), code="invalid")
    if errors:
        raise ValidationError(errors)
    assert isinstance(start, date) and isinstance(end, date)
    if end <= start:
        raise ValidationError(
            {end_field: ValidationError(_("The period must end after it starts."), code="order")}
        )


def today_tehran() -> date:
    """Today's date in Mashhad."""
    return datetime.now(TEHRAN).date()


def month_first(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_next(month: date) -> date:
    """The first day of the month after ``month``'s."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(start: date, end: date) -> list[date]:
    """First days of the months that ``[start, end)`` touches, in order."""
    months: list[date] = []
    month = month_first(start)
    while month < end:
        months.append(month)
        month = month_next(month)
    return months
