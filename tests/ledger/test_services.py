"""Posting through ``transaction_post`` and ``transaction_reverse``: exact entries and balances,
replays that write nothing, unbalanced postings refused before any write, several currencies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from ledger.exceptions import Unbalanced
from ledger.models import Account, Entry, Transaction
from ledger.selectors import currency_totals, ledger_check
from ledger.services import Leg, transaction_post, transaction_reverse
from tests.ledger.conftest import book_create


def _capture(book, key: str = "payment:7:captured", total: int = 1_000):
    return transaction_post(
        key=key,
        kind=Transaction.Kind.CAPTURE,
        legs=[
            Leg(book.processor, total),
            Leg(book.pending, -(total * 85 // 100)),
            Leg(book.commission, -(total * 10 // 100)),
            Leg(book.fee_payable, -(total * 5 // 100)),
        ],
        memo="capture",
        occurred_at=datetime(2026, 3, 21, 9, 30, tzinfo=UTC),
        metadata={"payment_id": 7, "provider_ref": "pi_7"},
    )


@pytest.mark.django_db
def test_capture_posts_entries_and_moves_balances(book):
    txn, created = _capture(book)

    assert created
    assert (txn.idempotency_key, txn.kind, txn.memo) == ("payment:7:captured", "capture", "capture")
    assert txn.occurred_at == datetime(2026, 3, 21, 9, 30, tzinfo=UTC)
    assert txn.metadata == {"payment_id": 7, "provider_ref": "pi_7"}
    assert sorted(txn.entries.values_list("account__code", "amount_minor", "currency")) == sorted(
        [
            (book.processor.code, 1_000, "IRR"),
            (book.pending.code, -850, "IRR"),
            (book.commission.code, -100, "IRR"),
            (book.fee_payable.code, -50, "IRR"),
        ]
    )
    balances = book.balances()
    # Debit-normal processor balance and credit-normal liabilities/revenue, all positive.
    assert balances[book.processor.code] == 1_000
    assert balances[book.pending.code] == 850
    assert balances[book.commission.code] == 100
    assert balances[book.fee_payable.code] == 50
    assert balances[book.available.code] == 0


@pytest.mark.django_db
def test_replay_with_the_same_key_writes_nothing(book):
    first, _ = _capture(book)
    balances = book.balances()

    # Even a replay with other amounts is the same event: it changes nothing.
    again, created = _capture(book, total=5_000)

    assert created is False
    assert again.pk == first.pk
    assert Transaction.objects.count() == 1
    assert Entry.objects.count() == 4
    assert book.balances() == balances


@pytest.mark.django_db
def test_unbalanced_posting_is_refused_before_any_write(book):
    with CaptureQueriesContext(connection) as queries, pytest.raises(Unbalanced) as raised:
        transaction_post(
            key="payment:8:captured",
            kind=Transaction.Kind.CAPTURE,
            legs=[Leg(book.processor, 1_000), Leg(book.pending, -900)],
        )

    assert raised.value.totals == {"IRR": 100}
    assert str(raised.value) == "debits and credits differ: IRR +100"
    assert len(queries) == 0
    assert not Transaction.objects.exists()
    assert all(balance == 0 for balance in book.balances().values())


@pytest.mark.django_db
def test_zero_legs_are_dropped(book):
    txn, _ = transaction_post(
        key="payment:9:captured",
        kind=Transaction.Kind.CAPTURE,
        legs=[Leg(book.processor, 700), Leg(book.vat_payable, 0), Leg(book.pending, -700)],
    )

    assert txn.entries.count() == 2
    assert not Entry.objects.filter(account=book.vat_payable).exists()


@pytest.mark.django_db
def test_multi_currency_transaction_balances_per_currency(book):
    usd = book_create("USD")

    txn, created = transaction_post(
        key="fx:1",
        kind=Transaction.Kind.OTHER,
        legs=[
            Leg(book.processor, 4_200_000),
            Leg(book.pending, -4_200_000),
            Leg(usd.processor, 10_000),
            Leg(usd.commission, -1_500),
            Leg(usd.pending, -8_500),
        ],
    )

    assert created
    assert dict(txn.entries.values_list("account__code", "currency")) == {
        book.processor.code: "IRR",
        book.pending.code: "IRR",
        usd.processor.code: "USD",
        usd.commission.code: "USD",
        usd.pending.code: "USD",
    }
    assert currency_totals() == {"IRR": 0, "USD": 0}
    assert Account.objects.get(pk=usd.pending.pk).balance_minor == 8_500
    assert Account.objects.get(pk=book.pending.pk).balance_minor == 4_200_000


@pytest.mark.django_db
def test_debits_equal_credits_overall_but_not_per_currency_is_unbalanced(book):
    usd = book_create("USD")

    with pytest.raises(Unbalanced) as raised:
        transaction_post(
            key="fx:2",
            kind=Transaction.Kind.OTHER,
            legs=[Leg(book.processor, 100), Leg(usd.pending, -100)],
        )

    assert raised.value.totals == {"IRR": 100, "USD": -100}
    assert not Transaction.objects.exists()


@pytest.mark.django_db
def test_reverse_posts_the_exact_opposite_once(book):
    original, _ = _capture(book)

    reversal, created = transaction_reverse(original=original, key="payment:7:captured:reversal")

    assert created
    assert reversal.kind == Transaction.Kind.REVERSAL
    assert reversal.reverses_id == original.pk
    assert reversal.memo == "reversal of payment:7:captured"
    assert sorted(reversal.entries.values_list("account_id", "amount_minor")) == sorted(
        (account_id, -amount)
        for account_id, amount in original.entries.values_list("account_id", "amount_minor")
    )
    assert all(balance == 0 for balance in book.balances().values())

    # A replay of the reversal changes nothing
    again, created = transaction_reverse(original=original, key="payment:7:captured:reversal")
    assert (again.pk, created) == (reversal.pk, False)
    assert Entry.objects.count() == 8


@pytest.mark.django_db
def test_a_transaction_cannot_be_reversed_twice_under_another_key(book):
    original, _ = _capture(book)
    transaction_reverse(original=original, key="correction:1")

    with pytest.raises(IntegrityError):
        transaction_reverse(original=original, key="correction:2")

    assert not Transaction.objects.filter(idempotency_key="correction:2").exists()
    assert Entry.objects.count() == 8
    assert all(balance == 0 for balance in book.balances().values())


@pytest.mark.django_db
def test_reversal_that_would_overdraw_a_merchant_is_refused(book):
    # Given a capture whose merchant share was already moved on from pending to available
    original, _ = _capture(book)
    transaction_post(
        key="release:7",
        kind=Transaction.Kind.RELEASE,
        legs=[Leg(book.pending, 850), Leg(book.available, -850)],
    )
    before = book.balances()

    # When the capture is reversed, the merchant's pending balance (0) cannot give back 850
    with pytest.raises(IntegrityError, match="ledger_account_balance_not_negative"):
        transaction_reverse(original=original, key="payment:7:captured:reversal")

    assert book.balances() == before
    assert not Transaction.objects.filter(kind=Transaction.Kind.REVERSAL).exists()
    assert ledger_check().violations == []
