"""Forms of the remittance pages: choosing a statement period, marking a period remitted."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from finance.models import BANK_REFERENCE_MAX_LENGTH
from finance.remittance.periods import month_next
from i18n.forms import LocalDateField, LocalDateInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CONTROL = {"class": "form-control"}


def service_errors_add(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on ``form``: under the field it names when the form
    has it, else as a form-wide error."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class StatementPeriodForm(forms.Form):
    """``?currency=IRR&month=2025-01`` or ``?currency=IRR&start=2025-01-01&end=2025-02-01``
    (``end`` not included). ``cleaned_data`` gets ``period_start``/``period_end``."""

    currency = forms.ChoiceField(
        label=_("Currency"), widget=forms.Select(attrs={"class": "form-control"})
    )
    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(
            attrs={"type": "month", "placeholder": "2025-01", "class": "form-control"}
        ),
    )
    # In the reader's calendar: Jalali under Persian (i18n.forms).
    start = LocalDateField(label=_("From"), required=False, widget=LocalDateInput(_CONTROL))
    end = LocalDateField(
        label=_("Up to (not included)"), required=False, widget=LocalDateInput(_CONTROL)
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in currencies]

    def clean_month(self) -> date | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        match = _MONTH.match(text)
        if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            raise ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
        return date(int(match.group(1)), int(match.group(2)), 1)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        month, start, end = data.get("month"), data.get("start"), data.get("end")
        if self.errors:
            return data
        if month is not None and (start or end):
            raise ValidationError(_("Choose a month or a start and end date, not both."))
        if month is not None:
            data["period_start"], data["period_end"] = month, month_next(month)
            return data
        if start is None:
            self.add_error("start", ValidationError(_("Enter the first day."), code="required"))
        if end is None:
            self.add_error("end", ValidationError(_("Enter the end date."), code="required"))
        if start is not None and end is not None:
            if end <= start:
                self.add_error(
                    "end",
                    ValidationError(_("The period must end after it starts."), code="order"),
                )
            elif (end - start).days > 366 * 5:
                self.add_error(
                    "end", ValidationError(_("Choose at most five years."), code="too_long")
                )
            else:
                data["period_start"], data["period_end"] = start, end
        return data


class RemittanceForm(forms.Form):
    """Mark ``[period_start, period_end)`` in ``currency`` remitted under ``bank_reference``.
    Field names are the service's, so its errors land on the right field."""

    currency = forms.CharField(max_length=3, widget=forms.HiddenInput)
    period_start = forms.DateField(widget=forms.HiddenInput)
    period_end = forms.DateField(widget=forms.HiddenInput)
    bank_reference = forms.CharField(
        label=_("Bank reference"),
        max_length=BANK_REFERENCE_MAX_LENGTH,
        help_text=_("The transfer's tracking number from the bank (SATNA/PAYA)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own element ids: it shares the page with the period form (both have a currency).
        kwargs.setdefault("auto_id", "remit_%s")
        super().__init__(*args, **kwargs)
