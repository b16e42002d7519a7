"""The municipal finance dashboard at /finance/: who may open it and the exact figures it shows."""

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
from marketplace.core.roles import MUNICIPAL_STAFF
from tests.finance.screens import (
    WORLD,
    capture_post,
    finance_make,
    merchant_staff_make,
    month_key,
    snapshot,
    table_rows,
    user_make,
    world_build,
)

pytestmark = pytest.mark.django_db

URL = "/finance/"


def irr(amount: int, locale: str = "en") -> str:
    return format_money(Money(amount, "IRR"), locale)


@pytest.fixture
def world(settings):
    return world_build(settings)


@pytest.fixture
def finance_client(client):
    client.force_login(finance_make())
    return client


def test_the_dashboard_is_at_finance_root():
    assert reverse("finance:dashboard") == URL


# --- who may open it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("customer", 403),
        ("merchant_staff", 403),
        ("municipal_staff", 403),
        ("customs_like_staff", 403),
        ("finance", 200),
        ("superuser", 200),
    ],
)
def test_only_finance_staff_and_superusers_open_the_dashboard(client, who, status):
    from tests.merchants.factories import MerchantFactory

    users = {
        "customer": lambda: user_make("customer"),
        "merchant_staff": lambda: merchant_staff_make("staff", MerchantFactory()),
        "municipal_staff": lambda: user_make("municipal", groups=[MUNICIPAL_STAFF], is_staff=True),
        "customs_like_staff": lambda: user_make("plain-staff", is_staff=True),
        "finance": finance_make,
        "superuser": lambda: user_make("root", is_staff=True, is_superuser=True),
    }
    client.force_login(users[who]())

    response = client.get(URL)

    assert response.status_code == status


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/finance/")


def test_an_inactive_finance_officer_is_refused(client):
    officer = finance_make()
    officer.is_active = False
    officer.save()
    client.force_login(officer)

    # An inactive user's session no longer authenticates them: the login page.
    assert client.get(URL).status_code == 302


# --- figures --------------------------------------------------------------------------------


def test_headline_figures_are_the_ledger_balances_and_this_months_fees(world, finance_client):
    response = finance_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    expected = {
        "fees-this-month": WORLD["collected"]["this"],
        "fees-outstanding": WORLD["fees_outstanding"],
        "commission": WORLD["commission"],
        "vat-payable": WORLD["vat_payable"],
        "duties-payable": WORLD["duties_payable"],
        "processor-balance": WORLD["processor"],
        "merchants-pending": WORLD["merchants_pending"],
        "merchants-available": WORLD["merchants_available"],
    }
    shown = {h["id"]: h["amount_minor"] for h in response.context["headlines"]}
    assert shown == expected
    for key, amount in expected.items():
        card = re.search(rf'id="headline-{key}".*?finance-amount">([^<]*)<', html, re.S)
        assert card is not None, key
        assert card.group(1) == irr(amount), key


def test_fees_collected_and_remitted_per_month_for_the_last_twelve_months(world, finance_client):
    html = finance_client.get(URL).content.decode()

    rows = table_rows(html, "table-fees-by-month")
    assert len(rows) == 12
    with translation.override("en"):
        last_label = month_display(world.last_month)
        this_label = month_display(world.this_month)
    assert rows[-2] == [
        last_label,
        irr(WORLD["collected"]["last"]),
        irr(WORLD["remitted"]["last"]),
        "2",
    ]
    assert rows[-1] == [
        this_label,
        irr(WORLD["collected"]["this"]),
        irr(WORLD["remitted"]["this"]),
        "2",
    ]
    # the ten months before hold nothing (the order of thirteen months ago is outside)
    assert all(row[1:] == [irr(0), irr(0), "0"] for row in rows[:-2])
    assert f'data-month="{month_key(world.this_month)}"' in html


def test_fees_by_category_add_up_to_the_collected_total_to_the_rial(world, finance_client):
    response = finance_client.get(URL)

    rows = table_rows(response.content.decode(), "table-fees-by-category")
    assert rows == [[name, irr(amount)] for name, amount in WORLD["categories"]]
    assert sum(amount for _name, amount in WORLD["categories"]) == WORLD["collected_total"]


def test_top_merchants_by_fees_and_by_sales(world, finance_client):
    by_fees = table_rows(finance_client.get(URL).content.decode(), "table-top-merchants")
    by_sales = table_rows(
        finance_client.get(URL, {"top": "sales"}).content.decode(), "table-top-merchants"
    )

    assert by_fees == [
        [str(n), name, irr(fees), irr(sales)]
        for n, (name, fees, sales) in enumerate(WORLD["top"], start=1)
    ]
    # sales rank the same three the same way here; the chart then plots sales
    assert [row[1] for row in by_sales] == [name for name, _f, _s in WORLD["top"]]


def test_the_charts_data_are_the_tables_figures(world, finance_client):
    html = finance_client.get(URL).content.decode()

    def chart(chart_id):
        found = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html)
        assert found, chart_id
        return json.loads(found.group(1))

    months = chart("chart-fees-by-month")
    assert months["type"] == "bar"
    assert len(months["labels"]) == 12
    collected, remitted = months["datasets"]
    assert collected["data"][-2:] == ["420000", "89999"]
    assert remitted["data"][-2:] == ["0", "400000"]
    categories = chart("chart-fees-by-category")
    assert categories["labels"] == ["Carpets", "Saffron", "Nuts"]
    assert categories["datasets"][0]["data"] == ["300000", "123749", "86250"]
    top = chart("chart-top-merchants")
    assert top["indexAxis"] == "y"
    assert top["labels"] == [name for name, _f, _s in WORLD["top"]]


def test_chart_js_is_the_vendored_file_and_no_script_is_inline(world, finance_client):
    html = finance_client.get(URL).content.decode()

    assert '<script src="/static/vendor/chart.js/chart.umd.min.js"></script>' in html
    assert '<script src="/static/finance/dashboard.js"></script>' in html
    assert "cdn" not in re.findall(r'<script src="([^"]*chart[^"]*)"', html)[0]
    vendored = Path(finders.find("vendor/chart.js/chart.umd.min.js"))
    assert vendored.is_file()
    assert vendored.read_text()[:200].find("Chart.js v4.6.1") != -1
    drawer = Path(finders.find("finance/dashboard.js"))
    assert "new window.Chart(" in drawer.read_text()
    # our page adds no inline script that draws charts (a strict CSP can allow the file alone)
    assert "new Chart" not in html and "new window.Chart" not in html


def test_links_to_remittance_fee_rules_and_reconciliation(world, finance_client):
    html = finance_client.get(URL).content.decode()

    assert 'id="link-remittance" href="/finance/remittance/"' in html
    assert 'id="link-fees" href="/finance/fees/"' in html
    assert 'id="link-reconciliation" href="/finance/reconciliation/"' in html


def test_persian_figures_use_persian_digits(world, finance_client):
    finance_client.post("/i18n/setlang/", {"language": "fa", "next": URL})

    response = finance_client.get(URL)

    html = response.content.decode()
    assert 'lang="fa" dir="rtl"' in html
    assert irr(WORLD["commission"], "fa") in html
    assert "۴٬۰۵۰٬۰۰۰" in irr(WORLD["commission"], "fa")
    rows = table_rows(html, "table-fees-by-month")
    with translation.override("fa"):
        assert rows[-1] == [
            month_display(world.this_month),
            amount_display(WORLD["collected"]["this"], "IRR"),
            amount_display(WORLD["remitted"]["this"], "IRR"),
            count_display(2),
        ]
    assert rows[-1][3] == "۲"


def test_a_new_capture_shows_at_once(world, finance_client, settings):
    finance_client.get(URL)  # fills the cache
    rates = {
        line.product_id: (world.nuts, 100, 500, 0) for line in world.orders["C2"].order.lines.all()
    }
    from tests.finance.screens import purchase_make

    product = world.orders["C2"].order.lines.first().product
    (extra,) = purchase_make([(product, 1)], number="100400", buyer=world.buyer)
    capture_post("payment:903:captured", [snapshot(extra, rates)], world.this_month)

    response = finance_client.get(URL)

    this_month = table_rows(response.content.decode(), "table-fees-by-month")[-1]
    assert this_month[1] == irr(WORLD["collected"]["this"] + 20_000)
    assert this_month[3] == "3"


def test_bad_filter_values_answer_400_naming_the_field(world, finance_client):
    response = finance_client.get(URL, {"top": "profit", "currency": "XXX"})

    assert response.status_code == 400
    errors = response.content.decode()
    assert "Top merchants by: Select a valid choice." in errors
    assert "Currency: Select a valid choice." in errors


def _queries(client) -> int:
    """Queries of one uncached dashboard (after a first visit: Oscar makes the visitor's basket
    on the first request)."""
    from django.core.cache import cache

    client.get(URL)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_ledger(world, finance_client):
    few = _queries(finance_client)
    product = world.orders["C2"].order.lines.first().product
    rates = {product.pk: (world.nuts, 100, 500, 0)}
    from tests.finance.screens import purchase_make

    for n in range(4):
        (mo,) = purchase_make([(product, 1)], number=f"1005{n:02d}", buyer=world.buyer)
        capture_post(f"payment:95{n}:captured", [snapshot(mo, rates)], world.this_month)

    many = _queries(finance_client)

    assert many == few
    assert many <= 20


def test_a_cached_dashboard_reads_no_entries(world, finance_client):
    finance_client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        finance_client.get(URL)

    # only the latest transaction id (the cache key) and the currencies are read
    assert not [q["sql"] for q in queries if "ledger_entry" in q["sql"]]
    assert [q["sql"] for q in queries if "max(id)" in q["sql"]]
