"""``ledger_check()`` and ``manage.py ledger_check``: zero violations on a sound ledger, and the
exact violation (with a non-zero exit status) once a cached balance or an entry is tampered with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pgtrigger
import pytest
from django.db import connection

from ledger.models import Entry, Transaction
from ledger.selectors import ledger_check
from ledger.services import Leg, transaction_post
from tests.ledger.conftest import book_create

ROOT = Path(__file__).resolve().parents[2]


def _post_some(book) -> None:
    transaction_post(
        key="payment:1:captured",
        kind=Transaction.Kind.CAPTURE,
        legs=[Leg(book.processor, 1_000), Leg(book.pending, -900), Leg(book.commission, -100)],
    )
    transaction_post(
        key="release:1",
        kind=Transaction.Kind.RELEASE,
        legs=[Leg(book.pending, 900), Leg(book.available, -900)],
    )


def _fire_deferred_checks() -> None:
    """Run the deferred balance checks of the postings so far now (as a commit would), so that
    a tampering afterwards is judged by ledger_check alone."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _tamper_balance(account, delta: int) -> None:
    # ledger_account has no update protection: this is the drift ledger_check must catch.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_account SET balance_minor = balance_minor + %s WHERE id = %s",
            [delta, account.pk],
        )


@pytest.mark.django_db
def test_sound_ledger_has_no_violations(book):
    _post_some(book)

    result = ledger_check()

    assert (result.transactions, result.entries, result.accounts) == (2, 5, 6)
    assert result.violations == []


@pytest.mark.django_db
def test_tampered_cached_balance_is_reported(book):
    _post_some(book)
    _tamper_balance(book.commission, 1)

    assert ledger_check().violations == [
        f"account {book.commission.code}: cached balance 101 differs from entries (-100 debit)"
    ]


@pytest.mark.django_db
def test_tampered_entry_is_reported(book):
    _post_some(book)
    entry = Entry.objects.get(account=book.commission)
    _fire_deferred_checks()

    with pgtrigger.ignore("ledger.Entry:ledger_entry_append_only"):
        Entry.objects.filter(pk=entry.pk).update(amount_minor=-99)

    assert ledger_check().violations == [
        "transaction payment:1:captured: IRR off by +1",
        f"account {book.commission.code}: cached balance 100 differs from entries (-99 debit)",
    ]


@pytest.mark.django_db
def test_negative_merchant_balance_is_reported(book):
    _post_some(book)
    _fire_deferred_checks()
    with connection.cursor() as cursor:
        # Bypass the CHECK as a corrupt restore would: drop it (this test's transaction only).
        cursor.execute(
            "ALTER TABLE ledger_account DROP CONSTRAINT ledger_account_balance_not_negative"
        )
    _tamper_balance(book.available, -1_000)

    assert ledger_check().violations == [
        f"account {book.available.code}: cached balance -100 differs from entries (-900 debit)",
        f"account {book.available.code}: balance -100 below zero",
    ]


def _manage(*args: str) -> subprocess.CompletedProcess:
    settings = connection.settings_dict
    url = (
        f"postgres://{quote(settings['USER'] or '')}@{quote(settings['HOST'] or '', safe='')}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_ledger_check_command_exit_status():
    # Given a sound, committed ledger
    book = book_create()
    _post_some(book)

    # When the command runs, it says so and exits 0
    ok = _manage("ledger_check")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "checked 2 transactions, 5 entries, 6 accounts: 0 violations"

    # When a cached balance drifts, it prints the violation and exits non-zero
    _tamper_balance(book.pending, 5)
    bad = _manage("ledger_check")
    assert bad.returncode == 1
    assert bad.stdout.strip() == "checked 2 transactions, 5 entries, 6 accounts: 1 violations"
    assert (
        f"account {book.pending.code}: cached balance 5 differs from entries (+0 debit)"
        in bad.stderr
    )
    assert "1 ledger violations" in bad.stderr
