"""Reconciling Stripe (the local fake, through the real SDK) against the ledger."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from marketplace.core.money import Money
from payments.gateways import gateway_by_name
from payments.interface import AuthorizeRequest, GatewayError, PaymentMethodInput
from reconciliation.models import ReconciliationRun
from reconciliation.services import reconciliation_run
from tests.reconciliation.conftest import Books

pytestmark = pytest.mark.django_db


def stripe_day(stripe_fake) -> datetime:
    """The local day of the fake's balance transactions (its clock is the real one)."""
    created = stripe_fake.objects_of("balance_transaction")[0]["created"]
    return timezone.localtime(datetime.fromtimestamp(created, tz=timezone.get_default_timezone()))


def test_a_day_at_stripe_booked_alike_in_the_ledger_matches(stripe_settings, stripe_fake, merchant):
    # given at Stripe: a capture of $125.00 (fee $3.93), a $25.00 refund, a $50.00 transfer to
    # a merchant and $10.00 of it reversed
    gateway = gateway_by_name("stripe")
    authorized = gateway.payment_authorize(
        request=AuthorizeRequest(
            amount=Money(12_500, "USD"),
            reference="100021",
            idempotency_key="payment:21:authorize",
            return_url="http://testserver/return/",
            payment_method=PaymentMethodInput(token="pm_card_visa"),
        )
    )
    captured = gateway.payment_capture(
        provider_ref=authorized.provider_ref, amount=None, idempotency_key="payment:21:capture"
    )
    assert captured.fee == Money(393, "USD")
    refund = gateway.refund_create(
        provider_ref=captured.provider_ref,
        amount=Money(2_500, "USD"),
        reason="returned",
        reference="100021-1",
        idempotency_key="refund:21",
    )
    account = gateway.payout_account_create(
        merchant_reference="novin", country="US", email="m@example.com", idempotency_key="acct:1"
    )
    stripe_fake.complete_account_onboarding(account.provider_ref)
    transfer = gateway.transfer_create(
        amount=Money(5_000, "USD"),
        destination=account.provider_ref,
        transfer_group="100021",
        source_transaction=captured.provider_ref,
        idempotency_key="payout:21:transfer",
    )
    gateway.transfer_reverse(
        transfer_ref=transfer.provider_ref,
        amount=Money(1_000, "USD"),
        idempotency_key="payout:21:reverse",
    )
    # and the same in the ledger, in USD on processor:stripe:balance
    at = stripe_day(stripe_fake)
    books = Books(merchant, gateway="stripe", currency="USD")
    books.capture(payment_id=21, provider_ref=captured.provider_ref, amount=12_500, at=at)
    books.fee(payment_id=21, provider_ref=captured.provider_ref, fee=393, at=at)
    books.refund(refund_id=21, provider_ref=refund.provider_ref, amount=2_500, at=at)
    books.payout(payout_id=21, transfer_ref=transfer.provider_ref, amount=5_000, at=at)
    books.transfer_reversal(payout_id=21, transfer_ref=transfer.provider_ref, amount=1_000, at=at)

    # when the day is reconciled
    (run,) = reconciliation_run(gateway_name="stripe", day=at.date())

    # then everything matches: 12,500 − 393 − 2,500 − 5,000 + 1,000 net on both sides
    assert (run.currency, run.status) == ("USD", "succeeded")
    assert (run.matched_count, run.mismatched_count) == (4, 0)
    assert (run.ledger_only_count, run.processor_only_count) == (0, 0)
    assert run.processor_net_minor == run.ledger_net_minor == 5_607
    assert run.items.count() == 0


def test_a_dispute_at_stripe_shows_what_the_ledger_lacks(stripe_settings, stripe_fake, merchant):
    # given a $20.00 capture booked in the ledger, then disputed at Stripe (the amount withdrawn
    # and a $15.00 dispute fee) with no dispute posting in the ledger
    gateway = gateway_by_name("stripe")
    authorized = gateway.payment_authorize(
        request=AuthorizeRequest(
            amount=Money(2_000, "USD"),
            reference="100022",
            idempotency_key="payment:22:authorize",
            return_url="http://testserver/return/",
            payment_method=PaymentMethodInput(token="pm_card_createDispute"),
        )
    )
    captured = gateway.payment_capture(
        provider_ref=authorized.provider_ref, amount=None, idempotency_key="payment:22:capture"
    )
    stripe_fake.dispute_pending()
    at = stripe_day(stripe_fake)
    books = Books(merchant, gateway="stripe", currency="USD")
    books.capture(payment_id=22, provider_ref=captured.provider_ref, amount=2_000, at=at)
    books.fee(
        payment_id=22, provider_ref=captured.provider_ref, fee=captured.fee.amount_minor, at=at
    )

    # when the day is reconciled
    (run,) = reconciliation_run(gateway_name="stripe", day=at.date())

    # then the capture matches and the dispute, on the same payment, is missing in the ledger
    assert (run.matched_count, run.processor_only_count) == (1, 1)
    item = run.items.get()
    assert (item.kind, item.txn_type, item.provider_ref, item.processor_minor) == (
        "missing_in_ledger",
        "dispute",
        captured.provider_ref,
        -2_000,
    )
    assert "fee 1500" in item.note


def test_when_stripe_cannot_be_read_the_run_is_marked_failed_and_kept(
    stripe_settings, stripe_fake, merchant
):
    # given a day already reconciled with a mismatch (a ledger capture Stripe never made)
    books = Books(merchant, gateway="stripe", currency="USD")
    day = timezone.localdate()
    books.capture(payment_id=23, provider_ref="pi_ghost", amount=1_000, at=timezone.now())
    (first,) = reconciliation_run(gateway_name="stripe", day=day)
    assert first.ledger_only_count == 1

    # when Stripe answers 500 to every try of the rerun
    stripe_fake.fail_next(5, status=500, path_prefix="/v1/balance_transactions")
    with pytest.raises(GatewayError) as caught:
        reconciliation_run(gateway_name="stripe", day=day)

    # then the error is retryable, the run says it failed and why, its last result kept
    assert caught.value.retryable
    run = ReconciliationRun.objects.get()
    assert (run.pk, run.status, run.ledger_only_count) == (first.pk, "failed", 1)
    assert run.error
    assert run.items.get().provider_ref == "pi_ghost"
