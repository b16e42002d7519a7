"""Forms of the fee-rule pages: they parse; ``fees.services`` validates and writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from fees.models import FeeKind, FeePayer, FeeRule
from fees.selectors import PERIODS
from fees.services import FeeRuleTerms
from marketplace.core.money import from_minor, to_minor
from merchants.models import Merchant

Category = get_model("catalogue", "Category")

#: Service (model) field -> form field, to put a service's errors on the right input.
SERVICE_FIELDS = {
    "rate_bp": "rate",
    "fixed_minor": "fixed",
    "min_minor": "minimum",
    "max_minor": "maximum",
}
_AMOUNTS = ("fixed", "minimum", "maximum")  # cleaned as "<name>_minor" too
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label: Any, help_text: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_FORMAT),
    )


class FeeRuleForm(forms.Form):
    """A rule's scope and terms. Amounts are in major units of the marketplace currency; the
    rate is a percentage with up to two decimals (basis points)."""

    kind = forms.ChoiceField(label=_("Fee"), choices=FeeKind.choices)
    merchant = forms.ModelChoiceField(
        label=_("Merchant"),
        queryset=Merchant.objects.order_by("name_en"),
        required=False,
        empty_label=_("All merchants"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("path"),
        required=False,
        empty_label=_("All categories"),
        help_text=_("Also applies to its subcategories."),
    )
    rate = forms.DecimalField(
        label=_("Rate (%)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        help_text=_("For example 8 or 0.5."),
    )
    fixed = forms.DecimalField(
        label=_("Fixed amount per unit"),
        required=False,
        help_text=_("City fee only, instead of a rate."),
    )
    minimum = forms.DecimalField(label=_("Minimum per line"), required=False)
    maximum = forms.DecimalField(label=_("Maximum per line"), required=False)
    payer = forms.ChoiceField(
        label=_("Paid by"),
        choices=FeePayer.choices,
        initial=FeePayer.BUYER,
        help_text=_("City fee only: commission is always the merchant's, VAT the buyer's."),
    )
    exempt = forms.BooleanField(
        label=_("Exempt"), required=False, help_text=_("Goods in this scope pay nothing.")
    )
    valid_from = _datetime_field(_("Valid from"), _("Empty: now. Never in the past."))
    valid_to = _datetime_field(_("Valid until"), _("Empty: until further notice."))
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args: Any, scope_editable: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = settings.OSCAR_DEFAULT_CURRENCY
        if not scope_editable:
            for name in ("kind", "merchant", "category"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in _AMOUNTS:
            value = cleaned.get(name)
            if value is None:
                continue
            try:
                cleaned[f"{name}_minor"] = to_minor(value, self.currency)
            except ValueError:
                self.add_error(name, _("Too many decimals for this currency."))
        return cleaned

    def terms(self) -> FeeRuleTerms:
        data = self.cleaned_data
        rate: Decimal | None = data.get("rate")
        return FeeRuleTerms(
            rate_bp=int((rate or Decimal(0)) * 100),
            fixed_minor=data.get("fixed_minor"),
            min_minor=data.get("minimum_minor"),
            max_minor=data.get("maximum_minor"),
            payer=data["payer"],
            exempt=data["exempt"],
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            note=data.get("note", ""),
        )

    def service_errors_add(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names (non-field otherwise)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.message_dict.items():
            field = SERVICE_FIELDS.get(name, name)
            self.add_error(field if field in self.fields else None, errors)

    @classmethod
    def initial_from(cls, rule: FeeRule) -> dict[str, Any]:
        def amount(value: int | None) -> Decimal | None:
            return from_minor(value, rule.currency) if value is not None else None

        return {
            "kind": rule.kind,
            "merchant": rule.merchant_id,
            "category": rule.category_id,
            "rate": rule.rate_percent if rule.rate_bp else None,
            "fixed": amount(rule.fixed_minor),
            "minimum": amount(rule.min_minor),
            "maximum": amount(rule.max_minor),
            "payer": rule.payer,
            "exempt": rule.exempt,
            "valid_from": rule.valid_from,
            "valid_to": rule.valid_to,
            "note": rule.note,
        }


class FeeRuleFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Fee"), choices=[("", _("All fees")), *FeeKind.choices], required=False
    )
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[
            ("", _("All")),
            *zip(PERIODS, (_("In force now"), _("Starting later"), _("Ended")), strict=True),
        ],
        required=False,
    )
