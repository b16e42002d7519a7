"""Addresses from buyers across borders: digits from any keyboard, postcodes where countries use
them, phone numbers with their country code.

``AddressLocalisationMixin`` goes before Oscar's address form classes (``ShippingAddressForm``,
``UserAddressForm``). Oscar already makes the postcode optional (``postcode`` is not in
``OSCAR_REQUIRED_ADDRESS_FIELDS``) and, when one is given, checks it against its country's pattern
(``AbstractAddress.POSTCODES_REGEX``: Afghanistan 4 digits, Iraq 5, Turkmenistan 6; countries not
listed, like the United Arab Emirates, take anything). On top of that:

- postcodes typed with Persian or Arabic-Indic digits read as Latin digits (phone numbers
  too: ``phonenumbers`` reads them);
- an Iranian postcode typed as its ten digits ("9177948974", how Iranians write it) is stored in
  the form Oscar checks ("91779-48974");
- a phone number must be a real number: international ("+93 70 123 4567") or local to the
  address's country ("0770 123 4567" in Iraq). Oscar accepts any number that parses (even
  "+93 12"); here it must also be valid, else the error names the field.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from i18n.formatting import to_latin_digits

__all__ = ["AddressLocalisationMixin"]

_IRAN_POSTCODE = re.compile(r"^([0-9]{5})-?([0-9]{5})$")


class AddressLocalisationMixin:
    """See the module docstring. ``cleaned_data`` gets the normalised postcode and phone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        postcode = self.fields.get("postcode")  # type: ignore[attr-defined]
        if postcode is not None and not postcode.required:
            postcode.help_text = _("Leave empty if your country does not use postcodes.")
        phone = self.fields.get("phone_number")  # type: ignore[attr-defined]
        if phone is not None:
            phone.help_text = _("With the country code, e.g. +93 70 123 4567 or +964 770 123 4567.")
            phone.widget.attrs.update({"dir": "ltr", "inputmode": "tel", "autocomplete": "tel"})

    def _country_code(self) -> str | None:
        country = self.cleaned_data.get("country") or getattr(  # type: ignore[attr-defined]
            self.instance,  # type: ignore[attr-defined]
            "country",
            None,
        )
        return getattr(country, "iso_3166_1_a2", None)

    def clean(self) -> dict[str, Any]:
        # Oscar's PhoneNumberMixin parses the phone (phonenumbers reads any script's digits).
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        postcode = cleaned.get("postcode")
        if isinstance(postcode, str) and postcode:
            postcode = to_latin_digits(postcode).strip().upper()
            if self._country_code() == "IR":
                match = _IRAN_POSTCODE.match(postcode.replace(" ", ""))
                if match:
                    postcode = f"{match.group(1)}-{match.group(2)}"
            cleaned["postcode"] = postcode
        phone = cleaned.get("phone_number")
        if isinstance(phone, PhoneNumber) and not phone.is_valid():
            self.add_error(  # type: ignore[attr-defined]
                "phone_number",
                _(
                    "This is not a valid phone number. Enter it with the country code, "
                    "e.g. +93 70 123 4567."
                ),
            )
        return cleaned
