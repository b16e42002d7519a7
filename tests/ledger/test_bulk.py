"""``transactions_post_bulk``: many postings in one database transaction with the guarantees of
``transaction_post`` (idempotent per key, balanced before any write, triggers still enforcing),
and safe next to the per-event poster and another bulk poster sharing keys."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from ledger.exceptions import Unbalanced
from ledger.models import Account, Entry, Transaction
from ledger.selectors import currency_totals, ledger_check
from ledger.services import Leg, Posting, transaction_post, transactions_post_bulk
from tests.ledger.conftest import book_create


def _capture(book, n: int, total: int = 1_000, mo: int | None = None) -> Posting:
    return Posting(
        key=f"payment:{n}:captured",
        kind=Transaction.Kind.CAPTURE,
        legs=[
            Leg(book.processor, total, mo),
            Leg(book.pending, -(total - total // 10), mo),
            Leg(book.commission, -(total // 10), mo),
            Leg(book.vat_payable, 0, mo),
        ],
        memo=f"purchase {n} captured",
        occurred_at=datetime(2026, 3, 21, 9, n % 60, tzinfo=UTC),
        metadata={"provider_ref": f"pi_{n}", "payment_id": n},
    )


@pytest.mark.django_db
def test_bulk_posts_every_posting_with_its_entries_and_balances(book):
    postings = [_capture(book, n, total=1_000 * n) for n in range(1, 101)]

    assert transactions_post_bulk(postings) == 100

    assert Transaction.objects.count() == 100
    assert Entry.objects.count() == 300  # the zero VAT legs are dropped
    txn = Transaction.objects.get(idempotency_key="payment:7:captured")
    assert (txn.kind, txn.memo, txn.metadata) == (
        "capture",
        "purchase 7 captured",
        {"provider_ref": "pi_7", "payment_id": 7},
    )
    assert txn.occurred_at == datetime(2026, 3, 21, 9, 7, tzinfo=UTC)
    assert sorted(txn.entries.values_list("account_id", "amount_minor", "currency")) == sorted(
        [
            (book.processor.pk, 7_000, "IRR"),
            (book.pending.pk, -6_300, "IRR"),
            (book.commission.pk, -700, "IRR"),
        ]
    )
    total = 1_000 * sum(range(1, 101))
    balances = book.balances()
    assert balances[book.processor.code] == total
    assert balances[book.pending.code] == total - total // 10
    assert balances[book.commission.code] == total // 10
    assert currency_totals() == {"IRR": 0}
    assert ledger_check().violations == []


@pytest.mark.django_db
def test_bulk_replay_writes_nothing_and_mixed_batches_post_only_the_new(book):
    transaction_post(**_capture(book, 1).__dict__)
    transactions_post_bulk([_capture(book, 2), _capture(book, 3)])
    balances = book.balances()

    # A replay of everything writes nothing
    assert transactions_post_bulk([_capture(book, n, total=9_999) for n in (1, 2, 3)]) == 0
    assert (Transaction.objects.count(), Entry.objects.count()) == (3, 9)
    assert book.balances() == balances

    # Old and new keys together: only the new ones are posted
    assert transactions_post_bulk([_capture(book, n) for n in (3, 4, 1, 5)]) == 2
    assert sorted(Transaction.objects.values_list("idempotency_key", flat=True)) == [
        f"payment:{n}:captured" for n in range(1, 6)
    ]
    assert Entry.objects.count() == 15


@pytest.mark.django_db
def test_a_key_repeated_in_one_batch_is_posted_once(book):
    assert transactions_post_bulk([_capture(book, 1), _capture(book, 1, total=5_000)]) == 1

    assert Entry.objects.filter(transaction__idempotency_key="payment:1:captured").count() == 3
    assert book.balances()[book.processor.code] == 1_000


@pytest.mark.django_db
def test_bulk_refuses_an_unbalanced_posting_before_any_write(book):
    bad = Posting(
        key="payment:2:captured",
        kind=Transaction.Kind.CAPTURE,
        legs=[Leg(book.processor, 1_000), Leg(book.pending, -999)],
    )

    with CaptureQueriesContext(connection) as queries, pytest.raises(Unbalanced) as raised:
        transactions_post_bulk([_capture(book, 1), bad, _capture(book, 3)])

    assert raised.value.totals == {"IRR": 1}
    assert raised.value.__notes__ == ["posting payment:2:captured"]
    assert len(queries) == 0
    assert not Transaction.objects.exists()


@pytest.mark.django_db
def test_bulk_refuses_a_posting_without_legs(book):
    empty = Posting(key="empty:1", kind=Transaction.Kind.OTHER, legs=[Leg(book.processor, 0)])

    with pytest.raises(ValueError, match="posting empty:1: legs are all zero"):
        transactions_post_bulk([_capture(book, 1), empty])

    assert not Transaction.objects.exists()


@pytest.mark.django_db
def test_bulk_overdraft_writes_nothing_at_all(book):
    # Given a merchant with 500 available
    transaction_post(
        key="release:1",
        kind=Transaction.Kind.RELEASE,
        legs=[Leg(book.processor, 500), Leg(book.available, -500)],
    )
    before = book.balances()
    payouts = [
        Posting(
            key=f"payout:{n}:paid",
            kind=Transaction.Kind.PAYOUT,
            legs=[Leg(book.available, 300), Leg(book.processor, -300)],
        )
        for n in (1, 2)
    ]

    # When a batch holds a capture and two payouts of 300 each (600 > 500)
    with pytest.raises(IntegrityError, match="ledger_account_balance_not_negative"):
        transactions_post_bulk([_capture(book, 1), *payouts])

    # Then the whole batch wrote nothing
    assert list(Transaction.objects.values_list("idempotency_key", flat=True)) == ["release:1"]
    assert Entry.objects.count() == 2
    assert book.balances() == before


@pytest.mark.django_db
def test_bulk_posts_several_currencies_balanced_per_currency(book):
    usd = book_create("USD")

    posted = transactions_post_bulk(
        [
            _capture(book, 1),
            _capture(usd, 2, total=2_500),
            Posting(
                key="fx:1",
                kind=Transaction.Kind.OTHER,
                legs=[
                    Leg(book.processor, 10),
                    Leg(book.commission, -10),
                    Leg(usd.processor, 1),
                    Leg(usd.commission, -1),
                ],
            ),
        ]
    )

    assert posted == 3
    assert currency_totals() == {"IRR": 0, "USD": 0}
    assert Account.objects.get(pk=usd.pending.pk).balance_minor == 2_250
    assert set(
        Entry.objects.filter(account__currency="USD").values_list("currency", flat=True)
    ) == {"USD"}
    assert ledger_check().violations == []


@pytest.mark.django_db
def test_bulk_entries_keep_their_merchant_order(book):
    from tests.ledger.test_bulk_captures import paid_purchase_create

    payment = paid_purchase_create(merchants=[book.merchant], lines=[[1_000]])
    mo = payment.purchase.merchant_orders.get()

    transactions_post_bulk([_capture(book, 1, mo=mo.pk)])

    assert set(Entry.objects.values_list("merchant_order_id", flat=True)) == {mo.pk}


@pytest.mark.django_db(transaction=True)
def test_bulk_posters_and_single_posters_racing_on_shared_keys():
    # Given 300 postings, and four workers: two bulk posters taking all of them in batches of 50
    # in opposite orders, and two single posters taking every third one
    books = [book_create(), book_create()]
    rng = random.Random(5)
    postings = [_capture(books[n % 2], n, total=rng.randint(10, 10_000)) for n in range(1, 301)]
    forward = [postings[i : i + 50] for i in range(0, 300, 50)]
    backward = [list(reversed(b)) for b in reversed(forward)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    posted: list[int] = []
    lock = threading.Lock()

    def bulk(batches):
        for batch in batches:
            count = transactions_post_bulk(batch)
            with lock:
                posted.append(count)

    def single(items):
        for posting in items:
            _, created = transaction_post(**posting.__dict__)
            with lock:
                posted.append(int(created))

    def run(work, arg):
        try:
            barrier.wait(timeout=30)
            work(arg)
        except BaseException as exc:  # every failure is the test's to report
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(bulk, forward)),
        threading.Thread(target=run, args=(bulk, backward)),
        threading.Thread(target=run, args=(single, postings[::3])),
        threading.Thread(target=run, args=(single, list(reversed(postings[1::3])))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Then no deadlock or other error, and every key was posted exactly once
    assert errors == []
    assert sum(posted) == 300
    assert Transaction.objects.count() == 300
    assert Entry.objects.count() == 900
    assert currency_totals() == {"IRR": 0}
    assert ledger_check().violations == []
