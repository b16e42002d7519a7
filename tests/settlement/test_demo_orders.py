"""The demo's paid orders: placed through the real services, some delivered long ago, so that
``manage.py settle`` leaves merchants with payouts; loading them again changes nothing."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django.db import transaction

from ledger.models import Transaction
from marketplace.demo.orders import PURCHASES, demo_orders_load
from marketplace.demo.services import DemoLoadResult
from payments.models import Payment
from purchases.models import Purchase
from settlement.models import MerchantOrderSettlement, Payout
from tests.customs.factories import hs_codes_ensure
from tests.settlement.ledger import assert_ledger_sound


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo loaded once for the module, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        hs_codes_ensure()
        started = time.monotonic()
        call_command("load_demo", allow_without_debug=True, stdout=io.StringIO())
        yield time.monotonic() - started
        transaction.set_rollback(True)


@pytest.fixture
def in_demo(demo, db):
    return demo


def test_the_demo_places_paid_purchases_through_the_services(in_demo):
    purchases = Purchase.objects.filter(number__startswith="DEMO-").order_by("number")
    assert [p.number for p in purchases] == [spec.number for spec in PURCHASES]
    for purchase in purchases:
        payment = Payment.objects.get(purchase=purchase)
        assert payment.status == "captured" and payment.gateway == "sandbox"
        assert Transaction.objects.filter(idempotency_key=f"payment:{payment.pk}:captured").exists()
    holds = MerchantOrderSettlement.objects.filter(
        merchant_order__purchase__number__startswith="DEMO-"
    )
    delivered = holds.filter(delivered_at__isnull=False)
    assert delivered.count() == sum(
        len(spec.items) for spec in PURCHASES if spec.delivered_days_ago is not None
    )
    assert {mo.order.status for mo in purchases.last().merchant_orders.all()} == {"Shipped"}
    assert_ledger_sound()


def test_settling_the_demo_pays_merchants_out(in_demo, settings):
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1_000_000
    settings.SETTLEMENT_PAYOUT_GATEWAY = "sandbox"
    out = io.StringIO()
    call_command("settle", stdout=out, stderr=io.StringIO())

    # the three purchases delivered 12 to 20 days ago are released; the one delivered 2 days ago
    # and the one not delivered are still held
    released = MerchantOrderSettlement.objects.filter(status="available")
    assert {h.merchant_order.purchase.number for h in released} == {
        "DEMO-1001",
        "DEMO-1002",
        "DEMO-1003",
    }
    paid = Payout.objects.filter(status="paid")
    assert paid.count() >= 3
    assert "payouts paid" in out.getvalue()
    assert_ledger_sound()


def test_loading_the_demo_orders_again_changes_nothing(in_demo):
    before = (
        Purchase.objects.count(),
        Payment.objects.count(),
        Transaction.objects.count(),
    )
    result = DemoLoadResult()
    started = time.monotonic()
    demo_orders_load(result)
    assert time.monotonic() - started < 10
    assert result.counts["demo orders"] == {"unchanged": len(PURCHASES)}
    assert not result.changed
    assert (
        Purchase.objects.count(),
        Payment.objects.count(),
        Transaction.objects.count(),
    ) == before
