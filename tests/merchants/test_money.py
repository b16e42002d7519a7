"""The merchant's Money page: balances, paid out, payouts and the statement, their own only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from finance.dashboard_format import amount_display, date_display
from marketplace.core.money import Money, format_money
from tests.finance.screens import (
    WORLD,
    capture_post,
    finance_make,
    merchant_staff_make,
    payout_post,
    purchase_make,
    release_post,
    snapshot,
    table_rows,
    user_make,
    world_build,
)

pytestmark = pytest.mark.django_db

URL = "/dashboard/merchant/money/"
CSV_URL = "/dashboard/merchant/money/statement.csv"


def irr(amount: int, locale: str = "en") -> str:
    return format_money(Money(amount, "IRR"), locale)


@pytest.fixture
def world(settings):
    return world_build(settings)


@pytest.fixture
def novin_client(client, world):
    client.force_login(merchant_staff_make("staff-novin", world.novin))
    return client


def test_urls():
    assert reverse("merchant_dashboard:money") == URL
    assert reverse("merchant_dashboard:money-statement-csv") == CSV_URL


# --- who sees what --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_dashboard_login(client):
    for url in (URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/dashboard/login/?next=")


@pytest.mark.parametrize("who", ["customer", "finance", "plain_staff"])
def test_users_without_a_merchant_get_403(client, world, who):
    users = {
        "customer": lambda: user_make("customer"),
        "finance": finance_make,
        "plain_staff": lambda: user_make("staff", is_staff=True),
    }
    client.force_login(users[who]())

    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403
    assert client.get(URL, {"merchant": world.novin.slug}).status_code == 403


def test_merchant_staff_see_their_own_merchant_and_never_another(client, world):
    client.force_login(merchant_staff_make("staff-vakil", world.vakil))

    own = client.get(URL)
    other = client.get(URL, {"merchant": world.novin.slug})
    other_csv = client.get(CSV_URL, {"merchant": world.novin.slug})

    assert own.status_code == 200
    assert own.context["merchant"] == world.vakil
    html = own.content.decode()
    assert world.orders["B1"].order.number in html
    assert world.orders["A1"].order.number not in html  # Novin's
    assert irr(WORLD["novin"]["pending"]) not in html
    assert other.status_code == 404
    assert other_csv.status_code == 404


def test_staff_of_two_merchants_switch_between_them(client, world):
    user = merchant_staff_make("staff-both", world.novin)
    world.golestan.partner.users.add(user)
    client.force_login(user)

    golestan = client.get(URL, {"merchant": world.golestan.slug})
    default = client.get(URL)

    assert golestan.context["merchant"] == world.golestan
    assert default.context["merchant"] in (world.novin, world.golestan)
    assert client.get(URL, {"merchant": world.vakil.slug}).status_code == 404


def test_superusers_choose_any_merchant(client, world):
    client.force_login(user_make("root", is_staff=True, is_superuser=True))

    chooser = client.get(URL)
    novin = client.get(URL, {"merchant": world.novin.slug})

    assert chooser.status_code == 200
    assert world.novin.name_en in chooser.content.decode()
    assert novin.status_code == 200
    assert novin.context["merchant"] == world.novin
    assert client.get(URL, {"merchant": "no-such-merchant"}).status_code == 404


def test_the_dashboard_menu_links_to_the_money_page(novin_client):
    html = novin_client.get(URL).content.decode()

    assert f'href="{URL}"' in html


# --- figures --------------------------------------------------------------------------------


def test_balances_and_paid_out_come_from_the_ledger(novin_client):
    response = novin_client.get(URL)

    assert response.status_code == 200
    balances = {b["kind"]: b["amount_minor"] for b in response.context["balances"]}
    assert balances == {
        "pending": WORLD["novin"]["pending"],
        "available": WORLD["novin"]["available"],
        "reserve": 0,
        "receivable": 0,
    }
    html = response.content.decode()
    assert irr(10_300_001) in html and irr(2_000_000) in html
    # 3M paid; the 1M payout that failed came back and is not counted
    assert response.context["paid_out"] == irr(WORLD["novin"]["paid_out"])


def test_the_statement_lists_entries_newest_first_with_running_balances(novin_client, world):
    html = novin_client.get(URL).content.decode()

    rows = table_rows(html, "statement")
    with translation.override("en"):
        this_day = date_display(timezone.localtime(world.this_month))
        last_day = date_display(timezone.localtime(world.last_month))
    a1, a2 = world.orders["A1"].order.number, world.orders["A2"].order.number
    assert rows == [
        [this_day, "Payout failed", "", "Available", irr(1_000_000), irr(2_000_000)],
        [this_day, "Payout", "", "Available", irr(-1_000_000), irr(1_000_000)],
        [this_day, "Payout", "", "Available", irr(-3_000_000), irr(2_000_000)],
        [this_day, "Hold released", a1, "Available", irr(5_000_000), irr(5_000_000)],
        [this_day, "Hold released", a1, "Pending", irr(-5_000_000), irr(10_300_001)],
        [this_day, "Refund", a1, "Pending", irr(-1_409_999), irr(15_300_001)],
        [this_day, "Payment captured", a2, "Pending", irr(4_830_000), irr(16_710_000)],
        [last_day, "Payment captured", a1, "Pending", irr(11_880_000), irr(11_880_000)],
    ]


def test_the_statement_filters_by_date_and_keeps_true_running_balances(novin_client, world):
    start = timezone.localtime(world.this_month).date()

    response = novin_client.get(URL, {"start": start.isoformat(), "end": start.isoformat()})

    rows = table_rows(response.content.decode(), "statement")
    assert len(rows) == 7  # last month's capture is left out
    # the balance after the oldest line shown still counts the capture before the period
    assert rows[-1][-1] == irr(16_710_000)
    before = novin_client.get(URL, {"end": (start - timedelta(days=1)).isoformat()})
    assert len(table_rows(before.content.decode(), "statement")) == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-13-45"}, "From: Enter a valid date."),
        ({"end": "yesterday"}, "To: Enter a valid date."),
        (
            {"start": "2025-03-10", "end": "2025-03-01"},
            "To: The end date is before the start date.",
        ),
        ({"currency": "XXX"}, "Currency: Select a valid choice."),
    ],
)
def test_bad_filters_answer_400_naming_the_field(novin_client, query, message):
    page = novin_client.get(URL, query)
    download = novin_client.get(CSV_URL, query)

    assert page.status_code == 400
    assert message in page.content.decode()
    assert download.status_code == 400
    assert message in download.content.decode()


def test_dates_typed_with_persian_digits_are_understood(novin_client, world):
    start = timezone.localtime(world.this_month).date().isoformat()
    persian = start.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    response = novin_client.get(URL, {"start": persian})

    assert response.status_code == 200
    assert len(table_rows(response.content.decode(), "statement")) == 7


def test_the_statement_csv_for_the_chosen_period(novin_client, world):
    start = timezone.localtime(world.this_month).date()

    response = novin_client.get(CSV_URL, {"start": start.isoformat()})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-{world.novin.slug}-IRR-{start.isoformat()}.csv"'
    )
    body = response.content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        "Date",
        "Account",
        "Transaction",
        "Order",
        "Amount",
        "Balance after",
        "Currency",
    ]
    a1, a2 = world.orders["A1"].order.number, world.orders["A2"].order.number
    when = timezone.localtime(world.this_month).strftime("%Y-%m-%d %H:%M")
    assert rows[1:] == [
        [when, "Available", "Payout failed", "", "1000000", "2000000", "IRR"],
        [when, "Available", "Payout", "", "-1000000", "1000000", "IRR"],
        [when, "Available", "Payout", "", "-3000000", "2000000", "IRR"],
        [when, "Available", "Hold released", a1, "5000000", "5000000", "IRR"],
        [when, "Pending", "Hold released", a1, "-5000000", "10300001", "IRR"],
        [when, "Pending", "Refund", a1, "-1409999", "15300001", "IRR"],
        [when, "Pending", "Payment captured", a2, "4830000", "16710000", "IRR"],
    ]


def test_the_csv_in_persian_keeps_machine_readable_amounts(novin_client):
    novin_client.post("/i18n/setlang/", {"language": "fa", "next": URL})

    body = novin_client.get(CSV_URL).content.decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 9
    assert rows[-1][4:] == ["11880000", "11880000", "IRR"]


def test_the_page_in_persian_shows_persian_digits(novin_client):
    novin_client.post("/i18n/setlang/", {"language": "fa", "next": URL})

    html = novin_client.get(URL).content.decode()

    assert irr(10_300_001, "fa") in html
    assert "۱۰٬۳۰۰٬۰۰۱" in irr(10_300_001, "fa")
    with translation.override("fa"):
        assert amount_display(3_000_000, "IRR") in html


def test_payouts_are_listed_with_their_status(novin_client, world):
    from settlement.models import Payout

    Payout.objects.create(
        merchant=world.novin, currency="IRR", amount_minor=3_000_000, status=Payout.Status.PAID
    )
    Payout.objects.create(
        merchant=world.novin,
        currency="IRR",
        amount_minor=1_000_000,
        status=Payout.Status.FAILED,
        reason="Payout account closed",
    )
    Payout.objects.create(
        merchant=world.vakil, currency="IRR", amount_minor=7_000_000, status=Payout.Status.PAID
    )

    rows = table_rows(novin_client.get(URL).content.decode(), "payouts")

    assert [row[1:] for row in rows] == [
        [irr(1_000_000), "Failed", "Payout account closed"],
        [irr(3_000_000), "Paid", ""],
    ]


# --- pages and queries ----------------------------------------------------------------------


def _more_entries(world, n: int) -> None:
    """``n`` more captures and releases for Novin (three statement lines each: the capture, and
    the release's pending and available legs)."""
    product = world.orders["A2"].order.lines.first().product
    product.stockrecords.update(num_in_stock=1_000)
    for i in range(n):
        (mo,) = purchase_make([(product, 1)], number=f"1009{i:02d}", buyer=world.buyer)
        capture_post(
            f"payment:99{i:02d}:captured",
            [snapshot(mo, {product.pk: (world.saffron, 100, 500, 0)})],
            world.this_month,
        )
        release_post(f"merchant-order:{mo.pk}:released", mo, 1_000, world.this_month)


def _queries(client, **query) -> int:
    client.get(URL, query)  # the first visit makes the visitor's basket
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, query).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_statement(novin_client, world):
    few = _queries(novin_client)

    _more_entries(world, 5)
    payout_post("payout:9:paid", world.novin, 1_000, world.this_month)
    many = _queries(novin_client)

    assert many == few
    assert many <= 25


def test_the_statement_is_paginated(novin_client, world, django_assert_max_num_queries):
    _more_entries(world, 16)  # 8 + 48 lines: a page of 50 and one of 6

    with django_assert_max_num_queries(25):
        first = novin_client.get(URL)
    second = novin_client.get(URL, {"page": 2})

    assert len(table_rows(first.content.decode(), "statement")) == 50
    last_page = table_rows(second.content.decode(), "statement")
    assert len(last_page) == 6
    assert last_page[-1][-1] == irr(11_880_000)  # the first capture, at the very end
    assert "page=2" in first.content.decode()
