"""Rates in the admin (a new row each time, audited) and the demo's illustrative rates."""

from __future__ import annotations

from decimal import Decimal

import pghistory.models
import pytest
from django.urls import reverse

from currencies.demo import RATES_IRR, SOURCE, currency_rates_load
from currencies.models import ExchangeRate
from marketplace.demo.services import DemoLoadResult
from tests.merchants.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="root@example.com", is_superuser=True, is_staff=True)
    client.force_login(admin)
    client.admin = admin
    return client


def test_an_administrator_adds_a_rate_and_the_audit_names_them(admin_client):
    response = admin_client.post(
        reverse("admin:currencies_exchangerate_add"),
        {
            "currency": "PKR",
            "base_currency": "IRR",
            "rate": "3550",
            "effective_at_0": "2026-11-29",
            "effective_at_1": "10:00:00",
            "source": "admin",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.rate, rate.created_by) == (
        "PKR",
        Decimal("3550"),
        admin_client.admin,
    )
    event = pghistory.models.Events.objects.references(rate).get()
    assert event.pgh_context["user"] == admin_client.admin.pk


def test_a_recorded_rate_is_not_edited_in_place(admin_client):
    rate = ExchangeRate.objects.create(
        currency="USD", base_currency="IRR", rate=Decimal("1000000"), source="admin"
    )
    url = reverse("admin:currencies_exchangerate_change", args=[rate.pk])
    assert admin_client.get(url).status_code == 200  # read-only view
    admin_client.post(url, {"currency": "USD", "base_currency": "IRR", "rate": "1", "source": "x"})
    rate.refresh_from_db()
    assert rate.rate == Decimal("1000000")


def test_the_demo_loads_illustrative_rates_once():
    first = DemoLoadResult()
    currency_rates_load(first)
    assert first.counts["exchange rates"]["created"] == len(RATES_IRR) == 8
    rows = ExchangeRate.objects.all()
    assert {row.currency for row in rows} == set(RATES_IRR)
    assert all(row.illustrative and row.source == SOURCE for row in rows)

    second = DemoLoadResult()
    currency_rates_load(second)
    assert second.counts["exchange rates"]["unchanged"] == 8
    assert not second.changed
    assert ExchangeRate.objects.count() == 8
