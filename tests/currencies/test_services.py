"""Recording rates: by hand, and from the configured source (bad data writes nothing)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pghistory.models
import pytest
from django.utils import timezone

from currencies.models import ExchangeRate
from currencies.services import (
    RatesSourceError,
    exchange_rate_record,
    exchange_rates_parse,
    exchange_rates_refresh,
)
from currencies.tasks import rates_refresh
from tests.currencies.ratesource import RatesSource

pytestmark = pytest.mark.django_db

STAMP = 1_764_400_000  # 2025-11-29 07:06:40 UTC
NOW = datetime(2025, 11, 29, 8, 0, tzinfo=UTC)


def payload(**changes):
    body = {
        "base": "USD",
        "timestamp": STAMP,
        "rates": {"IRR": 1_000_000, "EUR": "0.8", "IQD": 1310, "AFN": 69, "GBP": 0.75},
    }
    body.update(changes)
    return body


def test_rates_against_another_base_are_crossed_over_the_marketplace_currency():
    parsed = exchange_rates_parse(payload(), now=NOW)
    assert parsed.effective_at == datetime.fromtimestamp(STAMP, tz=UTC)
    assert parsed.rates == {
        "USD": Decimal("1000000.000000000000"),
        "EUR": Decimal("1250000.000000000000"),
        "IQD": Decimal("763.358778625954"),
        "AFN": Decimal("14492.753623188406"),
    }
    # GBP is not a display currency; the others were not quoted
    assert parsed.missing == ("TMT", "PKR", "AZN", "TRY")


def test_rates_against_the_marketplace_currency_are_inverted():
    body = {"base_code": "IRR", "time_last_update_unix": STAMP, "rates": {"USD": "0.000001"}}
    parsed = exchange_rates_parse(json.loads(json.dumps(body)), now=NOW)
    assert parsed.rates == {"USD": Decimal("1000000.000000000000")}


def test_an_iso_timestamp_is_read_and_none_means_now():
    body = payload(timestamp=None)
    del body["timestamp"]
    assert exchange_rates_parse(body, now=NOW).effective_at == NOW
    body["date"] = "2025-11-28T12:00:00Z"
    assert exchange_rates_parse(body, now=NOW).effective_at == datetime(
        2025, 11, 28, 12, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "not a JSON object"),
        ({"rates": {"USD": 1}}, "no base currency"),
        ({"base": "USD", "rates": []}, "no base currency"),
        (payload(rates={"EUR": 0.9}), "do not quote IRR"),
        (payload(rates={"IRR": 1_000_000, "EUR": 0}), "the rate of EUR must be a positive number"),
        (payload(rates={"IRR": 1_000_000, "EUR": -2}), "must be a positive number"),
        (payload(rates={"IRR": 1_000_000, "EUR": "lots"}), "the rate of EUR is not a number"),
        (payload(rates={"IRR": 1_000_000, "EUR": True}), "the rate of EUR is not a number"),
        (payload(rates={"IRR": "NaN", "EUR": 1}), "the rate of IRR must be a positive number"),
        (payload(base="GBP", rates={"IRR": 1_000_000}), "quotes none of the display currencies"),
        (payload(timestamp="yesterday"), "timestamp is not a Unix time"),
        (payload(timestamp=STAMP + 86_400), "dated in the future"),
        (payload(timestamp=10**20), "timestamp is out of range"),
    ],
)
def test_bad_data_is_refused_with_a_reason(body, message):
    with pytest.raises(RatesSourceError, match=message):
        exchange_rates_parse(body, now=NOW)


def test_a_refresh_records_one_row_per_quoted_currency_and_is_idempotent(settings):
    with RatesSource(json.dumps(payload(timestamp=int(timezone.now().timestamp()) - 60))) as src:
        settings.CURRENCY_RATES_URL = src.url
        assert exchange_rates_refresh() == 4
        assert exchange_rates_refresh() == 0
    rows = ExchangeRate.objects.order_by("currency")
    assert [(row.currency, row.base_currency, row.source) for row in rows] == [
        ("AFN", "IRR", src.url),
        ("EUR", "IRR", src.url),
        ("IQD", "IRR", src.url),
        ("USD", "IRR", src.url),
    ]
    assert rows.get(currency="USD").rate == Decimal("1000000")
    events = pghistory.models.Events.objects.references(rows.get(currency="USD"))
    assert [event.pgh_label for event in events] == ["insert"]
    assert events[0].pgh_context["source"] == "rates_refresh"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"<html>oops</html>", 200),
        (b'{"base": "USD", "rates": {"IRR": NaN, "EUR": 1}}', 200),
        (json.dumps(payload(rates={"IRR": 1_000_000, "EUR": "x"})).encode(), 200),
        (json.dumps(payload()).encode(), 500),
        (json.dumps(payload()).encode(), 404),
    ],
)
def test_a_bad_answer_writes_nothing(settings, body, status):
    with RatesSource(body, status=status) as src:
        settings.CURRENCY_RATES_URL = src.url
        with pytest.raises(RatesSourceError):
            exchange_rates_refresh()
        assert src.requests == 1
    assert not ExchangeRate.objects.exists()


def test_a_slow_source_times_out_and_writes_nothing(settings):
    with RatesSource(json.dumps(payload()), delay=1.0) as src:
        settings.CURRENCY_RATES_URL = src.url
        settings.CURRENCY_RATES_TIMEOUT_SECONDS = 0.2
        with pytest.raises(RatesSourceError, match="cannot reach the rates source: ReadTimeout"):
            exchange_rates_refresh()
    assert not ExchangeRate.objects.exists()


def test_an_unreachable_source_writes_nothing(settings):
    settings.CURRENCY_RATES_URL = "http://127.0.0.1:9/latest"
    with pytest.raises(RatesSourceError, match="cannot reach the rates source"):
        exchange_rates_refresh()
    assert not ExchangeRate.objects.exists()


def test_the_periodic_task_is_off_without_a_source(settings):
    settings.CURRENCY_RATES_URL = ""
    assert rates_refresh() == 0
    assert not ExchangeRate.objects.exists()


def test_the_periodic_task_logs_bad_data_as_an_error_and_writes_nothing(settings, caplog):
    with RatesSource(b"not json") as src:
        settings.CURRENCY_RATES_URL = src.url
        with caplog.at_level(logging.ERROR, logger="currencies.tasks"):
            assert rates_refresh() == 0
    assert [
        record.getMessage() for record in caplog.records if record.levelno == logging.ERROR
    ] == [
        "currency rates not refreshed: the rates source did not answer JSON: "
        "Expecting value: line 1 column 1 (char 0)"
    ]
    assert not ExchangeRate.objects.exists()


def test_the_periodic_task_records_good_rates(settings):
    body = payload(timestamp=int(timezone.now().timestamp()))
    with RatesSource(json.dumps(body)) as src:
        settings.CURRENCY_RATES_URL = src.url
        assert rates_refresh() == 4
    assert ExchangeRate.objects.count() == 4


def test_the_beat_schedule_refreshes_rates_hourly(settings):
    assert settings.CELERY_BEAT_SCHEDULE["currencies-rates-refresh"] == {
        "task": "currencies.rates_refresh",
        "schedule": 3600,
    }


def test_a_rate_recorded_by_hand_is_audited_with_its_author():
    from tests.merchants.factories import UserFactory

    admin = UserFactory(username="finance@example.com", is_staff=True)
    at = timezone.now() - timedelta(minutes=5)
    row = exchange_rate_record(
        currency="TRY", rate=Decimal("24000"), source="bank board", effective_at=at, actor=admin
    )
    again = exchange_rate_record(
        currency="TRY", rate=Decimal("24000"), source="bank board", effective_at=at, actor=admin
    )
    assert again.pk == row.pk
    assert row.created_by == admin
    event = pghistory.models.Events.objects.references(row).get()
    assert event.pgh_context["user"] == admin.pk
    with pytest.raises(ValueError, match="different rate"):
        exchange_rate_record(currency="TRY", rate=Decimal("25000"), source="x", effective_at=at)
    with pytest.raises(ValueError, match="marketplace currency"):
        exchange_rate_record(currency="IRR", rate=Decimal("1"), source="x")
    with pytest.raises(ValueError, match="positive"):
        exchange_rate_record(currency="USD", rate=Decimal("0"), source="x")
    assert ExchangeRate.objects.count() == 1
