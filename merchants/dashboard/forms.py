"""Forms of the merchant dashboard. They parse; ``customs.services`` decides what is valid."""

from __future__ import annotations

import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customs.services import product_customs_set


def _country_choices() -> list[tuple[str, str]]:
    countries = sorted(pycountry.countries, key=lambda country: country.name)
    return [("", "---------")] + [(c.alpha_2, f"{c.name} ({c.alpha_2})") for c in countries]


class ProductCustomsForm(forms.Form):
    """The customs facts of one product, saved through ``customs.services.product_customs_set``.

    The service's errors are attached to the field they name (``hs_code``, ``origin_country``,
    ``net_weight_grams``, ``customs_description``); an error about the product itself (a parent
    product) becomes a non-field error.
    """

    hs_code = forms.CharField(
        label=_("HS code"),
        max_length=16,
        help_text=_(
            "A 6-digit HS 2022 subheading, e.g. 091020. Type digits or English words to search."
        ),
        widget=forms.TextInput(
            attrs={"list": "hs-code-options", "autocomplete": "off", "inputmode": "search"}
        ),
    )
    origin_country = forms.ChoiceField(label=_("Country of origin"), choices=_country_choices)
    net_weight_grams = forms.IntegerField(label=_("Net weight (grams)"))
    customs_description = forms.CharField(
        label=_("Customs description (English)"),
        max_length=255,
        help_text=_("Plain English wording for the declaration, e.g. 'Saffron, dried stigmas'."),
    )

    def __init__(self, *args, product, **kwargs):
        self.product = product
        super().__init__(*args, **kwargs)

    def save(self):
        """Call the service; on its ValidationError, put each message on its field and return
        None (nothing was written)."""
        try:
            return product_customs_set(product=self.product, **self.cleaned_data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return None
