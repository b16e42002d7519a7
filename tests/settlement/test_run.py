"""The settlement run: ``manage.py settle`` and, end to end, the asynchronous parts through a real
Celery worker (sandbox dispute → webhook → event task → postings; the beat task settlement.run)."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ledger.models import Transaction
from payments.gateways.sandbox import SandboxGateway
from payments.models import Payment, PaymentStatus
from settlement.models import MerchantOrderSettlement, Payout
from settlement.services import merchant_order_delivered
from tests.settlement.factories import CARD_DISPUTED, fee_rules_create, purchase_pay
from tests.settlement.ledger import assert_ledger_sound, balance, keys, m
from tests.shop import bazaar_create, iran_ensure

SAFFRON_SHARE = 4_560_000


def settle(*args: str) -> str:
    out = io.StringIO()
    call_command("settle", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_settle_dry_run_counts_and_writes_nothing(bazaar, fee_rules, settings):
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    settings.SETTLEMENT_PAYOUT_GATEWAY = "sandbox"
    _merchant, product = bazaar[0]
    payment = purchase_pay([(product, 1)])
    mo = payment.purchase.merchant_orders.get()
    merchant_order_delivered(merchant_order_id=mo.pk, at=timezone.now() - timedelta(days=10))
    before = keys()

    out = settle("--dry-run")

    assert "DRY RUN" in out
    assert "holds to release: 1 (IRR4,560,000)" in out
    assert keys() == before
    assert MerchantOrderSettlement.objects.get().status == "pending"
    assert Payout.objects.count() == 0


@pytest.mark.django_db
def test_settle_releases_and_pays_out_and_prints_the_counts(bazaar, fee_rules, settings):
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    settings.SETTLEMENT_PAYOUT_GATEWAY = "sandbox"
    merchant, product = bazaar[0]
    payment = purchase_pay([(product, 1)])
    mo = payment.purchase.merchant_orders.get()
    delivered = timezone.now() - timedelta(days=3)
    merchant_order_delivered(merchant_order_id=mo.pk, at=delivered)

    # as of today the return window has not ended
    assert "holds released: 0" in settle()
    # as of ten days after delivery it has
    out = settle("--now", (delivered + timedelta(days=10)).isoformat())

    assert "holds released: 1 (IRR4,560,000)" in out
    assert "payouts created: 1 (IRR4,560,000)" in out
    assert "payouts paid: 1 (IRR4,560,000)" in out
    assert balance(m(merchant, "available")) == 0
    assert Payout.objects.get().status == "paid"
    assert_ledger_sound()


@pytest.mark.django_db
def test_settle_refuses_a_bad_now(db):
    with pytest.raises(CommandError, match="--now"):
        settle("--now", "yesterday")


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


@pytest.mark.django_db(transaction=True)
def test_end_to_end_through_the_worker(celery_worker, settings):
    # given the shop, its fees, and the worker running every queued task
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    settings.SETTLEMENT_PAYOUT_GATEWAY = "sandbox"
    settings.SETTLEMENT_COMMISSION_REFUND = "refund"
    iran_ensure()
    fee_rules_create()
    (saffron_house, saffron), (_carpets, _rug), (roastery, pistachios) = bazaar_create()

    # a purchase delivered long ago, and one paid with the card whose charge gets disputed
    delivered = purchase_pay([(saffron, 1)])
    merchant_order_delivered(
        merchant_order_id=delivered.purchase.merchant_orders.get().pk,
        at=timezone.now() - timedelta(days=30),
    )
    disputed = purchase_pay([(pistachios, 1)], number=CARD_DISPUTED)
    assert disputed.status == PaymentStatus.CAPTURED

    # the sandbox's dispute task → dispute.created webhook → event task → dispute_opened
    wait_for(
        lambda: Transaction.objects.filter(
            idempotency_key=f"payment:{disputed.pk}:dispute_opened"
        ).exists()
    )
    assert Payment.objects.get(pk=disputed.pk).status == PaymentStatus.DISPUTED
    assert balance(m(roastery, "reserve")) == 2_360_000

    # the dispute is lost: dispute.closed webhook → event task → dispute_lost
    SandboxGateway().dispute_close(provider_ref=disputed.provider_ref, won=False)
    wait_for(
        lambda: Transaction.objects.filter(
            idempotency_key=f"payment:{disputed.pk}:dispute_lost"
        ).exists()
    )
    assert balance(m(roastery, "reserve")) == 0

    # the daily beat task: release, build, pay out
    from settlement.tasks import settlement_run

    settlement_run.delay()
    payout = wait_for(lambda: Payout.objects.filter(status="paid").first())
    assert (payout.merchant_id, payout.amount_minor) == (saffron_house.pk, SAFFRON_SHARE)
    assert balance(m(saffron_house, "available")) == 0
    assert Payout.objects.count() == 1
    assert_ledger_sound()
