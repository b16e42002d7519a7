"""Dates typed in the reader's calendar: Jalali under Persian, ISO otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.utils import translation

from i18n.forms import LocalDateField, LocalDateInput


class PeriodForm(forms.Form):
    start = LocalDateField(required=False)


def cleaned(value: str, language: str) -> date | None:
    with translation.override(language):
        form = PeriodForm({"start": value})
        assert form.is_valid(), form.errors
        return form.cleaned_data["start"]


def errors(value: str, language: str) -> list[str]:
    with translation.override(language):
        form = PeriodForm({"start": value})
        assert not form.is_valid()
        return list(form.errors["start"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("۱۴۰۴/۰۱/۰۱", date(2025, 3, 21)),  # Nowruz, Persian digits
        ("1403/12/30", date(2025, 3, 20)),  # leap Esfand, Latin digits
        ("1405-9-8", date(2026, 11, 29)),
        ("2025-03-21", date(2025, 3, 21)),  # ISO, as browsers' date pickers send it
        ("", None),
    ],
)
def test_under_persian_jalali_and_iso_dates_are_read(typed, expected):
    assert cleaned(typed, "fa") == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025-03-21", date(2025, 3, 21)),
        ("۲۰۲۵-۰۳-۲۱", date(2025, 3, 21)),
        ("", None),
    ],
)
def test_under_english_gregorian_iso_dates_are_read(typed, expected):
    assert cleaned(typed, "en") == expected


def test_a_day_that_does_not_exist_errors_under_the_field():
    # 1404 is a common year: no 30 Esfand
    assert errors("1404/12/30", "fa") == [
        "یک تاریخ معتبر به صورت سال/ماه/روز وارد کنید، مثلاً ۱۴۰۴/۰۱/۱۵."
    ]
    assert errors("tomorrow", "fa") == [
        "یک تاریخ معتبر به صورت سال/ماه/روز وارد کنید، مثلاً ۱۴۰۴/۰۱/۱۵."
    ]
    assert errors("2025-02-30", "en") == ["Enter a valid date."]


def test_the_widget_shows_a_jalali_text_box_under_persian_and_a_date_picker_else():
    widget = LocalDateInput(attrs={"class": "form-control"})
    with translation.override("fa"):
        html = widget.render("start", date(2025, 3, 21))
    assert 'type="text"' in html
    assert 'value="۱۴۰۴/۰۱/۰۱"' in html
    assert 'placeholder="۱۴۰۴/۰۱/۱۵"' in html
    assert 'dir="ltr"' in html and 'class="form-control"' in html
    with translation.override("en"):
        html = widget.render("start", date(2025, 3, 21))
    assert 'type="date"' in html
    assert 'value="2025-03-21"' in html
    assert "placeholder" not in html


def test_a_rendered_jalali_value_reads_back_as_the_same_date():
    with translation.override("fa"):
        shown = LocalDateInput().format_value(date(2024, 3, 20))
    assert shown == "۱۴۰۳/۰۱/۰۱"
    assert cleaned(shown, "fa") == date(2024, 3, 20)
