"""Oscar's address book form localised like checkout's shipping address form (``addresses``).

Loaded in place of Oscar's ``address.forms.UserAddressForm`` by
``marketplace.oscar_apps.class_loader`` (settings: ``OSCAR_DYNAMIC_CLASS_LOADER``).
"""

from __future__ import annotations

from oscar.apps.address import forms as address_forms

from i18n.addresses import AddressLocalisationMixin

__all__ = ["UserAddressForm"]


class UserAddressForm(AddressLocalisationMixin, address_forms.UserAddressForm):
    """Oscar's address book form: postcodes and phones in any digits, Iranian ten-digit
    postcodes, phone numbers that must be real numbers with their country code."""
