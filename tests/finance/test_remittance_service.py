"""Marking a period remitted: one balanced posting and one audited row, once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from finance.models import Remittance
from finance.remittance.periods import today_tehran
from finance.remittance.selectors import municipal_fees_by_month, municipal_fees_statement
from finance.remittance.services import remittance_record
from ledger.models import Account, AccountKind, Entry, Party, Transaction, TransactionKind
from ledger.selectors import ledger_check
from tests.finance.remittance_support import (
    CURRENCY,
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

JANUARY = {"period_start": date(2025, 1, 1), "period_end": date(2025, 2, 1), "currency": CURRENCY}


@pytest.fixture
def january(db):
    """January 2025: 990,000 rials of city fee collected, 100,001 refunded; February: 40,000."""
    bazaar = bazaar_create()
    house_order, roastery_order = orders_place(
        [(bazaar.saffron, 2), (bazaar.rug, 1), (bazaar.pistachios, 3)]
    )
    capture_post([house_order, roastery_order], occurred_at=at(2025, 1, 10))
    capture_post(orders_place([(bazaar.saffron, 1)]), occurred_at=at(2025, 1, 20))
    fee_reversal_post(house_order, fee_minor=100_001, occurred_at=at(2025, 1, 25))
    capture_post(orders_place([(bazaar.pistachios, 1)]), occurred_at=at(2025, 2, 2))
    return bazaar


@pytest.fixture
def clerk(db):
    return finance_user(username="clerk@mashhad.ir", first_name="Maryam", last_name="Ahmadi")


def _counts() -> tuple[int, int, int]:
    return Remittance.objects.count(), Transaction.objects.count(), Entry.objects.count()


def test_remitting_january_posts_its_net_fee_from_fee_payable_to_the_bank(january, clerk):
    before = fee_payable_balance()
    assert before == 990_000 - 100_001 + 40_000

    remittance, created = remittance_record(
        bank_reference=" SATNA-1403-0042 ", user=clerk, **JANUARY
    )

    assert created
    assert remittance.amount_minor == 889_999
    assert remittance.bank_reference == "SATNA-1403-0042"
    assert remittance.remitted_by == clerk
    assert remittance.ledger_key == "remittance:IRR:2025-01-01:2025-02-01"
    posted = remittance.ledger_transaction
    assert (posted.idempotency_key, posted.kind) == (
        remittance.ledger_key,
        TransactionKind.REMITTANCE,
    )
    legs = {(e.account.code, e.amount_minor) for e in posted.entries.select_related("account")}
    assert legs == {("municipality:fee_payable:IRR", 889_999), ("platform:bank:IRR", -889_999)}
    # the city is owed February's fees only now
    assert fee_payable_balance() == before - 889_999 == 40_000
    assert Account.objects.get(code="platform:bank:IRR").balance_minor == -889_999
    # the ledger stays consistent, and the statement itself is unchanged by the remittance
    assert ledger_check().violations == []
    assert (
        municipal_fees_statement(
            start=date(2025, 1, 1), end=date(2025, 2, 1), currency="IRR"
        ).total.net_minor
        == 889_999
    )
    # the audit trail has who and when
    (event,) = remittance.events.all()
    assert (event.pgh_label, event.remitted_by_id, event.amount_minor) == (
        "insert",
        clerk.pk,
        889_999,
    )


def test_remitting_the_same_period_again_returns_the_first_and_posts_nothing(january, clerk):
    first, _ = remittance_record(bank_reference="SATNA-1", user=clerk, **JANUARY)
    counts = _counts()

    again, created = remittance_record(bank_reference="SATNA-1", user=clerk, **JANUARY)

    assert (again, created) == (first, False)
    assert _counts() == counts
    assert fee_payable_balance() == 40_000


def test_a_period_overlapping_a_remitted_one_is_refused_and_nothing_is_written(january, clerk):
    remittance_record(bank_reference="SATNA-1", user=clerk, **JANUARY)
    counts, balance = _counts(), fee_payable_balance()

    with pytest.raises(ValidationError) as caught:
        remittance_record(
            period_start=date(2025, 1, 15),
            period_end=date(2025, 2, 15),
            currency="IRR",
            bank_reference="SATNA-2",
            user=clerk,
        )

    (error,) = caught.value.error_dict["period_start"]
    assert error.code == "overlap"
    assert "2025-01-01" in error.messages[0] and "SATNA-1" in error.messages[0]
    assert _counts() == counts and fee_payable_balance() == balance


def test_the_database_refuses_overlapping_remittances_even_without_the_service(january, clerk):
    first, _ = remittance_record(bank_reference="SATNA-1", user=clerk, **JANUARY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Remittance.objects.create(
            currency="IRR",
            period_start=date(2025, 1, 31),
            period_end=date(2025, 2, 2),
            amount_minor=1,
            bank_reference="x",
            remitted_at=first.remitted_at,
            remitted_by=clerk,
            ledger_transaction=Transaction.objects.exclude(pk=first.ledger_transaction_id).first(),
            ledger_key="other",
        )
    # and remittances are never edited
    with pytest.raises(Exception, match="Cannot update or delete"), transaction.atomic():
        Remittance.objects.filter(pk=first.pk).update(bank_reference="changed")


def test_adjacent_periods_are_remitted_separately_and_by_month_shows_them(january, clerk):
    remittance_record(bank_reference="SATNA-1", user=clerk, **JANUARY)
    february, created = remittance_record(
        period_start=date(2025, 2, 1),
        period_end=date(2025, 3, 1),
        currency="IRR",
        bank_reference="SATNA-2",
        user=clerk,
    )
    assert created and february.amount_minor == 40_000
    assert fee_payable_balance() == 0

    months = municipal_fees_by_month(start=date(2024, 12, 1), end=date(2025, 4, 1), currency="IRR")

    assert [
        (m.month.month, m.net_minor, m.remitted_minor, m.outstanding_minor) for m in months
    ] == [
        (12, 0, 0, 0),
        (1, 889_999, 889_999, 0),
        (2, 40_000, 40_000, 0),
        (3, 0, 0, 0),
    ]


def test_a_remittance_of_several_months_is_spread_over_them_by_their_net_fee(january, clerk):
    remittance, _ = remittance_record(
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 1),
        currency="IRR",
        bank_reference="SATNA-Q",
        user=clerk,
    )
    assert remittance.amount_minor == 929_999

    months = municipal_fees_by_month(start=date(2025, 2, 1), end=date(2025, 3, 1), currency="IRR")

    assert [(m.remitted_minor, m.outstanding_minor) for m in months] == [(40_000, 0)]


def test_a_period_with_nothing_to_remit_is_refused(january, clerk):
    counts = _counts()
    with pytest.raises(ValidationError) as caught:
        remittance_record(
            period_start=date(2025, 3, 1),
            period_end=date(2025, 4, 1),
            currency="IRR",
            bank_reference="SATNA-3",
            user=clerk,
        )
    assert caught.value.code == "nothing_to_remit"
    assert _counts() == counts


def test_a_period_whose_refunds_exceed_its_collections_is_refused(january, clerk):
    (order,) = orders_place([(january.rug, 1)])
    capture_post([order], occurred_at=at(2025, 3, 1))
    fee_reversal_post(order, fee_minor=600_000, occurred_at=at(2025, 4, 2))
    with pytest.raises(ValidationError) as caught:
        remittance_record(
            period_start=date(2025, 4, 1),
            period_end=date(2025, 5, 1),
            currency="IRR",
            bank_reference="SATNA-4",
            user=clerk,
        )
    assert caught.value.code == "nothing_to_remit"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"bank_reference": ""}, "bank_reference"),
        ({"bank_reference": "   "}, "bank_reference"),
        ({"bank_reference": "R" * 65}, "bank_reference"),
        ({"bank_reference": "SATNA\x00-1"}, "bank_reference"),
        ({"period_end": date(2025, 1, 1)}, "period_end"),
        ({"period_end": date(2024, 12, 1)}, "period_end"),
        ({"period_start": "2025-01-01"}, "period_start"),
        ({"currency": "XXX"}, "currency"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    january, clerk, overrides, field
):
    counts = _counts()
    arguments = {**JANUARY, "bank_reference": "SATNA-1", "user": clerk, **overrides}
    with pytest.raises(ValidationError) as caught:
        remittance_record(**arguments)
    assert field in caught.value.error_dict
    assert _counts() == counts


def test_a_period_that_has_not_ended_cannot_be_remitted(january, clerk):
    today = today_tehran()
    with pytest.raises(ValidationError) as caught:
        remittance_record(
            period_start=today - timedelta(days=3),
            period_end=today + timedelta(days=1),
            currency="IRR",
            bank_reference="SATNA-5",
            user=clerk,
        )
    assert caught.value.error_dict["period_end"][0].code == "not_ended"


def test_only_finance_staff_may_record_a_remittance(january):
    counts = _counts()
    for user in (UserFactory(), UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            remittance_record(bank_reference="SATNA-1", user=user, **JANUARY)
    assert _counts() == counts
    admin = UserFactory(is_superuser=True, is_staff=True)
    remittance, created = remittance_record(bank_reference="SATNA-1", user=admin, **JANUARY)
    assert created and remittance.remitted_by == admin


def test_fee_payable_accounts_are_the_contracts(january, clerk):
    remittance, _ = remittance_record(bank_reference="SATNA-1", user=clerk, **JANUARY)
    accounts = {
        (e.account.party, e.account.kind)
        for e in remittance.ledger_transaction.entries.select_related("account")
    }
    assert accounts == {
        (Party.MUNICIPALITY, AccountKind.FEE_PAYABLE),
        (Party.PLATFORM, AccountKind.BANK),
    }


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_period_record_it_once():
    # Given January's fees, and four finance clerks pressing "mark remitted" at the same moment
    import threading

    from django.db import connection

    bazaar = bazaar_create()
    capture_post(orders_place([(bazaar.rug, 1)]), occurred_at=at(2025, 1, 10))
    clerk = finance_user()
    barrier = threading.Barrier(4)
    results: list[object] = []

    def press(period_end: date) -> None:
        try:
            barrier.wait()
            results.append(
                remittance_record(
                    period_start=date(2025, 1, 1),
                    period_end=period_end,
                    currency="IRR",
                    bank_reference="SATNA-1",
                    user=clerk,
                )[1]
            )
        except ValidationError as exc:
            results.append(exc.error_dict["period_start"][0].code)
        finally:
            connection.close()

    # (three submit January, one an overlapping January-to-mid-February)
    threads = [
        threading.Thread(target=press, args=(end,))
        for end in (date(2025, 2, 1), date(2025, 2, 1), date(2025, 2, 1), date(2025, 2, 15))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one remittance and one posting exist, of the one period that won
    assert Remittance.objects.count() == 1
    assert Transaction.objects.filter(kind=TransactionKind.REMITTANCE).count() == 1
    assert fee_payable_balance() == 0
    assert results.count(True) == 1
    winner = Remittance.objects.get()
    if winner.period_end == date(2025, 2, 1):
        assert sorted(map(str, results)) == ["False", "False", "True", "overlap"]
    else:
        assert sorted(map(str, results)) == ["True", "overlap", "overlap", "overlap"]
    assert ledger_check().violations == []
