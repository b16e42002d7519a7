"""The Celery worker killed (SIGKILL) at random points of settlement runs.

A real worker subprocess (solo pool, the test database, the test Redis as broker) runs the daily
``settlement.run`` task; each run is killed after a random delay, the worker is started again and
the run is sent again, as the next beat would. After every run: no payout transferred twice at the
processor (the sandbox's transfers), no payout left open, every merchant with released earnings
paid exactly once for them, and ``ledger_check`` finds nothing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from ledger.models import Account
from payments.models import SandboxBalanceTransaction
from settlement.models import OPEN_PAYOUT_STATUSES, MerchantOrderSettlement, Payout
from settlement.services import merchant_order_delivered
from tests.reliability.conftest import ledger_violations, report, scale, wait_for
from tests.settlement.factories import fee_rules_create, purchase_pay
from tests.shop import bazaar_create

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """``celery -A marketplace worker`` (solo pool) in its own process group, on the test DB."""

    def __init__(self, log_dir: Path) -> None:
        db = connection.settings_dict
        host = db.get("HOST") or "127.0.0.1"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{host}:{db.get('PORT') or 5432}/{db['NAME']}",
            "SETTLEMENT_PAYOUT_GATEWAY": "sandbox",
            "SETTLEMENT_PAYOUT_MINIMUM_MINOR": "1",
            "PYTHONWARNINGS": "ignore",
        }
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.log_dir / f"worker-{self.starts}.log"
        self.log = log
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "marketplace",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ready = wait_for(
            lambda: "ready." in log.read_text() or self.proc.poll() is not None, timeout=120
        )
        assert ready and self.proc.poll() is None, log.read_text()[-3000:]

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture
def worker(tmp_path, iran):
    from marketplace.celery import app

    app.control.purge()
    running = Worker(tmp_path)
    yield running
    running.kill()
    app.control.purge()


def settled() -> bool:
    """Nothing left for the run: every hold due released, no payout open, nothing available."""
    return (
        not MerchantOrderSettlement.objects.filter(status="pending").exists()
        and not Payout.objects.filter(status__in=OPEN_PAYOUT_STATUSES).exists()
        and not Account.objects.filter(
            party="merchant", kind="available", balance_minor__gt=0
        ).exists()
    )


def test_settlement_runs_killed_at_random_points_pay_everyone_once(worker, settings):
    from settlement.tasks import settlement_run

    runs = scale(3, 50, override="RELIABILITY_KILL_RUNS")
    rng = random.Random(50)
    settings.SETTLEMENT_PAYOUT_GATEWAY = "sandbox"
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    fee_rules_create()
    goods = bazaar_create(stock=100_000)
    merchants = [m for m, _p in goods]
    worker.start()

    killed_mid_run = 0
    completed = 0
    expected_payouts = 0
    for _run in range(runs):
        # given purchases delivered long ago, their holds due
        for quantity in (1, 2):
            payment = purchase_pay([(p, quantity) for _m, p in goods])
            for part in payment.purchase.merchant_orders.all():
                merchant_order_delivered(
                    merchant_order_id=part.pk, at=timezone.now() - timedelta(days=30)
                )
        expected_payouts += len(merchants)

        # when the worker runs settlement and is killed at a random point of it
        settlement_run.delay()
        time.sleep(rng.uniform(0.0, 2.5))
        killed_mid_run += not settled()
        worker.kill()

        # and is started again, and the run is sent again
        worker.start()
        settlement_run.delay()
        assert wait_for(settled, timeout=180), worker.log.read_text()[-3000:]
        completed += 1

    # then each payout was transferred once, every merchant paid once per run, the ledger sound
    transfers = SandboxBalanceTransaction.objects.filter(type="transfer")
    transfer_keys = list(transfers.values_list("idempotency_key", flat=True))
    duplicate_transfers = len(transfer_keys) - len(set(transfer_keys))
    paid = Payout.objects.filter(status="paid")
    paid_keys = {f"payout:{pk}:transfer" for pk in paid.values_list("pk", flat=True)}
    per_merchant = dict(
        paid.values("merchant").annotate(n=Count("pk")).values_list("merchant", "n")
    )
    violations = ledger_violations()
    transferred = -(transfers.aggregate(total=Sum("amount_minor"))["total"] or 0)
    paid_total = paid.aggregate(total=Sum("amount_minor"))["total"] or 0
    report(
        "worker_kill",
        attempts=runs,
        successes=completed,
        duplicates=duplicate_transfers,
        violations=len(violations)
        + (set(transfer_keys) != paid_keys)
        + (transferred != paid_total)
        + abs(paid.count() - expected_payouts),
        killed_mid_run=killed_mid_run,
        worker_starts=worker.starts,
        payouts_paid=paid.count(),
        transfers=len(transfer_keys),
        transferred_minor=transferred,
    )
    assert duplicate_transfers == 0
    assert set(transfer_keys) == paid_keys
    assert transferred == paid_total
    assert Payout.objects.exclude(status="paid").count() == 0
    assert per_merchant == {m.pk: runs for m in merchants}
    assert paid.count() == expected_payouts
    assert violations == []
