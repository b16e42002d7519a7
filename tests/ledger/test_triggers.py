"""What PostgreSQL itself refuses, whoever writes: an unbalanced transaction at commit, any change
to a posted entry or transaction, an entry in another currency than its account's, and a merchant
balance below zero. Each failure leaves nothing written and every balance as it was."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from ledger.models import Account, Entry, Transaction
from ledger.services import Leg, transaction_post
from tests.ledger.conftest import book_create


def _raw_transaction(cursor, key: str) -> int:
    cursor.execute(
        "INSERT INTO ledger_transaction (idempotency_key, kind, memo, metadata)"
        " VALUES (%s, 'other', '', '{}') RETURNING id",
        [key],
    )
    return cursor.fetchone()[0]


def _raw_entry(cursor, txn_id: int, account: Account, amount: int, currency: str | None = None):
    cursor.execute(
        "INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency)"
        " VALUES (%s, %s, %s, %s)",
        [txn_id, account.pk, amount, currency or account.currency],
    )


@pytest.mark.django_db(transaction=True)
def test_unbalanced_raw_insert_is_rejected_at_commit_and_nothing_stays():
    # Given accounts with zero balances
    book = book_create()
    before = book.balances()

    # When raw SQL inserts a transaction whose debits exceed its credits by 100, then commits
    with (
        pytest.raises(IntegrityError, match="does not balance in every currency"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn_id = _raw_transaction(cursor, "raw:unbalanced")
        _raw_entry(cursor, txn_id, book.processor, 1_000)
        _raw_entry(cursor, txn_id, book.pending, -900)
        # The statements themselves pass (the check is deferred to the commit), and the cached
        # balance moved inside the transaction
        cursor.execute("SELECT balance_minor FROM ledger_account WHERE id = %s", [book.pending.pk])
        assert cursor.fetchone()[0] == 900

    # Then the commit failed and rolled everything back
    assert not Transaction.objects.exists()
    assert not Entry.objects.exists()
    assert book.balances() == before


@pytest.mark.django_db(transaction=True)
def test_balanced_raw_insert_commits():
    book = book_create()

    with transaction.atomic(), connection.cursor() as cursor:
        txn_id = _raw_transaction(cursor, "raw:balanced")
        _raw_entry(cursor, txn_id, book.processor, 1_000)
        _raw_entry(cursor, txn_id, book.pending, -1_000)

    assert Entry.objects.filter(transaction_id=txn_id).count() == 2
    balances = book.balances()
    assert balances[book.processor.code] == 1_000
    assert balances[book.pending.code] == 1_000


@pytest.mark.django_db(transaction=True)
def test_entries_cannot_be_added_to_a_transaction_committed_earlier():
    # Given a balanced transaction committed by an earlier database transaction
    book = book_create()
    with transaction.atomic(), connection.cursor() as cursor:
        txn_id = _raw_transaction(cursor, "raw:earlier")
        _raw_entry(cursor, txn_id, book.processor, 1_000)
        _raw_entry(cursor, txn_id, book.pending, -1_000)
    before = book.balances()

    # When a later database transaction adds a balanced pair of entries to it
    with (
        pytest.raises(IntegrityError, match="only be added to a ledger transaction while"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _raw_entry(cursor, txn_id, book.processor, 500)
        _raw_entry(cursor, txn_id, book.pending, -500)

    # Then nothing was added and no balance moved
    assert Entry.objects.filter(transaction_id=txn_id).count() == 2
    assert book.balances() == before


def _posted(book) -> Transaction:
    txn, created = transaction_post(
        key="payment:1:captured",
        kind=Transaction.Kind.CAPTURE,
        legs=[Leg(book.processor, 1_000), Leg(book.pending, -900), Leg(book.commission, -100)],
    )
    assert created
    return txn


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET amount_minor = amount_minor + 1 WHERE transaction_id = %s",
        "UPDATE ledger_entry SET account_id = account_id WHERE transaction_id = %s",
        "DELETE FROM ledger_entry WHERE transaction_id = %s",
    ],
    ids=["update-amount", "update-noop", "delete"],
)
def test_entries_are_append_only(book, sql):
    txn = _posted(book)
    entries = list(Entry.objects.filter(transaction=txn).values_list("pk", "amount_minor"))
    before = book.balances()

    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete rows from ledger_entry"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [txn.pk])

    assert list(Entry.objects.filter(transaction=txn).values_list("pk", "amount_minor")) == entries
    assert book.balances() == before


@pytest.mark.django_db
def test_entry_orm_delete_and_update_are_refused(book):
    txn = _posted(book)
    entry = Entry.objects.filter(transaction=txn).first()

    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        entry.delete()
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(amount_minor=5)

    assert Entry.objects.get(pk=entry.pk).amount_minor == entry.amount_minor


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_transaction SET memo = 'edited' WHERE id = %s",
        "UPDATE ledger_transaction SET idempotency_key = 'other' WHERE id = %s",
        "DELETE FROM ledger_transaction WHERE id = %s",
    ],
    ids=["update-memo", "update-key", "delete"],
)
def test_transactions_are_append_only(book, sql):
    txn = _posted(book)

    with (
        pytest.raises(
            ProgrammingError, match="Cannot update or delete rows from ledger_transaction"
        ),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [txn.pk])

    fresh = Transaction.objects.get(pk=txn.pk)
    assert (fresh.idempotency_key, fresh.memo) == ("payment:1:captured", "")
    assert Entry.objects.filter(transaction=txn).count() == 3


@pytest.mark.django_db
def test_entry_in_another_currency_than_its_account_is_refused(book):
    # Given a balanced transaction whose entries claim USD on IRR accounts
    before = book.balances()

    with (
        pytest.raises(IntegrityError, match="ledger entry currency differs from its account's"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn_id = _raw_transaction(cursor, "raw:usd-on-irr")
        _raw_entry(cursor, txn_id, book.processor, 500, currency="USD")
        _raw_entry(cursor, txn_id, book.pending, -500, currency="USD")

    # Then nothing was written
    assert not Transaction.objects.filter(idempotency_key="raw:usd-on-irr").exists()
    assert not Entry.objects.exists()
    assert book.balances() == before


@pytest.mark.django_db
def test_merchant_available_balance_cannot_go_below_zero(book):
    # Given a merchant with 600 available
    transaction_post(
        key="release:1",
        kind=Transaction.Kind.RELEASE,
        legs=[Leg(book.processor, 600), Leg(book.available, -600)],
    )
    before = book.balances()
    assert before[book.available.code] == 600

    # When a payout of 601 is posted (Dr merchant available / Cr processor)
    with pytest.raises(IntegrityError, match="ledger_account_balance_not_negative"):
        transaction_post(
            key="payout:1:paid",
            kind=Transaction.Kind.PAYOUT,
            legs=[Leg(book.available, 601), Leg(book.processor, -601)],
        )

    # Then nothing was written and every balance is as it was
    assert not Transaction.objects.filter(idempotency_key="payout:1:paid").exists()
    assert Entry.objects.count() == 2
    assert book.balances() == before

    # And exactly the balance can still be paid out, down to zero
    _, created = transaction_post(
        key="payout:1:paid",
        kind=Transaction.Kind.PAYOUT,
        legs=[Leg(book.available, 600), Leg(book.processor, -600)],
    )
    assert created
    assert Account.objects.get(pk=book.available.pk).balance_minor == 0


@pytest.mark.django_db
def test_raw_overdraft_of_merchant_account_is_refused(book):
    before = book.balances()

    with (
        pytest.raises(IntegrityError, match="ledger_account_balance_not_negative"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn_id = _raw_transaction(cursor, "raw:overdraft")
        _raw_entry(cursor, txn_id, book.pending, 1)
        _raw_entry(cursor, txn_id, book.processor, -1)

    assert not Transaction.objects.exists()
    assert book.balances() == before


@pytest.mark.django_db
def test_platform_and_processor_accounts_may_go_below_zero(book):
    # A refund before any capture leaves the processor balance negative: allowed (allow_negative).
    transaction_post(
        key="other:1",
        kind=Transaction.Kind.OTHER,
        legs=[Leg(book.commission, 250), Leg(book.processor, -250)],
    )
    balances = book.balances()
    assert balances[book.processor.code] == -250
    assert balances[book.commission.code] == -250
