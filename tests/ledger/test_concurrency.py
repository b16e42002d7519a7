"""Eight workers posting at once on real PostgreSQL, each on its own connection.

- A shared random set of transactions between a handful of accounts, 10% of each worker's
  submissions being keys that other workers also submit: every key is posted exactly once, the
  global sum per currency is zero, each cached balance is exactly what the postings add up to and
  equals the balance recomputed from entries, and no worker hits a deadlock (accounts are locked in
  primary-key order; no retries hide one).
- Racing payouts on one merchant's available balance: exactly the affordable ones succeed and the
  balance is never seen below zero.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import IntegrityError, connection

from ledger.models import Account, Transaction
from ledger.selectors import currency_totals, ledger_check
from ledger.services import Leg, transaction_post
from tests.ledger.conftest import book_create

WORKERS = 8
OWN_KEYS_PER_WORKER = 45
DUPLICATES_PER_WORKER = 5  # 5 of 50 submissions = 10%


@dataclass(frozen=True)
class Spec:
    key: str
    legs: tuple[tuple[Account, int], ...]


def _random_spec(rng: random.Random, key: str, books) -> Spec:
    """A balanced posting in one currency: the processor and the platform/municipality accounts
    take either side; merchant accounts are only credited (so no order of posting overdraws
    them; overdrafts are the other test's subject)."""
    book = rng.choice(books)
    merchant_side = [book.pending, book.available]
    other_side = [book.processor, book.commission, book.fee_payable]
    credits = rng.sample(merchant_side, rng.randint(0, 2)) + rng.sample(
        other_side, rng.randint(1, 2)
    )
    legs = [(account, -rng.randint(1, 50_000)) for account in credits]
    debit_account = rng.choice([a for a in other_side if a not in credits])
    legs.append((debit_account, -sum(amount for _, amount in legs)))
    rng.shuffle(legs)
    return Spec(key=key, legs=tuple(legs))


def _run_workers(plans, work) -> list[BaseException]:
    """Start one thread per plan, all released at once by a barrier; each thread uses (and
    closes) its own database connection. Returns every exception raised."""
    barrier = threading.Barrier(len(plans))
    errors: list[BaseException] = []

    def run(plan):
        try:
            barrier.wait(timeout=30)
            work(plan)
        except BaseException as exc:  # every failure is the test's to report
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return errors


@pytest.mark.django_db(transaction=True)
def test_eight_workers_with_duplicates_post_each_key_once_and_balance():
    # Given two merchants' books in IRR and one in USD, and 360 random postings between them
    rng = random.Random(20260321)
    books = [book_create("IRR"), book_create("IRR"), book_create("USD")]
    specs = [
        _random_spec(rng, f"concurrency:{worker}:{n}", books)
        for worker in range(WORKERS)
        for n in range(OWN_KEYS_PER_WORKER)
    ]
    # Each worker submits its own 45 and 5 keys that other workers also submit (10%).
    plans = []
    for worker in range(WORKERS):
        own = specs[worker * OWN_KEYS_PER_WORKER : (worker + 1) * OWN_KEYS_PER_WORKER]
        others = [s for s in specs if s not in own]
        plan = own + rng.sample(others, DUPLICATES_PER_WORKER)
        rng.shuffle(plan)
        plans.append(plan)
    assert sum(len(plan) for plan in plans) == 400

    created_by_key: Counter[str] = Counter()
    replayed_by_key: Counter[str] = Counter()
    lock = threading.Lock()

    def post_all(plan):
        for spec in plan:
            txn, created = transaction_post(
                key=spec.key,
                kind=Transaction.Kind.OTHER,
                legs=[Leg(account, amount) for account, amount in spec.legs],
            )
            assert txn.idempotency_key == spec.key
            with lock:
                (created_by_key if created else replayed_by_key)[spec.key] += 1

    # When eight workers post their plans at the same moment
    errors = _run_workers(plans, post_all)

    # Then no worker failed (a deadlock would show here as psycopg's DeadlockDetected)
    assert errors == []
    # And each key was posted exactly once; the duplicates were answered as replays
    assert set(created_by_key) == {spec.key for spec in specs}
    assert set(created_by_key.values()) == {1}
    assert sum(replayed_by_key.values()) == WORKERS * DUPLICATES_PER_WORKER
    assert Transaction.objects.count() == len(specs)
    # And debits equal credits per currency across the whole ledger
    assert currency_totals() == {"IRR": 0, "USD": 0}
    # And each cached balance is exactly the sum of the postings on its account
    expected: Counter[int] = Counter()
    for spec in specs:
        for account, amount in spec.legs:
            expected[account.pk] += amount if account.normal_side == "debit" else -amount
    actual = dict(Account.objects.values_list("pk", "balance_minor"))
    assert actual == {pk: expected.get(pk, 0) for pk in actual}
    # And every cached balance equals the balance recomputed from entries
    check = ledger_check()
    assert (check.transactions, check.violations) == (len(specs), [])


@pytest.mark.django_db(transaction=True)
def test_racing_payouts_never_overdraw_a_merchant():
    # Given a merchant with 100,000 available
    book = book_create()
    transaction_post(
        key="release:funding",
        kind=Transaction.Kind.RELEASE,
        legs=[Leg(book.processor, 100_000), Leg(book.available, -100_000)],
    )
    # And 8 workers × 6 payout attempts of 1,000–9,999 each (about 3× the balance in total)
    rng = random.Random(7)
    plans = [
        [(f"payout:{worker}:{n}", rng.randint(1_000, 9_999)) for n in range(6)]
        for worker in range(WORKERS)
    ]
    requested = sum(amount for plan in plans for _, amount in plan)
    assert requested > 2 * 100_000

    outcomes: dict[str, bool] = {}
    lowest_seen: list[int] = []
    done = threading.Event()

    def pay(plan):
        for key, amount in plan:
            try:
                transaction_post(
                    key=key,
                    kind=Transaction.Kind.PAYOUT,
                    legs=[Leg(book.available, amount), Leg(book.processor, -amount)],
                )
                outcomes[key] = True
            except IntegrityError as exc:
                assert "ledger_account_balance_not_negative" in str(exc)
                outcomes[key] = False

    def watch():
        # An observer on its own connection samples the committed balance throughout.
        try:
            while not done.is_set():
                lowest_seen.append(Account.objects.get(pk=book.available.pk).balance_minor)
        finally:
            connection.close()

    observer = threading.Thread(target=watch)
    observer.start()
    try:
        # When they all try to pay out at once
        errors = _run_workers(plans, pay)
    finally:
        done.set()
        observer.join(timeout=30)

    # Then nothing failed but the refused overdrafts, and no deadlock
    assert errors == []
    amounts = {key: amount for plan in plans for key, amount in plan}
    paid = sum(amounts[key] for key, ok in outcomes.items() if ok)
    refused = [amounts[key] for key, ok in outcomes.items() if not ok]
    final = Account.objects.get(pk=book.available.pk).balance_minor
    # And the balance is what the successful payouts left, never below zero
    assert final == 100_000 - paid >= 0
    assert lowest_seen and min(lowest_seen) >= 0
    # And exactly the affordable ones succeeded: balances only fall, so any refused payout that
    # fits in the final balance would have fitted when it was tried
    assert refused and all(amount > final for amount in refused)
    assert Transaction.objects.filter(kind=Transaction.Kind.PAYOUT).count() == len(outcomes) - len(
        refused
    )
    assert ledger_check().violations == []
