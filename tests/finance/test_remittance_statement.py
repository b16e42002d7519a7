"""The municipal fees statement: by merchant and category, from the ledger, in Tehran dates."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.remittance.periods import today_tehran
from finance.remittance.selectors import (
    ALLOCATION_SQL,
    municipal_fees_by_month,
    municipal_fees_net,
    municipal_fees_statement,
)
from ledger.models import TransactionKind
from ledger.services import transaction_reverse
from marketplace.core.money import CurrencyError, allocate_minor
from tests.finance.remittance_support import (
    CURRENCY,
    at,
    bazaar_create,
    capture_post,
    fee_reversal_post,
    fees_of,
    orders_place,
)

pytestmark = pytest.mark.django_db

JANUARY = {"start": date(2025, 1, 1), "end": date(2025, 2, 1), "currency": CURRENCY}


@pytest.fixture
def bazaar(db):
    return bazaar_create()


def _lines(statement):
    return {
        (line.merchant_name_en, line.category_name_en): (
            line.orders,
            line.collected_minor,
            line.refunded_minor,
            line.net_minor,
        )
        for line in statement.lines
    }


def test_a_month_statement_splits_each_merchants_fees_by_category_with_refunds(bazaar):
    # Given two purchases captured in January: the saffron house sells saffron and a rug in one
    # order and saffron alone in another; the roastery sells pistachios
    first = orders_place([(bazaar.saffron, 2), (bazaar.rug, 1), (bazaar.pistachios, 3)])
    capture_post(first, occurred_at=at(2025, 1, 10))
    second = orders_place([(bazaar.saffron, 1)])
    capture_post(second, occurred_at=at(2025, 1, 20))
    house_order, roastery_order = first
    assert fees_of(house_order)["municipal"] == 180_000 + 600_000  # 2% of 9M and of 30M
    assert fees_of(roastery_order)["municipal"] == 120_000  # 2% of 6M
    # and a partial refund of the house's first order giving back 100,001 rials of city fee
    fee_reversal_post(house_order, fee_minor=100_001, occurred_at=at(2025, 1, 25))

    # When the finance staff read January's statement
    statement = municipal_fees_statement(**JANUARY)

    # Then the refund is split 180,000 : 600,000 by largest remainder (23,077.15 / 76,923.85)
    assert _lines(statement) == {
        ("Novin Saffron House", "Carpets"): (1, 600_000, 76_924, 523_076),
        ("Novin Saffron House", "Saffron"): (2, 180_000 + 90_000, 23_077, 246_923),
        ("Golestan Pistachio Roastery", "Nuts"): (1, 120_000, 0, 120_000),
    }
    assert [line.merchant_name_en for line in statement.lines] == [
        "Golestan Pistachio Roastery",
        "Novin Saffron House",
        "Novin Saffron House",
    ]
    # and the Persian names come with them
    assert {line.merchant_name_fa for line in statement.lines} == {
        "خانه زعفران نوین",
        "بوجاری پسته گلستان",
    }
    assert {line.category_name_fa for line in statement.lines} == {"زعفران", "فرش", "آجیل"}
    # and the subtotals and the total add up, counting each order once
    merchants = {line.merchant_name_en: line for line in statement.merchants}
    assert (
        merchants["Novin Saffron House"].orders,
        merchants["Novin Saffron House"].net_minor,
    ) == (
        2,
        870_000 - 100_001,
    )
    categories = {line.category_name_en: line.net_minor for line in statement.categories}
    assert categories == {"Carpets": 523_076, "Nuts": 120_000, "Saffron": 246_923}
    total = statement.total
    assert (total.orders, total.collected_minor, total.refunded_minor, total.net_minor) == (
        3,
        990_000,
        100_001,
        889_999,
    )
    # and the net is what the ledger's municipal fee account gained in January
    assert municipal_fees_net(**JANUARY) == 889_999


def test_the_category_frozen_in_the_fee_snapshot_wins_over_the_products_current_one(bazaar):
    # Given a city-fee rule scoped to carpets (so the fee engine records every line's category)
    from fees.models import FeeKind, FeePayer, FeeRule

    FeeRule.objects.create(
        kind=FeeKind.MUNICIPAL_FEE,
        category=bazaar.carpets,
        rate_bp=200,
        payer=FeePayer.MERCHANT,
        currency=CURRENCY,
        valid_from=at(2020, 1, 1),
    )
    orders = orders_place([(bazaar.rug, 1), (bazaar.saffron, 1)])
    capture_post(orders, occurred_at=at(2025, 1, 10))
    # When the rug is later filed under saffron
    bazaar.rug.categories.set([bazaar.saffron_category])

    # Then January's statement still shows the rug's fee under carpets
    statement = municipal_fees_statement(**JANUARY)
    assert {line.category_name_en: line.collected_minor for line in statement.lines} == {
        "Carpets": 600_000,
        "Saffron": 90_000,
    }


def test_periods_are_tehran_dates_half_open(bazaar):
    # Given a capture at 23:30 on 31 January and one at 00:10 on 1 February, Tehran time (both
    # still 31 January in UTC)
    late = orders_place([(bazaar.pistachios, 1)])
    capture_post(late, occurred_at=at(2025, 1, 31, 23, 30))
    early = orders_place([(bazaar.pistachios, 2)])
    capture_post(early, occurred_at=at(2025, 2, 1, 0, 10))

    # Then January has the first and February the second
    assert municipal_fees_statement(**JANUARY).total.collected_minor == 40_000
    february = municipal_fees_statement(
        start=date(2025, 2, 1), end=date(2025, 3, 1), currency="IRR"
    )
    assert february.total.collected_minor == 80_000
    # and the last day of January alone is [31 Jan, 1 Feb)
    assert municipal_fees_net(start=date(2025, 1, 31), end=date(2025, 2, 1), currency="IRR") == (
        40_000
    )


def test_disputes_lost_and_reversals_count_as_refunded_and_other_currencies_are_apart(bazaar):
    # Given one captured order, a lost dispute giving back 10,000 of its fee, and a second
    # order whose capture was reversed (a correction) the same month
    (order,) = orders_place([(bazaar.pistachios, 1)])
    capture_post([order], occurred_at=at(2025, 1, 5))
    fee_reversal_post(
        order, fee_minor=10_000, occurred_at=at(2025, 1, 6), kind=TransactionKind.DISPUTE_LOST
    )
    (mistake,) = orders_place([(bazaar.pistachios, 2)])
    posted = capture_post([mistake], occurred_at=at(2025, 1, 7))
    transaction_reverse(original=posted, key="correction:1")

    # Then January collected both orders' fees (40,000 and 80,000) and gave back 10,000; the
    # reversal belongs to today, when it was posted
    january = municipal_fees_statement(**JANUARY)
    assert (january.total.collected_minor, january.total.refunded_minor) == (120_000, 10_000)
    today = today_tehran()
    whole = municipal_fees_statement(
        start=date(2025, 1, 1), end=date(today.year + 1, 1, 1), currency="IRR"
    )
    assert (whole.total.collected_minor, whole.total.refunded_minor) == (120_000, 10_000 + 80_000)
    assert whole.total.net_minor == 30_000
    assert whole.total.orders == 2
    # and nothing in US dollars
    dollars = municipal_fees_statement(start=date(2025, 1, 1), end=date(2025, 2, 1), currency="USD")
    assert dollars.lines == () and dollars.total.net_minor == 0


def test_an_empty_period_has_zero_totals_and_no_lines(db):
    statement = municipal_fees_statement(**JANUARY)
    assert statement.lines == statement.merchants == statement.categories == ()
    assert (statement.total.orders, statement.total.net_minor) == (0, 0)
    assert statement.last_day == date(2025, 1, 31)


def test_fees_of_orders_without_snapshot_or_merchant_order_are_reported_unattributed(bazaar):
    # Given a capture leg on the fee account with no merchant order (a manual correction)
    from ledger.models import AccountKind, Party
    from ledger.services import Leg, account_get, transaction_post

    fee = account_get(party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE, currency="IRR")
    bank = account_get(party=Party.PLATFORM, kind=AccountKind.BANK, currency="IRR")
    transaction_post(
        key="manual:1",
        kind=TransactionKind.OTHER,
        legs=[Leg(bank, 5_000), Leg(fee, -5_000)],
        occurred_at=at(2025, 1, 3),
    )

    statement = municipal_fees_statement(**JANUARY)

    (line,) = statement.lines
    assert (line.merchant_id, line.category_id, line.collected_minor, line.orders) == (
        None,
        None,
        5_000,
        0,
    )
    assert statement.total.net_minor == 5_000


def test_the_statement_is_one_query_however_many_orders(bazaar, django_assert_num_queries):
    capture_post(
        orders_place([(bazaar.saffron, 1), (bazaar.pistachios, 1)]), occurred_at=at(2025, 1, 2)
    )
    with django_assert_num_queries(1):
        few = municipal_fees_statement(**JANUARY)
    for day in range(3, 9):
        capture_post(
            orders_place([(bazaar.saffron, 1), (bazaar.rug, 1), (bazaar.pistachios, 1)]),
            occurred_at=at(2025, 1, day),
        )
    with django_assert_num_queries(1):
        many = municipal_fees_statement(**JANUARY)
    assert (few.total.orders, many.total.orders) == (2, 14)
    with django_assert_num_queries(2):
        months = municipal_fees_by_month(
            start=date(2024, 11, 1), end=date(2025, 3, 1), currency="IRR"
        )
    assert [m.month for m in months] == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]


def test_by_month_sums_to_the_statement_of_the_whole_range(bazaar):
    (order,) = orders_place([(bazaar.rug, 1)])
    capture_post([order], occurred_at=at(2025, 1, 15))
    fee_reversal_post(order, fee_minor=50_000, occurred_at=at(2025, 2, 3))
    capture_post(orders_place([(bazaar.saffron, 1)]), occurred_at=at(2025, 3, 31, 23, 59))

    months = municipal_fees_by_month(start=date(2025, 1, 1), end=date(2025, 4, 1), currency="IRR")

    assert [
        (m.month, m.collected_minor, m.refunded_minor, m.net_minor, m.orders) for m in months
    ] == [
        (date(2025, 1, 1), 600_000, 0, 600_000, 1),
        (date(2025, 2, 1), 0, 50_000, -50_000, 0),
        (date(2025, 3, 1), 90_000, 0, 90_000, 1),
    ]
    whole = municipal_fees_statement(start=date(2025, 1, 1), end=date(2025, 4, 1), currency="IRR")
    assert sum(m.net_minor for m in months) == whole.total.net_minor == 640_000
    assert all(m.remitted_minor == 0 and m.outstanding_minor == m.net_minor for m in months)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": date(2025, 2, 1), "end": date(2025, 1, 1)}, "end"),
        ({"start": date(2025, 1, 1), "end": date(2025, 1, 1)}, "end"),
        ({"start": "2025-01-01", "end": date(2025, 2, 1)}, "start"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(db, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        municipal_fees_statement(currency="IRR", **kwargs)
    assert set(caught.value.error_dict) == {field}


def test_an_unknown_currency_is_refused(db):
    with pytest.raises(CurrencyError):
        municipal_fees_statement(start=date(2025, 1, 1), end=date(2025, 2, 1), currency="XXX")


# --- the split itself: the SQL allocation is allocate_minor ----------------------------------

_ALLOCATE = "".join(
    [
        "WITH fee AS (SELECT 1 AS entry_id, 1 AS mo_id, %s::bigint AS amount),",
        " weight AS (SELECT 1 AS mo_id, c AS category_id, w::numeric AS w",
        "   FROM unnest(%s::integer[], %s::bigint[]) AS u(c, w) WHERE w > 0),",
        ALLOCATION_SQL,
        " SELECT category_id, amount FROM part",
    ]
)


def _sql_allocate(amount: int, weights: list[int]) -> list[int]:
    categories = list(range(1, len(weights) + 1))
    with connection.cursor() as cursor:
        cursor.execute(_ALLOCATE, [amount, categories, weights])
        parts = dict(cursor.fetchall())
    return [parts.get(category, 0) for category in categories]


@settings(max_examples=300, deadline=None)
@given(
    amount=st.integers(min_value=-(10**15), max_value=10**15).filter(lambda n: n != 0),
    weights=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=8).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_the_sql_split_is_largest_remainder_exactly_as_allocate_minor(amount, weights):
    parts = _sql_allocate(amount, weights)
    assert sum(parts) == amount
    assert parts == allocate_minor(amount, weights)


def test_the_sql_split_breaks_ties_towards_the_lower_category():
    assert _sql_allocate(100, [1, 1, 1]) == [34, 33, 33] == allocate_minor(100, [1, 1, 1])
    assert _sql_allocate(-2, [1, 1, 1]) == [-1, -1, 0]
