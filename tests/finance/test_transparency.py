"""The public transparency page at /transparency/: city fees and orders per month, no one named."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from finance.dashboard_format import amount_display, count_display, month_display
from marketplace.core.money import Money, format_money
from tests.finance.screens import (
    BUYER_EMAIL,
    BUYER_FIRST,
    BUYER_LAST,
    WORLD,
    capture_post,
    finance_make,
    merchant_staff_make,
    purchase_make,
    snapshot,
    table_rows,
    user_make,
    world_build,
)

pytestmark = pytest.mark.django_db

URL = "/transparency/"


def irr(amount: int, locale: str = "en") -> str:
    return format_money(Money(amount, "IRR"), locale)


@pytest.fixture
def world(settings):
    return world_build(settings)


def test_the_page_is_at_transparency():
    assert reverse("transparency:index") == URL


@pytest.mark.parametrize("who", ["anonymous", "customer", "merchant_staff", "finance", "superuser"])
def test_anyone_may_read_it(client, who):
    from tests.merchants.factories import MerchantFactory

    users = {
        "customer": lambda: user_make("customer"),
        "merchant_staff": lambda: merchant_staff_make("staff", MerchantFactory()),
        "finance": finance_make,
        "superuser": lambda: user_make("root", is_staff=True, is_superuser=True),
    }
    if who != "anonymous":
        client.force_login(users[who]())

    response = client.get(URL)

    assert response.status_code == 200


def test_fees_and_orders_per_month_and_the_totals(world, client):
    html = client.get(URL).content.decode()

    rows = table_rows(html, "table-months")
    assert len(rows) == 13  # twelve months and the total row
    with translation.override("en"):
        last_label, this_label = month_display(world.last_month), month_display(world.this_month)
    assert rows[-3] == [last_label, irr(WORLD["collected"]["last"]), "2"]
    assert rows[-2] == [this_label, irr(WORLD["collected"]["this"]), "2"]
    assert rows[-1] == ["Total", irr(WORLD["collected_total"]), str(WORLD["orders_total"])]
    assert all(row[1:] == [irr(0), "0"] for row in rows[:-3])
    assert table_rows(html, "table-categories") == [
        [name, irr(amount)] for name, amount in WORLD["categories"]
    ]


def test_no_personal_data_and_no_merchant_is_named(world, client):
    html = client.get(URL).content.decode()

    for secret in (BUYER_EMAIL, BUYER_FIRST, BUYER_LAST, "parvin", "Ferdowsi Blvd"):
        assert secret.lower() not in html.lower()
    for merchant in (world.novin, world.vakil, world.golestan):
        assert merchant.name_en not in html
        assert merchant.name_fa not in html
    for mo in world.orders.values():
        assert mo.order.number not in html


def test_the_page_in_persian_has_persian_digits_and_runs_right_to_left(world, client):
    client.post("/i18n/setlang/", {"language": "fa", "next": URL})

    html = client.get(URL).content.decode()

    assert 'lang="fa" dir="rtl"' in html
    rows = table_rows(html, "table-months")
    with translation.override("fa"):
        assert rows[-2] == [
            month_display(world.this_month),
            amount_display(WORLD["collected"]["this"], "IRR"),
            count_display(2),
        ]
        assert rows[-1][1:] == [
            amount_display(WORLD["collected_total"], "IRR"),
            count_display(WORLD["orders_total"]),
        ]
    assert rows[-1][2] == "۴"
    assert irr(509_999, "fa").endswith("۵۰۹٬۹۹۹")
    assert "آجیل" in html  # the category in Persian
    assert not re.search(r"[0-9]", "".join(rows[-1][1:]))


def test_the_page_in_english(world, client):
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'lang="en" dir="ltr"' in html
    assert "City fee transparency" in html
    assert irr(WORLD["collected_total"]) == "IRR509,999"
    assert "IRR509,999" in html


def test_chart_js_comes_from_our_static_files(world, client):
    html = client.get(URL).content.decode()

    assert '<script src="/static/vendor/chart.js/chart.umd.min.js"></script>' in html
    assert '<script src="/static/finance/dashboard.js"></script>' in html
    assert Path(finders.find("vendor/chart.js/chart.umd.min.js")).is_file()
    found = re.search(
        r'<script id="chart-fees-by-month" type="application/json">(.*?)</script>', html
    )
    spec = json.loads(found.group(1))
    assert spec["datasets"][0]["data"][-2:] == ["420000", "89999"]
    orders = re.search(
        r'<script id="chart-orders-by-month" type="application/json">(.*?)</script>', html
    )
    assert json.loads(orders.group(1))["datasets"][0]["data"][-2:] == ["2", "2"]


def test_cached_figures_are_served_without_reading_the_ledger_entries(world, client):
    client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200

    assert not [q for q in queries if "ledger_entry" in q["sql"]]


def test_a_new_order_shows_at_once(world, client):
    client.get(URL)  # cached now
    product = world.orders["C2"].order.lines.first().product
    (mo,) = purchase_make([(product, 1)], number="100400", buyer=world.buyer)
    capture_post(
        "payment:903:captured",
        [snapshot(mo, {product.pk: (world.nuts, 100, 500, 0)})],
        world.this_month,
    )

    rows = table_rows(client.get(URL).content.decode(), "table-months")

    assert rows[-2][1:] == [irr(WORLD["collected"]["this"] + 20_000), "3"]
    assert rows[-1][1:] == [irr(WORLD["collected_total"] + 20_000), "5"]


def test_an_empty_ledger_shows_zeros(client):
    html = client.get(URL).content.decode()

    rows = table_rows(html, "table-months")
    assert rows[-1] == ["Total", irr(0), "0"]
    assert table_rows(html, "table-categories") == [["No city fees collected yet."]]


def test_only_get_is_allowed(client):
    assert client.post(URL).status_code == 405
