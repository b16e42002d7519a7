"""The payment-details forms: card fields (sandbox) or a provider token (Stripe's Payment Element).

Card fields travel only in POSTs: from the payment-details page to the preview, and from the
preview (as hidden inputs, Oscar's recommended way) to "place order". They are never stored in the
session or the database, never logged, and never rendered back into a visible form: the number
and CVC inputs render empty after an error.
"""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import forms as checkout_forms

from i18n.addresses import AddressLocalisationMixin
from payments.cards import card_brand, card_number_normalise, luhn_valid
from payments.interface import CardDetails, PaymentMethodInput

_CONTROL = {"class": "form-control"}
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


class SecretInput(forms.TextInput):
    """A text input that never renders its value back (card number, CVC)."""

    def format_value(self, value):
        return None


class CardForm(forms.Form):
    """Card number, expiry (MM/YY), CVC and name; for the sandbox gateway only."""

    number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=SecretInput(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric", "dir": "ltr", **_CONTROL}
        ),
    )
    expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        max_length=7,
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-exp", "placeholder": "MM/YY", "dir": "ltr", **_CONTROL}
        ),
    )
    cvc = forms.CharField(
        label=_("Security code (CVC)"),
        max_length=4,
        widget=SecretInput(
            attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "dir": "ltr", **_CONTROL}
        ),
    )
    name = forms.CharField(
        label=_("Name on card"),
        max_length=128,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name", **_CONTROL}),
    )

    def clean_number(self) -> str:
        number = card_number_normalise(self.cleaned_data["number"])
        if not luhn_valid(number):
            raise forms.ValidationError(
                _("Your card number is incorrect."), code="incorrect_number"
            )
        return number

    def clean_expiry(self) -> tuple[int, int]:
        match = _EXPIRY.match(self.cleaned_data["expiry"])
        if not match:
            raise forms.ValidationError(_("Enter the expiry as MM/YY."), code="invalid_expiry")
        month, year = int(match.group(1)), int(match.group(2))
        if year < 100:
            year += 2000
        if not 1 <= month <= 12:
            raise forms.ValidationError(_("Enter the expiry as MM/YY."), code="invalid_expiry")
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(_("Your card has expired."), code="expired_card")
        return month, year

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise forms.ValidationError(
                _("Your card's security code is incorrect."), code="incorrect_cvc"
            )
        return cvc

    def payment_method_input(self) -> PaymentMethodInput:
        month, year = self.cleaned_data["expiry"]
        return PaymentMethodInput(
            card=CardDetails(
                number=self.cleaned_data["number"],
                exp_month=month,
                exp_year=year,
                cvc=self.cleaned_data["cvc"],
                name=self.cleaned_data.get("name", ""),
            )
        )

    def summary(self) -> str:
        """Brand and last four digits, for the preview page."""
        number = self.cleaned_data.get("number", "")
        return f"{card_brand(number).title()} •••• {number[-4:]}" if number else ""


class TokenForm(forms.Form):
    """The payment-method token Stripe's Payment Element puts in a hidden input."""

    payment_method = forms.CharField(max_length=255, widget=forms.HiddenInput)

    def clean_payment_method(self) -> str:
        token = self.cleaned_data["payment_method"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_]+", token):
            raise forms.ValidationError(_("Please enter your card details."), code="invalid")
        return token

    def payment_method_input(self) -> PaymentMethodInput:
        return PaymentMethodInput(token=self.cleaned_data["payment_method"])

    def summary(self) -> str:
        return str(_("Card"))


class ShippingAddressForm(AddressLocalisationMixin, checkout_forms.ShippingAddressForm):
    """Oscar's shipping address form for buyers across borders (``i18n.addresses``): postcodes
    and phones in any digits, Iranian ten-digit postcodes, phone numbers that must be real."""
