"""Date ranges typed in the Jalali calendar on the money screens, dates shown in it."""

from __future__ import annotations

from datetime import date

import jdatetime
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from i18n.formatting import date_format, to_persian_digits
from tests.finance.remittance_support import (
    at,
    bazaar_create,
    capture_post,
    fee_reversal_post,
    finance_user,
    orders_place,
)
from tests.finance.screens import merchant_staff_make, table_rows, world_build

pytestmark = pytest.mark.django_db

MONEY = "/dashboard/merchant/money/"
STATEMENT = "/finance/remittance/statement/"


def jalali(day: date, *, persian_digits: bool = True) -> str:
    text = jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")
    return to_persian_digits(text) if persian_digits else text


def persian(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fa"
    return client


@pytest.fixture
def novin(client, settings):
    world = world_build(settings)
    client.force_login(merchant_staff_make("staff-novin", world.novin))
    return client, world


def test_a_merchant_filters_the_statement_with_jalali_dates(novin):
    client, world = novin
    start = timezone.localtime(world.this_month).date()

    response = persian(client).get(MONEY, {"start": jalali(start), "end": jalali(start)})

    assert response.status_code == 200
    html = response.content.decode()
    rows = table_rows(html, "statement")
    assert len(rows) == 7  # the same lines as the ISO filter gives
    with translation.override("fa"):
        shown = date_format(start)
    assert {row[0] for row in rows} == {shown}
    assert "آذر" in shown or "۱۴" in shown  # a Jalali date in Persian digits
    # the filter shows what was typed back, as a Jalali text box
    assert f'value="{jalali(start)}"' in html
    assert 'type="text"' in html and 'name="start"' in html


def test_a_merchant_typing_latin_jalali_digits_gets_the_same(novin):
    client, world = novin
    start = timezone.localtime(world.this_month).date()
    response = persian(client).get(MONEY, {"start": jalali(start, persian_digits=False)})
    assert len(table_rows(response.content.decode(), "statement")) == 7


def test_a_jalali_day_that_does_not_exist_answers_400_naming_the_field(novin):
    client, _world = novin
    response = persian(client).get(MONEY, {"start": "1404/12/30"})
    assert response.status_code == 400
    assert "از: یک تاریخ معتبر به صورت سال/ماه/روز وارد کنید" in response.content.decode()


@pytest.fixture
def january(db):
    bazaar = bazaar_create()
    house_order, roastery_order = orders_place(
        [(bazaar.saffron, 2), (bazaar.rug, 1), (bazaar.pistachios, 3)]
    )
    capture_post([house_order, roastery_order], occurred_at=at(2025, 1, 10))
    fee_reversal_post(house_order, fee_minor=100_001, occurred_at=at(2025, 1, 25))
    client = Client()
    client.force_login(finance_user())
    return client


def test_the_municipal_statement_takes_a_jalali_period(january):
    # January 2025 is 12 Dey to 12 Bahman 1403; the end is not included
    by_month = january.get(STATEMENT, {"currency": "IRR", "month": "2025-01"})
    by_jalali = persian(january).get(
        STATEMENT, {"currency": "IRR", "start": "۱۴۰۳/۱۰/۱۲", "end": "1403/11/13"}
    )
    assert by_jalali.status_code == 200
    assert by_jalali.context["statement"].start == date(2025, 1, 1)
    assert by_jalali.context["statement"].total == by_month.context["statement"].total
    html = by_jalali.content.decode()
    assert "۱۴۰۳/۱۰/۱۲ – ۱۴۰۳/۱۱/۱۲" in html  # the period, last day included, in Jalali
    assert 'value="۱۴۰۳/۱۰/۱۲"' in html


def test_in_english_the_statement_period_stays_iso(january):
    response = january.get(
        STATEMENT, {"currency": "IRR", "start": "2025-01-01", "end": "2025-02-01"}
    )
    html = response.content.decode()
    assert "2025-01-01 – 2025-01-31" in html
    assert 'type="date"' in html
