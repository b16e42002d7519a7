"""Dispute postings: opened (the processor withdraws the money, merchants' shares into reserve),
won (all back), lost (like a full refund, against platform:disputes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.gateways.sandbox import SandboxGateway
from payments.models import Payment, PaymentStatus
from payments.services import payment_refresh
from settlement.services import (
    holds_release_due,
    merchant_order_delivered,
    payment_postings_sync,
    payouts_build,
    postings_post_missing,
)
from tests.settlement.factories import purchase_pay
from tests.settlement.ledger import assert_ledger_sound, balance, keys, legs, m

pytestmark = pytest.mark.django_db

TOTAL = 41_585_000
SHARES = [4_560_000, 27_000_000, 2_360_000]  # the three merchants' shares (incl. shipping)


def dispute(payment: Payment, outcome: str | None = None) -> Payment:
    """The buyer's bank disputes the payment at the sandbox (and, with ``outcome``, the dispute
    is decided); our payment learns it as from the webhook: by re-fetching it."""
    gateway = SandboxGateway()
    gateway.dispute_open(provider_ref=payment.provider_ref)
    if outcome is not None:
        gateway.dispute_close(provider_ref=payment.provider_ref, won=outcome == "won")
    return payment_refresh(payment_id=payment.pk, source="event:test")


def test_an_opened_dispute_withdraws_the_money_and_reserves_the_merchants_shares(paid, bazaar):
    merchants = [merchant for merchant, _product in bazaar]

    payment = dispute(paid)

    assert payment.status == PaymentStatus.DISPUTED
    expected = {
        "platform:disputes:IRR": TOTAL,
        "processor:sandbox:balance:IRR": -TOTAL,
    }
    for merchant, share in zip(merchants, SHARES, strict=True):
        expected[m(merchant, "pending")] = share
        expected[m(merchant, "reserve")] = -share
    assert legs(f"payment:{paid.pk}:dispute_opened") == expected
    for merchant, share in zip(merchants, SHARES, strict=True):
        assert balance(m(merchant, "pending")) == 0
        assert balance(m(merchant, "reserve")) == share
    assert balance("processor:sandbox:balance:IRR") == -paid.fee_minor
    assert_ledger_sound()


def test_a_won_dispute_puts_everything_back(paid, bazaar):
    merchants = [merchant for merchant, _product in bazaar]
    dispute(paid)

    payment = dispute(paid, "won")

    assert payment.status == PaymentStatus.DISPUTE_WON
    expected = {"platform:disputes:IRR": -TOTAL, "processor:sandbox:balance:IRR": TOTAL}
    for merchant, share in zip(merchants, SHARES, strict=True):
        expected[m(merchant, "reserve")] = share
        expected[m(merchant, "pending")] = -share  # not released yet: back to pending
    assert legs(f"payment:{paid.pk}:dispute_won") == expected
    assert balance("platform:disputes:IRR") == 0
    assert balance("processor:sandbox:balance:IRR") == TOTAL - paid.fee_minor
    for merchant, share in zip(merchants, SHARES, strict=True):
        assert balance(m(merchant, "pending")) == share
        assert balance(m(merchant, "reserve")) == 0
    assert_ledger_sound()


def test_a_lost_dispute_is_a_full_refund_against_disputed_funds(paid, bazaar, settings):
    settings.SETTLEMENT_COMMISSION_REFUND = "refund"
    merchants = [merchant for merchant, _product in bazaar]

    # opened and lost before we heard of either: both are posted, in order
    payment = dispute(paid, "lost")

    assert payment.status == PaymentStatus.DISPUTE_LOST
    assert keys() == sorted(
        [
            f"payment:{paid.pk}:captured",
            f"payment:{paid.pk}:processor_fee",
            f"payment:{paid.pk}:dispute_opened",
            f"payment:{paid.pk}:dispute_lost",
        ]
    )
    expected = {
        "platform:disputes:IRR": -TOTAL,
        "platform:commission:IRR": 3_650_000,
        "municipality:fee_payable:IRR": 730_000,
        "tax:vat_payable:IRR": 3_285_000,
    }
    for merchant, share in zip(merchants, SHARES, strict=True):
        expected[m(merchant, "reserve")] = share
    assert legs(f"payment:{paid.pk}:dispute_lost") == expected
    for code in (
        "platform:disputes:IRR",
        "platform:commission:IRR",
        "municipality:fee_payable:IRR",
        "tax:vat_payable:IRR",
    ):
        assert balance(code) == 0
    for merchant in merchants:
        for kind in ("pending", "available", "reserve", "receivable"):
            assert balance(m(merchant, kind)) == 0
    # the buyer got the money back through the chargeback; the platform is out the fee
    assert balance("processor:sandbox:balance:IRR") == -paid.fee_minor
    assert_ledger_sound()


def test_a_lost_dispute_under_keep_policy_costs_the_merchants_the_commission(
    paid, bazaar, settings
):
    settings.SETTLEMENT_COMMISSION_REFUND = "keep"
    merchants = [merchant for merchant, _product in bazaar]
    dispute(paid)
    dispute(paid, "lost")

    posting = legs(f"payment:{paid.pk}:dispute_lost")
    assert "platform:commission:IRR" not in posting
    commissions = [450_000, 3_000_000, 200_000]
    for merchant, share, commission in zip(merchants, SHARES, commissions, strict=True):
        assert posting[m(merchant, "reserve")] == share
        assert posting[m(merchant, "receivable")] == commission
        assert balance(m(merchant, "receivable")) == commission
    assert balance("platform:commission:IRR") == 3_650_000
    assert_ledger_sound()


def test_a_dispute_after_release_and_payout_books_what_is_missing_as_owed(
    bazaar, fee_rules, settings
):
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    merchant, product = bazaar[0]
    payment = purchase_pay([(product, 1)])
    mo = payment.purchase.merchant_orders.get()
    now = timezone.now()
    merchant_order_delivered(merchant_order_id=mo.pk, at=now - timedelta(days=30))
    holds_release_due(now=now)
    assert balance(m(merchant, "available")) == SHARES[0]
    # and all of it went into a payout
    payouts_build(now=now)
    assert balance(m(merchant, "available")) == 0

    dispute(payment)

    # nothing pending nor available: the whole share is reserved and owed
    assert legs(f"payment:{payment.pk}:dispute_opened")[m(merchant, "receivable")] == SHARES[0]
    assert balance(m(merchant, "reserve")) == SHARES[0]
    assert balance(m(merchant, "receivable")) == SHARES[0]

    # when the dispute is won, the debt is cleared first
    dispute(payment, "won")
    assert legs(f"payment:{payment.pk}:dispute_won")[m(merchant, "receivable")] == -SHARES[0]
    for kind in ("pending", "available", "reserve", "receivable"):
        assert balance(m(merchant, kind)) == 0
    assert_ledger_sound()


def test_a_won_dispute_after_release_returns_the_share_to_available(bazaar, fee_rules):
    merchant, product = bazaar[2]
    payment = purchase_pay([(product, 1)])
    mo = payment.purchase.merchant_orders.get()
    now = timezone.now()
    merchant_order_delivered(merchant_order_id=mo.pk, at=now - timedelta(days=30))
    holds_release_due(now=now)

    dispute(payment)
    assert legs(f"payment:{payment.pk}:dispute_opened")[m(merchant, "available")] == SHARES[2]
    dispute(payment, "won")

    assert legs(f"payment:{payment.pk}:dispute_won")[m(merchant, "available")] == -SHARES[2]
    assert balance(m(merchant, "available")) == SHARES[2]
    assert balance(m(merchant, "reserve")) == 0
    assert_ledger_sound()


def test_replaying_dispute_events_posts_nothing_more(paid):
    dispute(paid, "won")
    before = keys()
    for _ in range(2):
        payment_refresh(payment_id=paid.pk, source="event:dup")
    assert payment_postings_sync(payment=Payment.objects.get(pk=paid.pk)) == []
    assert postings_post_missing().posted == 0
    assert keys() == before
    assert_ledger_sound()
