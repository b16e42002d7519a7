"""``manage.py reconcile`` and the daily task on a real Celery worker."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from reconciliation.models import ReconciliationRun
from reconciliation.tasks import run_daily
from tests.reconciliation.conftest import DAY, NOON, local, sandbox_at, sandbox_capture


def reconcile(*args: str) -> str:
    out = io.StringIO()
    call_command("reconcile", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_prints_the_counts_of_the_day(sandbox, books):
    # given a day with one capture booked alike and one missing from the ledger
    matched = sandbox_capture(sandbox, amount=1_000_000, key="payment:1")
    sandbox_capture(sandbox, amount=500_000, key="payment:2")
    sandbox_at(NOON)
    books.capture(payment_id=1, provider_ref=matched.provider_ref, amount=1_000_000, at=NOON)
    books.fee(payment_id=1, provider_ref=matched.provider_ref, fee=15_000, at=NOON)

    # when it is reconciled from the command line, twice
    first = reconcile("--date", "2026-03-10", "--gateway", "sandbox")
    second = reconcile("--date", "2026-03-10", "--gateway", "sandbox")

    # then it prints the counts, and the rerun replaces the same run
    line = (
        "sandbox IRR 2026-03-10: 1 matched, 0 mismatched, 0 only in the ledger, "
        "1 only at the processor\n"
    )
    assert first == second == line
    assert ReconciliationRun.objects.count() == 1


@pytest.mark.django_db
def test_the_command_refuses_a_bad_date_or_gateway_and_writes_nothing():
    with pytest.raises(CommandError, match="--date"):
        reconcile("--date", "10/03/2026")
    with pytest.raises(CommandError, match="--gateway paypal"):
        reconcile("--date", "2026-03-10", "--gateway", "paypal")
    assert ReconciliationRun.objects.count() == 0


def test_the_daily_task_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["reconciliation-daily"]
    assert entry["task"] == "reconciliation.run_daily"


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_reconciles_yesterday_for_every_gateway(celery_worker, books, settings):
    # given yesterday, a capture in the ledger that the sandbox never made
    settings.RECONCILIATION_GATEWAYS = ["sandbox"]
    yesterday = timezone.localdate() - timedelta(days=1)
    books.capture(payment_id=1, provider_ref="sbx_pi_ghost", amount=700, at=local(yesterday, 9))

    # when the worker runs the daily task
    summary = run_daily.delay().get(timeout=30)

    # then yesterday's run lists it
    assert summary == {
        "sandbox:IRR": {"matched": 0, "mismatched": 0, "ledger_only": 1, "processor_only": 0}
    }
    run = ReconciliationRun.objects.get()
    assert (run.day, run.ledger_only_count) == (yesterday, 1)
    assert run.items.get().provider_ref == "sbx_pi_ghost"
    # and a given day can be asked for
    assert run_daily.delay(DAY.isoformat()).get(timeout=30) == {
        "sandbox:IRR": {"matched": 0, "mismatched": 0, "ledger_only": 0, "processor_only": 0}
    }
