"""Dates in the reader's language: Jalali with Persian digits under Persian, Gregorian else."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from i18n.formatting import (
    date_format,
    datetime_format,
    jalali_date_parse,
    to_latin_digits,
    to_persian_digits,
)

TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fa", "۸ آذر ۱۴۰۵"),
        ("en", "Nov 29, 2026"),
        ("ar", "29 نوفمبر 2026"),
        ("ru", "29 нояб. 2026\u202fг."),
    ],
)
def test_a_date_reads_in_each_language(language, expected):
    assert date_format(date(2026, 11, 29), language=language) == expected


@pytest.mark.parametrize(
    ("language", "short", "full"),
    [
        ("fa", "۱۴۰۵/۰۹/۰۸", "یک\u200cشنبه ۸ آذر ۱۴۰۵"),
        ("en", "2026-11-29", "Sunday, November 29, 2026"),
        ("ar", "2026-11-29", "الأحد، 29 نوفمبر 2026"),
        ("ru", "2026-11-29", "воскресенье, 29 ноября 2026\u202fг."),
    ],
)
def test_short_and_full_styles(language, short, full):
    day = date(2026, 11, 29)
    assert date_format(day, "short", language=language) == short
    assert date_format(day, "full", language=language) == full


@pytest.mark.parametrize(
    ("gregorian", "jalali"),
    [
        # Nowruz 1404 and the last day of 1403, a leap year (30 Esfand exists)
        (date(2025, 3, 21), "۱ فروردین ۱۴۰۴"),
        (date(2025, 3, 20), "۳۰ اسفند ۱۴۰۳"),
        # 1402 is a common year: Esfand ends on the 29th, Nowruz 1403 is 20 March 2024
        (date(2024, 3, 19), "۲۹ اسفند ۱۴۰۲"),
        (date(2024, 3, 20), "۱ فروردین ۱۴۰۳"),
        # the Gregorian leap day, and the last day of Shahrivar (31 days) then 1 Mehr (30)
        (date(2024, 2, 29), "۱۰ اسفند ۱۴۰۲"),
        (date(2025, 9, 22), "۳۱ شهریور ۱۴۰۴"),
        (date(2025, 9, 23), "۱ مهر ۱۴۰۴"),
    ],
)
def test_boundary_dates_in_the_jalali_calendar(gregorian, jalali):
    assert date_format(gregorian, language="fa") == jalali


def test_an_instant_is_dated_in_tehran_time():
    # 20:45 UTC on 20 March 2025 is 00:15 on 21 March in Tehran: Nowruz
    instant = datetime(2025, 3, 20, 20, 45, tzinfo=UTC)
    assert date_format(instant, language="fa") == "۱ فروردین ۱۴۰۴"
    assert date_format(instant, language="en") == "Mar 21, 2025"
    assert datetime_format(instant, language="fa") == "۱ فروردین ۱۴۰۴، ۰۰:۱۵"
    assert datetime_format(instant, "short", language="fa") == "۱۴۰۴/۰۱/۰۱ ۰۰:۱۵"
    assert datetime_format(instant, language="en") == "Mar 21, 2025, 00:15"
    assert datetime_format(instant, "short", language="en") == "2025-03-21 00:15"
    assert datetime_format(instant, language="ar") == "21 مارس 2025، 00:15"
    assert datetime_format(instant, language="ru") == "21 мар. 2025\u202fг., 00:15"


def test_nothing_to_format_gives_an_empty_string():
    assert date_format(None) == ""
    assert date_format("2025-03-21") == ""  # type: ignore[arg-type]
    assert datetime_format(None) == ""


def test_an_unknown_style_is_medium():
    assert date_format(date(2026, 11, 29), "weird", language="fa") == "۸ آذر ۱۴۰۵"


def test_the_active_language_decides_when_none_is_given():
    with translation.override("fa"):
        assert date_format(date(2026, 11, 29)) == "۸ آذر ۱۴۰۵"
    with translation.override("en"):
        assert date_format(date(2026, 11, 29)) == "Nov 29, 2026"


def test_template_filters_follow_the_active_language():
    template = Template(
        "{% load local_format %}{{ day|localdate }}|{{ at|localdatetime:'short' }}|{{ n|localdigits }}"
    )
    context = Context(
        {"day": date(2026, 11, 29), "at": datetime(2026, 11, 29, 11, 0, tzinfo=UTC), "n": 42}
    )
    with translation.override("fa"):
        assert template.render(context) == "۸ آذر ۱۴۰۵|۱۴۰۵/۰۹/۰۸ ۱۴:۳۰|۴۲"
    with translation.override("en"):
        assert template.render(context) == "Nov 29, 2026|2026-11-29 14:30|42"
    with translation.override("ru"):
        assert template.render(context) == "29 нояб. 2026\u202fг.|2026-11-29 14:30|42"


def test_digits_convert_both_ways():
    assert to_persian_digits("1405/09/08") == "۱۴۰۵/۰۹/۰۸"
    assert to_latin_digits("۱۴۰۵/۰۹/۰۸ ٠١٢") == "1405/09/08 012"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1404/01/01", date(2025, 3, 21)),
        ("۱۴۰۴/۰۱/۰۱", date(2025, 3, 21)),
        ("١٤٠٣-١٢-٣٠", date(2025, 3, 20)),
        (" 1405.9.8 ", date(2026, 11, 29)),
    ],
)
def test_a_jalali_date_is_parsed_from_any_digits(typed, expected):
    assert jalali_date_parse(typed) == expected


@pytest.mark.parametrize("typed", ["1404/12/30", "1404/13/01", "1404/00/10", "soon", "1404/1"])
def test_a_day_the_jalali_calendar_does_not_have_is_refused(typed):
    with pytest.raises(ValueError):
        jalali_date_parse(typed)
