"""Addresses of buyers abroad at checkout: optional postcodes, checked where countries use them;
phone numbers with their country code, checked."""

from __future__ import annotations

import pytest
from django.utils import translation
from oscar.core.loading import get_class, get_model

from tests.shop import iran_ensure

Country = get_model("address", "Country")
ShippingAddressForm = get_class("checkout.forms", "ShippingAddressForm")

pytestmark = pytest.mark.django_db


@pytest.fixture
def countries(db):
    iran_ensure()
    for a2, a3, numeric, name in [
        ("AF", "AFG", "004", "Afghanistan"),
        ("IQ", "IRQ", "368", "Iraq"),
        ("TM", "TKM", "795", "Turkmenistan"),
        ("AE", "ARE", "784", "United Arab Emirates"),
    ]:
        Country.objects.update_or_create(
            iso_3166_1_a2=a2,
            defaults={
                "iso_3166_1_a3": a3,
                "iso_3166_1_numeric": numeric,
                "printable_name": name,
                "name": name,
                "is_shipping_country": True,
            },
        )


def form(country: str, **fields: str) -> ShippingAddressForm:
    data = {
        "first_name": "Ahmad",
        "last_name": "Karimi",
        "line1": "Street 4, House 12",
        "line4": "Herat",
        "country": country,
        **fields,
    }
    return ShippingAddressForm(data)


def test_checkout_uses_the_localised_address_form():
    assert ShippingAddressForm.__module__ == "marketplace.oscar_apps.checkout.forms"


@pytest.mark.parametrize(
    ("country", "phone", "stored"),
    [
        ("AF", "+93 70 123 4567", "+93701234567"),
        ("AF", "070 123 4567", "+93701234567"),  # local, read with the address's country
        ("IQ", "+964 770 123 4567", "+9647701234567"),
        ("IQ", "0770 123 4567", "+9647701234567"),
        ("IR", "۰۹۱۲ ۳۴۵ ۶۷۸۹", "+989123456789"),  # Persian digits
        ("TM", "+993 65 123456", "+99365123456"),
        ("IQ", "+93 70 123 4567", "+93701234567"),  # a foreign phone is fine
    ],
)
def test_a_phone_with_its_country_code_validates(countries, country, phone, stored):
    address_form = form(country, phone_number=phone)
    assert address_form.is_valid(), address_form.errors
    assert address_form.cleaned_data["phone_number"].as_e164 == stored
    assert address_form.instance.phone_number.as_e164 == stored


@pytest.mark.parametrize("phone", ["+93 12", "+964 1", "12345", "not a phone", "+999 1234567"])
def test_a_bad_phone_errors_under_the_phone_field(countries, phone):
    address_form = form("AF", phone_number=phone)
    assert not address_form.is_valid()
    assert list(address_form.errors) == ["phone_number"]


def test_the_phone_error_is_in_the_buyers_language(countries):
    with translation.override("fa"):
        address_form = form("AF", phone_number="+93 12")
        assert not address_form.is_valid()
        assert address_form.errors["phone_number"] == [
            "این شماره تلفن معتبر نیست. آن را با پیش‌شماره کشور وارد کنید، مثلاً \u200e+93 70 123 4567."
        ]


@pytest.mark.parametrize("country", ["AF", "IQ", "TM", "AE", "IR"])
def test_the_postcode_is_optional(countries, country):
    address_form = form(country)
    assert address_form.is_valid(), address_form.errors
    assert address_form.cleaned_data["postcode"] == ""


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("AF", "1001", "1001"),
        ("IQ", "10001", "10001"),
        ("TM", "744000", "744000"),
        ("IR", "9177948974", "91779-48974"),  # how Iranians write it, stored as Oscar checks it
        ("IR", "۹۱۷۷۹-۴۸۹۷۴", "91779-48974"),
        ("AE", "anything", "ANYTHING"),  # no postcodes there: not checked
    ],
)
def test_a_postcode_given_is_normalised_and_checked_for_its_country(
    countries, country, typed, stored
):
    address_form = form(country, postcode=typed)
    assert address_form.is_valid(), address_form.errors
    assert address_form.instance.postcode == stored


@pytest.mark.parametrize(("country", "typed"), [("AF", "12345"), ("IQ", "1234"), ("IR", "123")])
def test_a_postcode_that_does_not_fit_the_country_errors_under_the_postcode(
    countries, country, typed
):
    address_form = form(country, postcode=typed)
    assert not address_form.is_valid()
    assert list(address_form.errors) == ["postcode"]
