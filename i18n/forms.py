"""Date entry in the reader's calendar: Jalali under Persian, ISO (Gregorian) otherwise.

``LocalDateField`` is a ``forms.DateField`` whose ``cleaned_data`` is always a Gregorian
``datetime.date``; only what the user types and sees differs. Under Persian it takes a Jalali
year/month/day ("1404/01/15", "۱۴۰۴/۱/۱۵") and, so that links and browsers' date pickers keep
working, an ISO Gregorian date too: a year below 1700 is Jalali, from 1700 on Gregorian. Under the
other languages it takes what ``forms.DateField`` takes (ISO "2025-04-04"), with Persian or
Arabic-Indic digits read as Latin ones.

``LocalDateInput`` draws a text box showing the Jalali date in Persian digits under Persian and
the browser's date picker (``type="date"``, ISO value) otherwise.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from i18n.formatting import (
    JALALI_YEAR_LIMIT,
    date_format,
    jalali_date_parse,
    numeric_date_parts,
    to_latin_digits,
    to_persian_digits,
    uses_jalali,
)

__all__ = ["LocalDateField", "LocalDateInput"]


class LocalDateInput(forms.DateInput):
    """``type="date"`` (ISO value) except under Persian: a text box with the Jalali date."""

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or "%Y-%m-%d")

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date) and uses_jalali():
            return date_format(value, "short")
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if uses_jalali():
            widget["type"] = "text"
            widget["attrs"] = {
                "placeholder": to_persian_digits("1404/01/15"),
                "inputmode": "numeric",
                "dir": "ltr",
                "autocomplete": "off",
                **widget["attrs"],
            }
        else:
            widget["type"] = "date"
        return context


class LocalDateField(forms.DateField):
    """A date typed in the reader's calendar; ``cleaned_data`` is a Gregorian ``date``."""

    widget = LocalDateInput
    default_error_messages = {
        "invalid": _("Enter a valid date."),
        "invalid_jalali": _("Enter a valid date as year/month/day, e.g. 1404/01/15."),
    }

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, str):
            value = to_latin_digits(value).strip()
            parts = numeric_date_parts(value) if value else None
            if uses_jalali():
                if parts is None:
                    if value in self.empty_values:
                        return None
                    raise ValidationError(self.error_messages["invalid_jalali"], code="invalid")
                if parts[0] < JALALI_YEAR_LIMIT:
                    try:
                        return jalali_date_parse(value)
                    except ValueError:
                        raise ValidationError(
                            self.error_messages["invalid_jalali"], code="invalid"
                        ) from None
                value = "{:04d}-{:02d}-{:02d}".format(*parts)
        return super().to_python(value)
