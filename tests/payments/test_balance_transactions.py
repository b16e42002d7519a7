"""``Gateway.balance_transactions_list`` and the processor fee: the sandbox's own book, and the
Stripe adapter through the real SDK against the fake (paging, types, references)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from marketplace.core.money import Money
from payments.gateways.sandbox import SandboxGateway
from payments.gateways.stripe import StripeGateway
from payments.gateways.stripe.client import client_create
from payments.interface import (
    AuthorizeRequest,
    BalanceTransaction,
    BalanceTransactionType,
    Gateway,
    InvalidRequest,
    PaymentMethodInput,
)
from payments.models import Payment, SandboxBalanceTransaction
from payments.services import payment_complete
from tests.payments.conftest import STRIPE_TEST_KEY, WEBHOOK_SECRET
from tests.payments.fixtures import authorize

pytest_plugins = ["tests.payments.fixtures"]

T = BalanceTransactionType


def window() -> dict[str, datetime]:
    now = timezone.now()
    return {"created_gte": now - timedelta(hours=1), "created_lt": now + timedelta(hours=1)}


VISA = "pm_card_visa"


def request(amount: Money, key: str, method: str = VISA) -> AuthorizeRequest:
    return AuthorizeRequest(
        amount=amount,
        reference=key,
        idempotency_key=f"{key}:authorize",
        return_url="http://testserver/return/",
        payment_method=PaymentMethodInput(token=method),
    )


def captured(gateway: Gateway, amount: Money, key: str, method: str = VISA):
    result = gateway.payment_authorize(request=request(amount, key, method))
    return gateway.payment_capture(
        provider_ref=result.provider_ref, amount=None, idempotency_key=f"{key}:capture"
    )


def rows(txns: list[BalanceTransaction]) -> list[tuple]:
    return [(t.type, t.amount.amount_minor, t.fee.amount_minor, t.net.amount_minor) for t in txns]


# --- the sandbox ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sandbox_books_captures_with_its_fee_refunds_transfers_and_reversals():
    gateway = SandboxGateway()
    # given an authorised payment: no fee yet
    authorized = gateway.payment_authorize(request=request(Money(1_000_000, "IRR"), "payment:1"))
    assert authorized.fee is None
    # when it is captured, refunded in part, and paid out to a merchant, partly taken back
    done = gateway.payment_capture(
        provider_ref=authorized.provider_ref, amount=None, idempotency_key="payment:1:capture"
    )
    refund = gateway.refund_create(
        provider_ref=done.provider_ref,
        amount=Money(300_000, "IRR"),
        reason="returned",
        reference="100001-1",
        idempotency_key="refund:1",
    )
    transfer = gateway.transfer_create(
        amount=Money(400_000, "IRR"),
        destination="sbx_acct_1",
        transfer_group="payout:1",
        source_transaction=done.provider_ref,
        idempotency_key="payout:1:transfer",
    )
    reversal = gateway.transfer_reverse(
        transfer_ref=transfer.provider_ref,
        amount=Money(50_000, "IRR"),
        idempotency_key="payout:1:reverse",
    )
    # then the capture carries the 1.5% fee and the sandbox lists each movement, oldest first
    assert done.fee == Money(15_000, "IRR")
    listed = gateway.balance_transactions_list(**window())
    assert rows(listed) == [
        (T.CHARGE, 1_000_000, 15_000, 985_000),
        (T.REFUND, -300_000, 0, -300_000),
        (T.TRANSFER, -400_000, 0, -400_000),
        (T.TRANSFER_REVERSAL, 50_000, 0, 50_000),
    ]
    assert [t.source_ref for t in listed] == [
        done.provider_ref,
        refund.provider_ref,
        transfer.provider_ref,
        transfer.provider_ref,
    ]
    assert reversal.provider_ref.startswith("sbx_trr_")
    assert all(t.provider_ref.startswith("sbx_txn_") for t in listed)
    # and a later retrieve reports the same fee
    assert gateway.payment_retrieve(provider_ref=done.provider_ref).fee == Money(15_000, "IRR")


@pytest.mark.django_db
def test_the_sandbox_fee_follows_its_settings(settings):
    settings.SANDBOX_FEE_BPS = 290
    settings.SANDBOX_FEE_FIXED_MINOR = 30
    # 2.9% of 12,345 is 358.005: half up to 358, plus 30
    result = captured(SandboxGateway(), Money(12_345, "USD"), "payment:2")
    assert result.fee == Money(388, "USD")
    assert SandboxBalanceTransaction.objects.get().net_minor == 12_345 - 388


@pytest.mark.django_db
def test_sandbox_transfers_are_recorded_once_per_key_and_reversals_stay_within_them():
    gateway = SandboxGateway()
    args = {
        "destination": "sbx_acct_1",
        "transfer_group": "payout:3",
        "source_transaction": "sbx_pi_1",
        "idempotency_key": "payout:3:transfer",
    }
    first = gateway.transfer_create(amount=Money(100_000, "IRR"), **args)
    # a repeat with the same key (even another amount) returns the first transfer
    again = gateway.transfer_create(amount=Money(999, "IRR"), **args)
    assert again == first and SandboxBalanceTransaction.objects.count() == 1
    part = gateway.transfer_reverse(
        transfer_ref=first.provider_ref, amount=Money(30_000, "IRR"), idempotency_key="rev:1"
    )
    # more than is left is refused and nothing is written
    with pytest.raises(InvalidRequest) as caught:
        gateway.transfer_reverse(
            transfer_ref=first.provider_ref, amount=Money(70_001, "IRR"), idempotency_key="rev:2"
        )
    assert caught.value.param == "amount"
    assert SandboxBalanceTransaction.objects.count() == 2
    # no amount takes back what is left; the same key again returns the first answer
    rest = gateway.transfer_reverse(
        transfer_ref=first.provider_ref, amount=None, idempotency_key="rev:3"
    )
    assert (part.amount, rest.amount) == (Money(30_000, "IRR"), Money(70_000, "IRR"))
    assert (
        gateway.transfer_reverse(
            transfer_ref=first.provider_ref, amount=None, idempotency_key="rev:3"
        )
        == rest
    )
    assert gateway.transfer_create(amount=Money(1, "IRR"), **args).reversed == Money(100_000, "IRR")
    # an unknown transfer is refused
    with pytest.raises(InvalidRequest) as unknown:
        gateway.transfer_reverse(
            transfer_ref="sbx_tr_nope", amount=Money(1, "IRR"), idempotency_key="rev:4"
        )
    assert unknown.value.param == "transfer_ref"


@pytest.mark.django_db
def test_sandbox_disputes_withdraw_and_return_the_money():
    gateway = SandboxGateway()
    done = captured(gateway, Money(500_000, "IRR"), "payment:4")
    gateway.dispute_open(provider_ref=done.provider_ref)
    gateway.dispute_open(provider_ref=done.provider_ref)  # idempotent
    gateway.dispute_close(provider_ref=done.provider_ref, won=True)
    listed = gateway.balance_transactions_list(**window())
    assert rows(listed) == [
        (T.CHARGE, 500_000, 7_500, 492_500),
        (T.DISPUTE, -500_000, 0, -500_000),
        (T.DISPUTE, 500_000, 0, 500_000),
    ]
    assert {t.source_ref for t in listed} == {done.provider_ref}


@pytest.mark.django_db
def test_the_sandbox_lists_a_half_open_window_and_refuses_naive_bounds():
    gateway = SandboxGateway()
    captured(gateway, Money(1_000, "IRR"), "payment:5")
    moment = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    SandboxBalanceTransaction.objects.update(created_at=moment)
    hour = timedelta(hours=1)
    assert len(gateway.balance_transactions_list(created_gte=moment, created_lt=moment + hour)) == 1
    assert gateway.balance_transactions_list(created_gte=moment - hour, created_lt=moment) == []
    with pytest.raises(InvalidRequest) as caught:
        gateway.balance_transactions_list(
            created_gte=datetime(2026, 3, 10),  # noqa: DTZ001
            created_lt=moment,
        )
    assert caught.value.param == "created_gte"


@pytest.mark.django_db
def test_a_captured_sandbox_payment_records_the_fee(frozen_basket, queued):
    # given a basket paid with the sandbox through the payment services
    basket, snapshot = frozen_basket()
    payment = authorize(basket, snapshot).payment
    # when the purchase is placed and captured
    payment_complete(payment_id=payment.pk, source="t")
    # then the payment keeps the processor's fee: 1.5% of the amount, rounded half up
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.fee_minor == (payment.amount_minor * 150 + 5_000) // 10_000
    assert payment.fee_minor == SandboxBalanceTransaction.objects.get().fee_minor > 0


# --- Stripe --------------------------------------------------------------------------------------


@pytest.fixture
def stripe_gateway(settings, stripe_fake) -> StripeGateway:
    """The Stripe adapter against the fake, two objects a page so listing has to page."""
    settings.STRIPE_SECRET_KEY = STRIPE_TEST_KEY
    settings.STRIPE_API_BASE = stripe_fake.url
    return StripeGateway(client=client_create(), webhook_secret=WEBHOOK_SECRET, list_page_size=2)


def test_stripe_balance_transactions_page_through_and_map_types(stripe_gateway, stripe_fake):
    gateway = stripe_gateway
    # given at Stripe: two captures, a refund, a transfer and its reversal, a dispute
    first = captured(gateway, Money(10_000, "USD"), "payment:11")
    second = captured(gateway, Money(2_000, "USD"), "payment:12", "pm_card_createDispute")
    refund = gateway.refund_create(
        provider_ref=first.provider_ref,
        amount=Money(1_500, "USD"),
        reason="returned",
        reference="100011-1",
        idempotency_key="refund:11",
    )
    account = gateway.payout_account_create(
        merchant_reference="novin", country="US", email="m@example.com", idempotency_key="acct:1"
    )
    stripe_fake.complete_account_onboarding(account.provider_ref)
    transfer = gateway.transfer_create(
        amount=Money(4_000, "USD"),
        destination=account.provider_ref,
        transfer_group="100011",
        source_transaction=first.provider_ref,
        idempotency_key="payout:11:transfer",
    )
    gateway.transfer_reverse(
        transfer_ref=transfer.provider_ref, amount=None, idempotency_key="payout:11:reverse"
    )
    stripe_fake.dispute_pending()
    calls_before = len(stripe_fake.requests_to("/v1/balance_transactions"))

    # when the day's balance transactions are listed, two a page
    listed = gateway.balance_transactions_list(**window())

    # then all six come back, oldest first, in three pages
    assert len(stripe_fake.requests_to("/v1/balance_transactions")) - calls_before == 3
    assert rows(listed) == [
        (T.CHARGE, 10_000, 320, 9_680),
        (T.CHARGE, 2_000, 88, 1_912),
        (T.REFUND, -1_500, 0, -1_500),
        (T.TRANSFER, -4_000, 0, -4_000),
        (T.TRANSFER_REVERSAL, 4_000, 0, 4_000),
        (T.DISPUTE, -2_000, 1_500, -3_500),
    ]
    # each names what our rows keep: the PaymentIntent, the refund, the transfer
    assert [t.source_ref for t in listed] == [
        first.provider_ref,
        second.provider_ref,
        refund.provider_ref,
        transfer.provider_ref,
        transfer.provider_ref,
        second.provider_ref,
    ]
    assert all(t.provider_ref.startswith("txn_") and t.created.tzinfo for t in listed)
    # and the captures' fees are the ones the payments were given
    assert (first.fee, second.fee) == (Money(320, "USD"), Money(88, "USD"))


def test_stripe_listing_keeps_to_the_window(stripe_gateway, stripe_fake):
    captured(stripe_gateway, Money(1_000, "USD"), "payment:13")
    later = timezone.now() + timedelta(hours=1)
    assert (
        stripe_gateway.balance_transactions_list(
            created_gte=later, created_lt=later + timedelta(hours=1)
        )
        == []
    )
    # Stripe was asked for whole seconds [gte, lt)
    params = stripe_fake.requests_to("/v1/balance_transactions")[-1]["params"]
    assert params["created"] == {
        "gte": str(math.ceil(later.timestamp())),
        "lt": str(math.ceil(later.timestamp()) + 3600),
    }
    with pytest.raises(InvalidRequest) as caught:
        stripe_gateway.balance_transactions_list(created_gte=later, created_lt=later - timedelta(1))
    assert caught.value.param == "created_lt"


@pytest.mark.parametrize(
    ("stripe_type", "category", "source", "expected", "source_ref"),
    [
        ("charge", "charge", {"object": "charge", "id": "ch_1", "payment_intent": "pi_1"}, T.CHARGE, "pi_1"),
        ("payment", "charge", {"object": "charge", "id": "py_1", "payment_intent": None}, T.CHARGE, "py_1"),
        ("refund", "refund", {"object": "refund", "id": "re_1"}, T.REFUND, "re_1"),
        ("payment_refund", "refund", {"object": "refund", "id": "re_2"}, T.REFUND, "re_2"),
        ("transfer", "transfer", {"object": "transfer", "id": "tr_1"}, T.TRANSFER, "tr_1"),
        ("transfer_refund", "transfer_reversal", {"object": "transfer_reversal", "id": "trr_1", "transfer": "tr_1"}, T.TRANSFER_REVERSAL, "tr_1"),
        ("adjustment", "dispute", {"object": "dispute", "id": "dp_1", "payment_intent": "pi_2"}, T.DISPUTE, "pi_2"),
        ("adjustment", "other_adjustment", "ic_1", T.ADJUSTMENT, "ic_1"),
        ("payout", "payout", "po_1", T.PAYOUT, "po_1"),
        ("stripe_fee", "fee", None, T.OTHER, ""),
    ],
)  # fmt: skip
def test_stripe_types_and_sources_map_to_ours(stripe_type, category, source, expected, source_ref):
    import stripe

    from payments.gateways.stripe.gateway import _balance_source, _balance_type

    txn = stripe.BalanceTransaction.construct_from(
        {
            "id": "txn_1",
            "object": "balance_transaction",
            "type": stripe_type,
            "reporting_category": category,
            "source": source,
        },
        "sk_test_fake",
    )
    assert (_balance_type(txn), _balance_source(txn)) == (expected, source_ref)
