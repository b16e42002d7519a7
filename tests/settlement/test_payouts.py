"""Payouts: minimum, held for a suspended merchant, netting what a merchant owes, transfer
failures (retryable or final), and a crash between the transfer and its record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.models import Transaction
from merchants.models import MerchantStatus
from payments.interface import GatewayError
from settlement.models import MerchantPayoutAccount, Payout, PayoutEvent
from settlement.services import (
    holds_release_due,
    merchant_order_delivered,
    payout_account_ensure,
    payout_submit,
    payouts_build,
    payouts_submit,
    settlement_run,
)
from settlement.services import payouts as payouts_module
from tests.settlement.factories import purchase_pay
from tests.settlement.ledger import assert_ledger_sound, balance, keys, legs, m
from tests.shop import bazaar_create

pytestmark = pytest.mark.django_db

SAFFRON_SHARE = 4_560_000


def released(product, quantity: int = 1) -> object:
    """A captured purchase of ``product`` delivered 30 days ago and released: the merchant order."""
    payment = purchase_pay([(product, quantity)])
    mo = payment.purchase.merchant_orders.get()
    merchant_order_delivered(merchant_order_id=mo.pk, at=timezone.now() - timedelta(days=30))
    holds_release_due(now=timezone.now())
    return mo


@pytest.fixture
def minimum(settings):
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1_000_000
    settings.SETTLEMENT_PAYOUT_GATEWAY = "sandbox"
    return settings


def test_a_merchant_is_paid_its_available_balance(bazaar, fee_rules, minimum):
    merchant, product = bazaar[0]
    mo = released(product)
    now = timezone.now()

    built = payouts_build(now=now)

    (payout,) = Payout.objects.all()
    assert built.created == [payout.pk]
    assert (payout.merchant_id, payout.amount_minor, payout.status) == (
        merchant.pk,
        SAFFRON_SHARE,
        "created",
    )
    assert legs(f"payout:{payout.pk}:reserved") == {
        m(merchant, "available"): SAFFRON_SHARE,
        "platform:in_transit:IRR": -SAFFRON_SHARE,
    }
    # the payout carries the released order, all from one charge
    assert list(payout.order_settlements.values_list("merchant_order_id", flat=True)) == [mo.pk]
    assert payout.source_transaction == mo.purchase.payments.get().provider_ref

    submitted = payouts_submit()

    payout.refresh_from_db()
    assert (submitted.paid, submitted.paid_minor) == (1, {"IRR": SAFFRON_SHARE})
    assert payout.status == "paid" and payout.transfer_ref.startswith("sbx_tr_")
    account = MerchantPayoutAccount.objects.get(merchant=merchant)
    assert payout.destination == account.account_ref
    assert legs(f"payout:{payout.pk}:paid") == {
        "platform:in_transit:IRR": SAFFRON_SHARE,
        "processor:sandbox:balance:IRR": -SAFFRON_SHARE,
    }
    paid = Transaction.objects.get(idempotency_key=f"payout:{payout.pk}:paid")
    assert paid.metadata["provider_ref"] == payout.transfer_ref
    assert list(PayoutEvent.objects.filter(payout=payout).values_list("to_status", flat=True)) == [
        "created",
        "submitted",
        "paid",
    ]
    assert balance(m(merchant, "available")) == 0
    assert balance("platform:in_transit:IRR") == 0

    # a second run finds nothing to do
    before = keys()
    again = settlement_run(now=now)
    assert (again.payouts_created, again.payouts_paid) == (0, 0)
    assert keys() == before
    assert_ledger_sound()


def test_a_payout_from_several_purchases_names_no_single_source_charge(bazaar, fee_rules, minimum):
    _merchant, product = bazaar[0]
    first, second = released(product), released(product)

    payouts_build(now=timezone.now())

    payout = Payout.objects.get()
    assert payout.amount_minor == 2 * SAFFRON_SHARE
    assert payout.source_transaction == ""
    assert sorted(payout.order_settlements.values_list("merchant_order_id", flat=True)) == [
        first.pk,
        second.pk,
    ]


def test_below_the_minimum_nothing_is_paid_out(bazaar, fee_rules, minimum):
    minimum.SETTLEMENT_PAYOUT_MINIMUM_MINOR = SAFFRON_SHARE + 1
    merchant, product = bazaar[0]
    released(product)

    built = payouts_build(now=timezone.now())

    assert (built.created, built.below_minimum) == ([], 1)
    assert Payout.objects.count() == 0
    assert balance(m(merchant, "available")) == SAFFRON_SHARE


def test_a_suspended_merchants_payout_is_held_with_the_reason_until_they_trade_again(
    bazaar, fee_rules, minimum
):
    merchant, product = bazaar[0]
    released(product)
    merchant.status = MerchantStatus.SUSPENDED
    merchant.save()

    built = payouts_build(now=timezone.now())
    payouts_build(now=timezone.now())  # a second run keeps the one held payout

    (held,) = Payout.objects.all()
    assert built.held == 1 and built.created == []
    assert held.status == "held" and "suspended" in held.reason
    assert held.amount_minor == SAFFRON_SHARE
    # no money moved: it is still the merchant's, available
    assert balance(m(merchant, "available")) == SAFFRON_SHARE
    assert not Transaction.objects.filter(kind="payout").exists()

    merchant.status = MerchantStatus.APPROVED
    merchant.save()
    result = settlement_run(now=timezone.now())

    held.refresh_from_db()
    assert held.status == "canceled"
    assert (result.payouts_created, result.payouts_paid) == (1, 1)
    assert Payout.objects.get(status="paid").amount_minor == SAFFRON_SHARE
    assert_ledger_sound()


def test_what_a_merchant_owes_is_netted_before_paying_out(bazaar, fee_rules, minimum):
    from payments.services import payment_refund
    from tests.merchants.factories import UserFactory

    minimum.SETTLEMENT_COMMISSION_REFUND = "keep"
    merchant, product = bazaar[0]
    admin = UserFactory(is_staff=True, is_superuser=True)
    # a first order refunded after it was released and paid out: the commission share is owed
    first = released(product)
    settlement_run(now=timezone.now())
    payment_refund(merchant_order_id=first.pk, reason="damaged", requested_by=admin)
    owed = balance(m(merchant, "receivable"))
    assert owed == SAFFRON_SHARE + 450_000
    # a second order is released
    released(product, quantity=2)
    available = balance(m(merchant, "available"))
    assert available == 2 * 3_960_000 + 600_000

    built = payouts_build(now=timezone.now())

    assert (built.netted, built.netted_minor) == (1, owed)
    assert legs(f"merchant:{merchant.pk}:netting:1") == {
        m(merchant, "available"): owed,
        m(merchant, "receivable"): -owed,
    }
    payout = Payout.objects.get(status="created")
    assert payout.amount_minor == available - owed
    assert balance(m(merchant, "receivable")) == 0
    assert_ledger_sound()


def test_owing_more_than_is_available_nets_what_there_is_and_pays_nothing(
    bazaar, fee_rules, minimum
):
    from payments.services import payment_refund
    from tests.merchants.factories import UserFactory

    merchant, product = bazaar[0]
    admin = UserFactory(is_staff=True, is_superuser=True)
    expensive = released(product, quantity=3)
    settlement_run(now=timezone.now())
    payment_refund(merchant_order_id=expensive.pk, reason="returned", requested_by=admin)
    owed = balance(m(merchant, "receivable"))
    released(product)

    built = payouts_build(now=timezone.now())

    assert built.netted_minor == SAFFRON_SHARE
    assert built.created == []
    assert balance(m(merchant, "available")) == 0
    assert balance(m(merchant, "receivable")) == owed - SAFFRON_SHARE
    assert_ledger_sound()


# --- against the Stripe fake ------------------------------------------------------------------


@pytest.fixture
def stripe_payouts(settings, stripe_fake, iran):
    """Payouts through Stripe (the local fake) in USD; purchases still paid with the sandbox."""
    settings.PAYMENTS_GATEWAY = "sandbox"
    settings.SETTLEMENT_PAYOUT_GATEWAY = "stripe"
    settings.SETTLEMENT_PAYOUT_ACCOUNT_COUNTRY = "US"
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = stripe_fake.url
    settings.OSCAR_DEFAULT_CURRENCY = "USD"
    merchant, product = bazaar_create(currency="USD")[0]
    mo = released(product)
    return merchant, mo


def _onboarded(stripe_fake, merchant) -> MerchantPayoutAccount:
    account = payout_account_ensure(merchant=merchant, gateway="stripe")
    stripe_fake.complete_account_onboarding(account.account_ref)
    return account


def test_a_refused_transfer_fails_the_payout_and_gives_the_money_back(stripe_fake, stripe_payouts):
    merchant, _mo = stripe_payouts
    available = balance(m(merchant, "available", "USD"))
    assert available > 0
    # the merchant never finished onboarding: Stripe refuses transfers to the account

    built = payouts_build(now=timezone.now())
    payout = payout_submit(payout_id=built.created[0])

    assert payout.status == "failed"
    assert "capabilities" in payout.reason
    assert legs(f"payout:{payout.pk}:failed") == {
        "platform:in_transit:USD": available,
        m(merchant, "available", "USD"): -available,
    }
    assert balance(m(merchant, "available", "USD")) == available
    assert stripe_fake.objects_of("transfer") == []
    # the order's earnings are free for the next payout
    assert not payout.order_settlements.exists()
    assert_ledger_sound()


def test_a_retryable_failure_leaves_the_payout_submitted_and_the_retry_pays_once(
    stripe_fake, stripe_payouts, monkeypatch, django_capture_on_commit_callbacks
):
    merchant, _mo = stripe_payouts
    _onboarded(stripe_fake, merchant)
    queued: list[tuple[str, tuple]] = []
    from celery.app.task import Task

    monkeypatch.setattr(
        Task,
        "apply_async",
        lambda self, args=None, kwargs=None, **o: queued.append((self.name, tuple(args or ()))),
    )
    built = payouts_build(now=timezone.now())
    payout_id = built.created[0]
    # Stripe answers 500 to the transfer and to the SDK's two retries
    stripe_fake.fail_next(3, 500, "/v1/transfers")

    with django_capture_on_commit_callbacks(execute=True):
        result = payouts_submit()

    payout = Payout.objects.get(pk=payout_id)
    assert (result.retrying, result.paid, result.failed) == (1, 0, 0)
    assert payout.status == "submitted" and payout.last_error
    assert queued == [("settlement.payout_submit", (payout_id,))]
    assert not Transaction.objects.filter(idempotency_key=f"payout:{payout_id}:paid").exists()

    # when the retry runs (same key), the transfer is made once and recorded
    payout = payout_submit(payout_id=payout_id)
    assert payout.status == "paid"
    assert len(stripe_fake.objects_of("transfer")) == 1
    assert_ledger_sound()


def test_a_crash_after_the_transfer_never_transfers_twice(stripe_fake, stripe_payouts, monkeypatch):
    merchant, _mo = stripe_payouts
    account = _onboarded(stripe_fake, merchant)
    available = balance(m(merchant, "available", "USD"))
    built = payouts_build(now=timezone.now())
    payout_id = built.created[0]

    # the worker dies after Stripe made the transfer, before we recorded it
    def crash(**kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(payouts_module, "payout_paid_record", crash)
    with pytest.raises(RuntimeError):
        payout_submit(payout_id=payout_id)
    assert Payout.objects.get(pk=payout_id).status == "submitted"
    assert len(stripe_fake.objects_of("transfer")) == 1
    monkeypatch.undo()

    # when the payout is run again
    result = settlement_run(now=timezone.now())

    # then the same transfer is returned and recorded: exactly one transfer at Stripe
    transfers = stripe_fake.objects_of("transfer")
    assert len(transfers) == 1
    (transfer,) = transfers
    assert (transfer["amount"], transfer["destination"], transfer["transfer_group"]) == (
        available,
        account.account_ref,
        f"payout:{payout_id}",
    )
    transfer_posts = [
        r for r in stripe_fake.requests if r["method"] == "POST" and r["path"] == "/v1/transfers"
    ]
    assert {r["idempotency_key"] for r in transfer_posts} == {f"payout:{payout_id}:transfer"}
    payout = Payout.objects.get(pk=payout_id)
    assert result.payouts_paid == 1
    assert payout.status == "paid" and payout.transfer_ref == transfer["id"]
    assert legs(f"payout:{payout_id}:paid") == {
        "platform:in_transit:USD": available,
        "processor:stripe:balance:USD": -available,
    }
    assert balance(m(merchant, "available", "USD")) == 0
    assert balance("platform:in_transit:USD") == 0
    assert_ledger_sound()


def test_gateway_error_is_raised_only_when_retryable(stripe_fake, stripe_payouts):
    # (documents payout_submit's contract for the retrying task)
    merchant, _mo = stripe_payouts
    _onboarded(stripe_fake, merchant)
    payout_id = payouts_build(now=timezone.now()).created[0]
    stripe_fake.fail_next(3, 503, "/v1/transfers")
    with pytest.raises(GatewayError) as excinfo:
        payout_submit(payout_id=payout_id)
    assert excinfo.value.retryable is True
