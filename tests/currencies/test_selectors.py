"""The buyer's display currency and approximate amounts in it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone, translation

from currencies.models import ExchangeRate
from currencies.selectors import (
    COOKIE_NAME,
    amount_approximate,
    amount_with_code,
    display_cache_token,
    display_currency_codes,
    display_currency_for,
    exchange_rates_current,
)
from tests.currencies.factories import rate_create

pytestmark = pytest.mark.django_db


def request_with(cookie: str | None = None):
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES[COOKIE_NAME] = cookie
    return request


def test_the_choices_are_the_marketplace_currency_toman_and_the_display_currencies():
    assert display_currency_codes() == (
        "IRR",
        "IRT",
        "AFN",
        "IQD",
        "TMT",
        "PKR",
        "AZN",
        "TRY",
        "USD",
        "EUR",
    )


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        (None, "IRR"),
        ("USD", "USD"),
        ("usd", "USD"),
        (" EUR ", "EUR"),
        ("IRT", "IRT"),
        ("XYZ", "IRR"),
        ("GBP", "IRR"),  # a real currency we do not offer
        ("", "IRR"),
        ("U$D<script>", "IRR"),
        ("x" * 500, "IRR"),
    ],
)
def test_the_display_currency_comes_from_the_cookie_or_falls_back(cookie, expected):
    assert display_currency_for(request_with(cookie)) == expected


def test_a_configured_default_applies_and_a_bad_one_is_ignored(settings):
    settings.CURRENCY_DISPLAY_DEFAULT = "IRT"
    assert display_currency_for(request_with()) == "IRT"
    settings.CURRENCY_DISPLAY_DEFAULT = "NOPE"
    assert display_currency_for(request_with()) == "IRR"


def test_toman_is_offered_only_when_the_marketplace_sells_in_rials(settings):
    settings.OSCAR_DEFAULT_CURRENCY = "USD"
    assert "IRT" not in display_currency_codes()
    assert display_currency_for(request_with("IRT")) == "USD"


def test_the_latest_rate_in_effect_wins():
    rate_create("USD", 950_000, hours_old=30)
    latest = rate_create("USD", 1_000_000, hours_old=2)
    rate_create("USD", 2_000_000, at=timezone.now() + timedelta(hours=1))  # not yet
    rate_create("EUR", 1_160_000)
    ExchangeRate.objects.create(
        currency="USD", base_currency="EUR", rate=Decimal("1.16"), source="other base"
    )

    rates = exchange_rates_current()

    assert set(rates) == {"USD", "EUR"}
    assert rates["USD"].pk == latest.pk


def test_an_approximate_amount_is_rounded_half_up_to_the_currencys_unit():
    rates = {"USD": rate_create("USD", 1_000_000), "IQD": rate_create("IQD", "765.5")}
    with translation.override("en"):
        usd = amount_approximate(
            amount_minor=12_345_000, currency="IRR", display_currency="USD", rates=rates
        )
        # 12,345,000 / 765.5 = 16126.714...
        iqd = amount_approximate(
            amount_minor=12_345_000, currency="IRR", display_currency="IQD", rates=rates
        )
        half = amount_approximate(
            amount_minor=5_000, currency="IRR", display_currency="USD", rates=rates
        )
    assert (usd.text, usd.exact, usd.stale) == ("≈\xa012.35\xa0USD", False, False)
    assert iqd.text == "≈\xa016,127\xa0IQD"
    assert half.text == "≈\xa00.01\xa0USD"  # 0.005 rounds up


def test_an_approximate_amount_in_persian_uses_persian_digits():
    rates = {"USD": rate_create("USD", 1_000_000)}
    with translation.override("fa"):
        usd = amount_approximate(
            amount_minor=12_345_000, currency="IRR", display_currency="USD", rates=rates
        )
        assert usd.rate_text == "1 USD ≈ ۱٬۰۰۰٬۰۰۰ IRR"
    assert usd.text == "≈\xa0۱۲٫۳۵\xa0USD"


def test_toman_is_exact_and_needs_no_rate():
    with translation.override("fa"):
        toman = amount_approximate(
            amount_minor=12_345_670, currency="IRR", display_currency="IRT", rates={}
        )
    assert (toman.text, toman.exact, toman.rate) == ("۱٬۲۳۴٬۵۶۷\xa0تومان", True, None)
    with translation.override("en"):
        toman = amount_approximate(
            amount_minor=12_345_670, currency="IRR", display_currency="IRT", rates={}
        )
    assert toman.text == "1,234,567\xa0Toman"


def test_a_rate_older_than_the_limit_is_stale(settings):
    settings.CURRENCY_RATE_STALE_HOURS = 24
    fresh = rate_create("USD", 1_000_000, hours_old=23.9)
    stale = rate_create("EUR", 1_160_000, hours_old=24.1)
    rates = {"USD": fresh, "EUR": stale}
    assert not amount_approximate(
        amount_minor=1_000_000, currency="IRR", display_currency="USD", rates=rates
    ).stale
    assert amount_approximate(
        amount_minor=1_000_000, currency="IRR", display_currency="EUR", rates=rates
    ).stale


def test_nothing_is_shown_without_a_rate_or_in_the_amounts_own_currency():
    rates = {"USD": rate_create("USD", 1_000_000)}
    kwargs = {"amount_minor": 1_000_000, "rates": rates}
    assert amount_approximate(currency="IRR", display_currency="EUR", **kwargs) is None
    assert amount_approximate(currency="IRR", display_currency="IRR", **kwargs) is None
    assert amount_approximate(currency="USD", display_currency="USD", **kwargs) is None
    # amounts not in the marketplace currency are not converted
    assert amount_approximate(currency="EUR", display_currency="USD", **kwargs) is None


def test_the_charged_amount_is_written_with_its_code():
    with translation.override("en"):
        assert amount_with_code(12_345_000, "IRR") == "12,345,000\xa0IRR"
        assert amount_with_code(1_234, "USD") == "12.34\xa0USD"
    with translation.override("fa"):
        assert amount_with_code(12_345_000, "IRR") == "۱۲٬۳۴۵٬۰۰۰\xa0IRR"


def test_the_cache_token_changes_with_the_currency_the_rate_and_its_age(settings):
    assert display_cache_token(request_with()) == "IRR"
    assert display_cache_token(request_with("IRT")) == "IRT"
    assert display_cache_token(request_with("USD")) == "USD:none"
    rate = rate_create("USD", 1_000_000, hours_old=1)
    assert display_cache_token(request_with("USD")) == f"USD:{rate.pk}:fresh"
    settings.CURRENCY_RATE_STALE_HOURS = 0
    assert display_cache_token(request_with("USD")) == f"USD:{rate.pk}:stale"


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"rate": Decimal(0)}, "currencies_rate_positive"),
        ({"rate": Decimal(-1)}, "currencies_rate_positive"),
        ({"currency": "usd"}, "currencies_rate_codes_iso"),
        ({"currency": "IRR"}, "currencies_rate_not_to_itself"),
    ],
)
def test_the_database_refuses_malformed_rates(fields, constraint):
    values = {"currency": "USD", "base_currency": "IRR", "rate": Decimal(1), "source": "t"}
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        ExchangeRate.objects.create(**{**values, **fields})
    assert not ExchangeRate.objects.exists()
