"""The /finance/remittance/ pages: who may see them, the statement, exports, marking remitted."""

from __future__ import annotations

import csv
import io
import re
import zlib

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from finance.models import Remittance
from ledger.models import Transaction
from marketplace.core.roles import (
    CUSTOMS_OFFICER,
    MERCHANT_STAFF,
    MUNICIPAL_STAFF,
    roles_ensure,
)
from tests.finance.remittance_support import (
    at,
    bazaar_create,
    capture_post,
    fee_payable_balance,
    fee_reversal_post,
    finance_user,
    orders_place,
)
from tests.merchants.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("finance:remittance-list")
STATEMENT = reverse("finance:remittance-statement")
RECORD = reverse("finance:remittance-record")
JANUARY = "?currency=IRR&month=2025-01"


def export(fmt: str) -> str:
    return reverse("finance:remittance-export", kwargs={"fmt": fmt})


@pytest.fixture
def january(db):
    bazaar = bazaar_create()
    house_order, roastery_order = orders_place(
        [(bazaar.saffron, 2), (bazaar.rug, 1), (bazaar.pistachios, 3)]
    )
    capture_post([house_order, roastery_order], occurred_at=at(2025, 1, 10))
    fee_reversal_post(house_order, fee_minor=100_001, occurred_at=at(2025, 1, 25))
    return bazaar


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _in_group(name: str):
    roles_ensure()
    user = UserFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def clerk(db):
    return finance_user()


# --- who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        STATEMENT + JANUARY,
        export("csv") + JANUARY,
        export("xlsx") + JANUARY,
        export("pdf") + JANUARY,
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(db, url):
    response = _client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("customer:login"))


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: UserFactory(),
        lambda: UserFactory(is_staff=True),
        lambda: _in_group(MERCHANT_STAFF),
        lambda: _in_group(CUSTOMS_OFFICER),
        lambda: _in_group(MUNICIPAL_STAFF),
    ],
    ids=["customer", "staff-flag", "merchant-staff", "customs-officer", "municipal-staff"],
)
@pytest.mark.parametrize(
    "url", [LIST, STATEMENT + JANUARY, export("csv") + JANUARY, export("pdf") + JANUARY]
)
def test_everyone_but_finance_staff_is_refused(db, make_user, url):
    assert _client(make_user()).get(url).status_code == 403


@pytest.mark.parametrize(
    "make_user",
    [lambda: _in_group(MUNICIPAL_STAFF), lambda: UserFactory()],
    ids=["municipal", "customer"],
)
def test_others_cannot_mark_a_period_remitted(january, make_user):
    response = _client(make_user()).post(
        RECORD,
        {
            "currency": "IRR",
            "period_start": "2025-01-01",
            "period_end": "2025-02-01",
            "bank_reference": "SATNA-1",
        },
    )
    assert response.status_code == 403
    assert not Remittance.objects.exists()


@pytest.mark.parametrize(
    "make_user",
    [lambda: finance_user(), lambda: UserFactory(is_superuser=True, is_staff=True)],
    ids=["finance", "superuser"],
)
def test_finance_staff_and_superusers_see_the_pages(january, make_user):
    client = _client(make_user())
    for url in (LIST, STATEMENT + JANUARY):
        assert client.get(url).status_code == 200
    for fmt in ("csv", "xlsx", "pdf"):
        assert client.get(export(fmt) + JANUARY).status_code == 200


# --- the pages -------------------------------------------------------------------------------


def test_the_list_shows_each_month_with_its_outstanding_amount(january, clerk):
    response = _client(clerk).get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="month-2025-01"' in html and 'id="month-2024-12"' not in html
    january_row = html.split('id="month-2025-01"', 1)[1].split("</tr>", 1)[0]
    assert "IRR900,000" in january_row  # collected
    assert "IRR100,001" in january_row  # refunded
    assert january_row.count("IRR799,999") == 2  # net and outstanding
    assert "currency=IRR&amp;start=2025-01-01&amp;end=2025-02-01" in january_row


def test_the_statement_page_shows_merchants_categories_and_the_remit_form(january, clerk):
    response = _client(clerk).get(STATEMENT + JANUARY)

    html = response.content.decode()
    assert "خانه زعفران نوین" in html and "Novin Saffron House" in html
    assert "Carpets" in html and "فرش" in html
    assert 'id="net-total">IRR799,999<' in html
    assert 'id="remit-form"' in html and "csrfmiddlewaretoken" in html
    assert f'action="{RECORD}"' in html
    for fmt in ("csv", "xlsx", "pdf"):
        assert f'href="{export(fmt)}?currency=IRR&amp;start=2025-01-01&amp;end=2025-02-01"' in html


def test_the_statement_defaults_to_last_month(db, clerk):
    response = _client(clerk).get(STATEMENT)
    assert response.status_code == 200
    statement = response.context["statement"]
    assert statement.start.day == 1 and statement.end.day == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?currency=IRR&month=2025-13", "month"),
        ("?currency=IRR&month=January", "month"),
        ("?currency=IRR&start=2025-02-01&end=2025-01-01", "end"),
        ("?currency=IRR&start=2025-01-01", "end"),
        ("?currency=IRR&end=2025-01-01", "start"),
        ("?currency=IRR&start=yesterday&end=2025-01-01", "start"),
        ("?currency=XYZ&month=2025-01", "currency"),
    ],
)
def test_a_bad_period_is_answered_400_naming_the_field(db, clerk, query, field):
    client = _client(clerk)
    for url in (STATEMENT + query, export("csv") + query):
        response = client.get(url)
        assert response.status_code == 400
        assert f'id="error-{field}"' in response.content.decode()
        assert field in response.context["form"].errors


def test_a_month_and_dates_together_are_refused(db, clerk):
    response = _client(clerk).get(
        STATEMENT + "?currency=IRR&month=2025-01&start=2025-01-01&end=2025-02-01"
    )
    assert response.status_code == 400
    assert 'id="period-errors"' in response.content.decode()


def test_an_unknown_export_format_is_404(db, clerk):
    assert _client(clerk).get(export("docx") + JANUARY).status_code == 404


# --- exports through the views ---------------------------------------------------------------


def test_the_exports_download_with_the_right_types_and_names(january, clerk):
    client = _client(clerk)
    name = "municipal-fees-IRR-2025-01-01-2025-02-01"

    csv_response = client.get(export("csv") + JANUARY)
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == f'attachment; filename="{name}.csv"'
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[-1]["net_minor"] == "799999"

    xlsx_response = client.get(export("xlsx") + JANUARY)
    assert xlsx_response["Content-Disposition"] == f'attachment; filename="{name}.xlsx"'
    sheet = load_workbook(io.BytesIO(xlsx_response.content))["Statement"]
    assert sheet.cell(row=sheet.max_row, column=8).value == 799_999

    pdf_response = client.get(export("pdf") + JANUARY, HTTP_ACCEPT_LANGUAGE="fa")
    assert pdf_response["Content-Type"] == "application/pdf"
    assert pdf_response.content.startswith(b"%PDF-")
    objects = [
        zlib.decompress(raw)
        for raw in re.findall(rb"stream\n(.*?)\nendstream", pdf_response.content, re.S)
    ]
    assert any(b"/Lang (fa)" in data for data in objects)  # Accept-Language: fa -> Persian PDF


# --- marking a period remitted ---------------------------------------------------------------


def _remit(client, **overrides):
    data = {
        "currency": "IRR",
        "period_start": "2025-01-01",
        "period_end": "2025-02-01",
        "bank_reference": "SATNA-1403-0042",
        **overrides,
    }
    return client.post(RECORD, data)


def test_marking_january_remitted_records_it_and_returns_to_the_statement(january, clerk):
    client = _client(clerk)

    response = _remit(client)

    assert response.status_code == 302
    assert response["Location"] == f"{STATEMENT}?currency=IRR&start=2025-01-01&end=2025-02-01"
    remittance = Remittance.objects.get()
    assert (remittance.amount_minor, remittance.bank_reference, remittance.remitted_by) == (
        799_999,
        "SATNA-1403-0042",
        clerk,
    )
    assert fee_payable_balance() == 0
    page = client.get(response["Location"]).content.decode()
    assert "SATNA-1403-0042" in page and 'id="remit-form"' not in page
    listing = client.get(LIST).content.decode()
    january_row = listing.split('id="month-2025-01"', 1)[1].split("</tr>", 1)[0]
    assert "IRR799,999" in january_row and "IRR0" in january_row  # remitted, nothing outstanding


def test_a_double_submit_records_once(january, clerk):
    client = _client(clerk)
    assert _remit(client).status_code == 302
    transactions = Transaction.objects.count()

    again = _remit(client)

    assert again.status_code == 302
    assert Remittance.objects.count() == 1 and Transaction.objects.count() == transactions


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"bank_reference": ""}, "bank_reference"),
        ({"bank_reference": "R" * 65}, "bank_reference"),
        ({"period_start": "not-a-date"}, "period_start"),
        ({"period_end": "2024-12-01"}, "period_end"),
    ],
)
def test_bad_remittance_input_is_answered_400_naming_the_field(january, clerk, overrides, field):
    response = _remit(_client(clerk), **overrides)

    assert response.status_code == 400
    assert field in response.context["remit_form"].errors
    assert not Remittance.objects.exists()
    assert fee_payable_balance() == 799_999


def test_an_overlapping_period_is_refused_on_the_page(january, clerk):
    client = _client(clerk)
    _remit(client)

    response = _remit(client, period_start="2025-01-15", period_end="2025-02-15")

    assert response.status_code == 400
    assert "period_start" in response.context["remit_form"].errors
    assert Remittance.objects.count() == 1


def test_a_period_with_nothing_to_remit_shows_no_form_and_is_refused(db, clerk):
    client = _client(clerk)
    page = client.get(STATEMENT + "?currency=IRR&month=2025-03").content.decode()
    assert 'id="remit-form"' not in page

    response = _remit(client, period_start="2025-03-01", period_end="2025-04-01")

    assert response.status_code == 400
    assert 'id="remit-errors"' in response.content.decode()
    assert not Remittance.objects.exists()


def test_the_record_view_requires_post_and_csrf(january, clerk):
    assert _client(clerk).get(RECORD).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk)
    assert _remit(strict).status_code == 403
    assert not Remittance.objects.exists()


def test_the_persian_statement_page_shows_persian_digits(january, clerk):
    response = _client(clerk).get(STATEMENT + JANUARY, HTTP_ACCEPT_LANGUAGE="fa")
    assert "۷۹۹٬۹۹۹" in response.content.decode()


def test_the_statement_page_does_not_grow_queries_with_orders(january, clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(clerk)
    client.get(STATEMENT + JANUARY)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(STATEMENT + JANUARY)
    for day in range(11, 16):
        capture_post(
            orders_place([(january.saffron, 1), (january.pistachios, 1)]),
            occurred_at=at(2025, 1, day),
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(STATEMENT + JANUARY)
    assert response.context["statement"].total.orders == 2 + 10
    assert len(many.captured_queries) == len(few.captured_queries)
