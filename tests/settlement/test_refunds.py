"""Refund postings: proportional reversal of a merchant order's outstanding parts (largest
remainder), both commission policies, where the merchant's share comes from, replays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.models import Transaction
from payments.models import Refund
from payments.services import payment_refund, refund_submit
from settlement.services import (
    holds_release_due,
    merchant_order_delivered,
    payment_postings_sync,
    payouts_build,
    postings_post_missing,
    refund_post,
)
from tests.merchants.factories import UserFactory
from tests.settlement.factories import purchase_pay
from tests.settlement.ledger import assert_ledger_sound, balance, keys, legs, m

pytestmark = pytest.mark.django_db

# Two saffron vials (4,500,000 each): goods 9,000,000, commission 900,000, city fee 180,000
# (merchant), VAT 810,000, shipping 600,000: the buyer paid 10,410,000, the merchant's share is
# 9,000,000 - 900,000 - 180,000 + 600,000 = 8,520,000.
TOTAL = 10_410_000
MERCHANT = 8_520_000
HALF = TOTAL // 2  # 5,205,000: exactly half of every part


@pytest.fixture
def admin(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def saffron(bazaar, fee_rules):
    """(merchant, payment, merchant order) of a captured purchase of two saffron vials."""
    merchant, product = bazaar[0]
    payment = purchase_pay([(product, 2)])
    mo = payment.purchase.merchant_orders.get()
    assert mo.total_minor == TOTAL
    return merchant, payment, mo


def refund(payment, mo, amount, admin):
    """A refund of ``amount`` (a goodwill partial refund) sent through ``refund_submit``."""
    row = Refund.objects.create(
        payment=payment,
        merchant_order=mo,
        amount_minor=amount,
        currency="IRR",
        reason="goodwill",
        requested_by=admin,
    )
    row.idempotency_key = f"refund:{row.pk}"
    row.save(update_fields=["idempotency_key"])
    done = refund_submit(refund_id=row.pk)
    assert done.status == "succeeded"
    return done


def test_half_refund_gives_back_half_of_every_part(saffron, admin, settings):
    settings.SETTLEMENT_COMMISSION_REFUND = "refund"
    merchant, payment, mo = saffron

    first = refund(payment, mo, HALF, admin)

    assert legs(f"refund:{first.pk}:succeeded") == {
        "processor:sandbox:balance:IRR": -HALF,
        m(merchant, "pending"): 4_260_000,
        "platform:commission:IRR": 450_000,
        "municipality:fee_payable:IRR": 90_000,
        "tax:vat_payable:IRR": 405_000,
    }
    txn = Transaction.objects.get(idempotency_key=f"refund:{first.pk}:succeeded")
    assert txn.metadata["provider_ref"] == first.provider_ref
    assert txn.metadata["refund_id"] == first.pk
    # every leg is about the merchant order
    assert set(txn.entries.values_list("merchant_order_id", flat=True)) == {mo.pk}

    # when the rest is refunded through the staff service (whole order: all that is left)
    rest = payment_refund(merchant_order_id=mo.pk, reason="damaged", requested_by=admin)
    assert rest.amount_minor == HALF

    # then every party is back to zero for this order, the processor paid back all but its fee
    assert balance(m(merchant, "pending")) == 0
    assert balance("platform:commission:IRR") == 0
    assert balance("municipality:fee_payable:IRR") == 0
    assert balance("tax:vat_payable:IRR") == 0
    assert balance("processor:sandbox:balance:IRR") == -payment.fee_minor
    assert_ledger_sound()


def test_an_odd_amount_is_split_by_largest_remainder(saffron, admin):
    merchant, payment, mo = saffron
    # 1,000,001 over weights 8,520,000 / 900,000 / 180,000 / 810,000: exact shares
    # 818,444.62 / 86,455.41 / 17,291.08 / 77,809.87; the two units left go to .87 and .62
    done = refund(payment, mo, 1_000_001, admin)
    assert legs(f"refund:{done.pk}:succeeded") == {
        "processor:sandbox:balance:IRR": -1_000_001,
        m(merchant, "pending"): 818_445,
        "platform:commission:IRR": 86_455,
        "municipality:fee_payable:IRR": 17_291,
        "tax:vat_payable:IRR": 77_810,
    }
    assert_ledger_sound()


def test_keep_policy_the_merchant_bears_the_commission_share_too(saffron, admin, settings):
    settings.SETTLEMENT_COMMISSION_REFUND = "keep"
    merchant, payment, mo = saffron

    first = refund(payment, mo, HALF, admin)
    assert legs(f"refund:{first.pk}:succeeded") == {
        "processor:sandbox:balance:IRR": -HALF,
        m(merchant, "pending"): 4_260_000 + 450_000,
        "municipality:fee_payable:IRR": 90_000,
        "tax:vat_payable:IRR": 405_000,
    }
    rest = payment_refund(merchant_order_id=mo.pk, reason="damaged", requested_by=admin)

    # the second half again costs the merchant 4,710,000: 3,810,000 pending is all that is left,
    # the other 900,000 (the commission the platform keeps) is booked as owed by the merchant
    assert legs(f"refund:{rest.pk}:succeeded") == {
        "processor:sandbox:balance:IRR": -HALF,
        m(merchant, "pending"): 3_810_000,
        m(merchant, "receivable"): 900_000,
        "municipality:fee_payable:IRR": 90_000,
        "tax:vat_payable:IRR": 405_000,
    }
    assert balance("platform:commission:IRR") == 900_000
    assert balance(m(merchant, "pending")) == 0
    assert balance(m(merchant, "receivable")) == 900_000
    assert_ledger_sound()


def test_after_release_the_refund_comes_from_available_then_receivable(saffron, admin, settings):
    settings.SETTLEMENT_COMMISSION_REFUND = "refund"
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    merchant, payment, mo = saffron
    now = timezone.now()
    merchant_order_delivered(merchant_order_id=mo.pk, at=now - timedelta(days=8))
    assert holds_release_due(now=now).released == 1
    assert balance(m(merchant, "available")) == MERCHANT

    # when half is refunded after the release: it comes out of available
    first = refund(payment, mo, HALF, admin)
    assert legs(f"refund:{first.pk}:succeeded")[m(merchant, "available")] == 4_260_000
    assert balance(m(merchant, "available")) == 4_260_000

    # and once the rest was paid out, the second half is owed by the merchant
    built = payouts_build(now=now)
    assert len(built.created) == 1
    assert balance(m(merchant, "available")) == 0
    rest = payment_refund(merchant_order_id=mo.pk, reason="damaged", requested_by=admin)
    assert legs(f"refund:{rest.pk}:succeeded")[m(merchant, "receivable")] == 4_260_000
    assert balance(m(merchant, "receivable")) == 4_260_000
    assert balance(m(merchant, "available")) == 0
    assert_ledger_sound()


def test_replaying_a_refund_posts_nothing_more(saffron, admin):
    _merchant, payment, mo = saffron
    done = refund(payment, mo, HALF, admin)
    before = keys()

    assert refund_submit(refund_id=done.pk).status == "succeeded"
    _txn, created = refund_post(refund=done)
    assert created is False
    assert payment_postings_sync(payment=payment) == []
    assert postings_post_missing().posted == 0
    assert keys() == before
    assert_ledger_sound()


def test_a_failed_refund_posts_nothing(saffron, admin):
    _merchant, payment, mo = saffron
    before = keys()
    row = Refund.objects.create(
        payment=payment,
        merchant_order=mo,
        amount_minor=HALF,
        currency="IRR",
        reason="x",
        status="failed",
    )
    assert payment_postings_sync(payment=payment) == []
    assert not Transaction.objects.filter(idempotency_key=f"refund:{row.pk}:succeeded").exists()
    assert keys() == before
