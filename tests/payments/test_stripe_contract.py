"""Contract tests: the Stripe adapter against Stripe's real test mode (opt-in).

Run with a test-mode secret key (never a live one)::

    STRIPE_TEST_SECRET_KEY=sk_test_... pytest tests/payments/test_stripe_contract.py

They check what the local fake cannot vouch for: that Stripe accepts our parameters at the SDK's
pinned API version, answers in the shapes the adapter reads, replays our idempotency keys and
refuses what it should. Stripe remembers idempotency keys for 24 hours, so each run's keys carry
a run id (in production the keys come from our ids only). Connect needs the platform to have
Connect enabled; otherwise those tests skip with the reason Stripe gives.
"""

from __future__ import annotations

import os
import time

import pytest

from marketplace.core.money import Money
from payments.gateways.stripe import StripeGateway, gateway_create
from payments.interface import (
    AuthorizeRequest,
    CardDeclined,
    GatewayError,
    GatewayPaymentStatus,
    InvalidRequest,
    PaymentMethodInput,
    RefundStatus,
)

KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")
if not KEY:
    pytest.skip(
        "STRIPE_TEST_SECRET_KEY is not set: contract tests against Stripe's test mode are opt-in "
        "(set it to a sk_test_/rk_test_ key to run them)",
        allow_module_level=True,
    )
if not KEY.startswith(("sk_test_", "rk_test_")):
    pytest.skip(
        "STRIPE_TEST_SECRET_KEY is not a test-mode key: contract tests never run against live mode",
        allow_module_level=True,
    )

RUN = f"contract-{int(time.time())}-{os.getpid()}"


@pytest.fixture
def gateway(settings) -> StripeGateway:
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = KEY
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_WEBHOOK_SECRET = "whsec_contract_tests"
    settings.OSCAR_DEFAULT_CURRENCY = "USD"
    return gateway_create()


def authorize(gateway: StripeGateway, card: str, name: str, amount: int = 2000):
    return gateway.payment_authorize(
        request=AuthorizeRequest(
            amount=Money(amount, "USD"),
            reference=f"{RUN}-{name}"[:32],
            idempotency_key=f"{RUN}:{name}:authorize",
            return_url="https://example.com/checkout/payment-return/1/token/",
            payment_method=PaymentMethodInput(token=card),
            description=f"Contract test {name}",
            metadata={"contract_run": RUN},
        )
    )


def test_authorise_capture_refund_and_find_by_key(gateway):
    held = authorize(gateway, "pm_card_visa", "happy")
    assert (held.status, held.card_brand, held.card_last4) == (
        GatewayPaymentStatus.AUTHORIZED,
        "visa",
        "4242",
    )
    assert authorize(gateway, "pm_card_visa", "happy").provider_ref == held.provider_ref
    found = gateway.payment_find(idempotency_key=f"{RUN}:happy:authorize")
    assert found is not None and found.provider_ref == held.provider_ref

    done = gateway.payment_capture(
        provider_ref=held.provider_ref, amount=None, idempotency_key=f"{RUN}:happy:capture"
    )
    assert (done.status, done.captured) == (GatewayPaymentStatus.CAPTURED, Money(2000, "USD"))

    refund = gateway.refund_create(
        provider_ref=held.provider_ref,
        amount=Money(500, "USD"),
        reason="contract test",
        reference=f"{RUN}-happy-1",
        idempotency_key=f"{RUN}:happy:refund",
    )
    assert refund.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING)
    assert gateway.payment_retrieve(provider_ref=held.provider_ref).refunded == Money(500, "USD")
    with pytest.raises(InvalidRequest):
        gateway.refund_create(
            provider_ref=held.provider_ref,
            amount=Money(1600, "USD"),
            reason="contract test",
            reference=f"{RUN}-happy-2",
            idempotency_key=f"{RUN}:happy:over-refund",
        )


def test_a_declined_card_is_card_declined_with_its_code(gateway):
    with pytest.raises(CardDeclined) as declined:
        authorize(gateway, "pm_card_chargeDeclinedInsufficientFunds", "declined")
    assert declined.value.decline_code == "insufficient_funds"
    assert declined.value.result is not None
    assert declined.value.result.status == GatewayPaymentStatus.FAILED


def test_3ds_gives_a_redirect_and_can_be_abandoned(gateway):
    challenged = authorize(gateway, "pm_card_threeDSecure2Required", "3ds")
    assert challenged.status == GatewayPaymentStatus.REQUIRES_ACTION
    assert challenged.action_url.startswith("https://")
    released = gateway.payment_cancel(
        provider_ref=challenged.provider_ref, idempotency_key=f"{RUN}:3ds:cancel"
    )
    assert released.status == GatewayPaymentStatus.CANCELED


def test_a_merchant_account_and_its_onboarding_link(gateway):
    try:
        account = gateway.payout_account_create(
            merchant_reference=RUN,
            country="US",
            email="contract-merchant@example.com",
            idempotency_key=f"{RUN}:account",
        )
    except GatewayError as exc:
        pytest.skip(f"Connect is not available on this Stripe account: {exc}")
    assert not account.payouts_enabled
    link = gateway.payout_account_link(
        account_ref=account.provider_ref,
        refresh_url="https://example.com/merchant/payouts/refresh/",
        return_url="https://example.com/merchant/payouts/done/",
    )
    assert link.url.startswith("https://")
    assert gateway.payout_account_retrieve(account_ref=account.provider_ref) == account
    paid = authorize(gateway, "pm_card_bypassPending", "transfer")
    gateway.payment_capture(
        provider_ref=paid.provider_ref, amount=None, idempotency_key=f"{RUN}:transfer:capture"
    )
    with pytest.raises(InvalidRequest):  # not onboarded: no transfers capability yet
        gateway.transfer_create(
            amount=Money(500, "USD"),
            destination=account.provider_ref,
            transfer_group=f"{RUN}-transfer",
            source_transaction=paid.provider_ref,
            idempotency_key=f"{RUN}:transfer",
        )
