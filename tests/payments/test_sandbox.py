"""The sandbox gateway: Stripe's test-card meanings, idempotency keys, signed events, registry."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace.core.money import Money
from payments.cards import card_brand, luhn_valid
from payments.gateways import gateway_get, gateway_name_active
from payments.gateways.sandbox import SandboxGateway
from payments.interface import (
    AuthorizeRequest,
    CardDeclined,
    CardDetails,
    DisputeStatus,
    Gateway,
    GatewayPaymentStatus,
    InvalidRequest,
    PaymentMethodInput,
    RefundStatus,
)
from payments.models import SandboxCharge
from payments.signing import headers_sign, headers_verify
from tests.payments.fixtures import (
    CARD_3DS,
    CARD_DECLINED,
    CARD_DISPUTED,
    CARD_INSUFFICIENT,
    CARD_OK,
)

pytest_plugins = ["tests.payments.fixtures"]

pytestmark = pytest.mark.django_db

AMOUNT = Money(42_000_000, "IRR")


def request_for(number: str, key: str = "payment:1:authorize", amount: Money = AMOUNT):
    return AuthorizeRequest(
        amount=amount,
        reference="100001",
        idempotency_key=key,
        return_url="http://testserver/checkout/payment-return/1/t/",
        payment_method=PaymentMethodInput(
            card=CardDetails(number=number.replace(" ", ""), exp_month=12, exp_year=2039, cvc="123")
        ),
    )


@pytest.fixture
def gateway(queued):
    return SandboxGateway()


def test_the_sandbox_is_a_gateway_and_charges_rials():
    assert isinstance(SandboxGateway(), Gateway)
    assert {"IRR", "USD", "EUR", "KWD"} <= SandboxGateway.currencies
    assert SandboxGateway.accepts_card_fields is True


def test_4242_is_authorised_and_repeating_the_key_charges_nothing_more(gateway):
    result = gateway.payment_authorize(request=request_for(CARD_OK))
    again = gateway.payment_authorize(request=request_for(CARD_OK))
    assert result == again
    assert (result.status, result.card_brand, result.card_last4) == (
        GatewayPaymentStatus.AUTHORIZED,
        "visa",
        "4242",
    )
    assert result.amount == AMOUNT and result.captured == Money(0, "IRR")
    assert SandboxCharge.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        (CARD_DECLINED, "generic_decline", "Your card was declined."),
        (CARD_INSUFFICIENT, "insufficient_funds", "Your card has insufficient funds."),
    ],
)
def test_declining_cards_raise_card_declined_with_the_code_and_message(
    gateway, number, code, message
):
    with pytest.raises(CardDeclined) as declined:
        gateway.payment_authorize(request=request_for(number))
    assert (declined.value.decline_code, declined.value.user_message) == (code, message)
    assert declined.value.retryable is False
    assert declined.value.result.card_last4 == number[-4:]
    # the same key declines the same way, without a second charge
    with pytest.raises(CardDeclined):
        gateway.payment_authorize(request=request_for(number))
    assert SandboxCharge.objects.get().status == "failed"


def test_the_3ds_card_needs_a_challenge_on_our_own_page(gateway):
    result = gateway.payment_authorize(request=request_for(CARD_3DS))
    assert result.status == GatewayPaymentStatus.REQUIRES_ACTION
    token = SandboxCharge.objects.get().challenge_token
    assert result.action_url == f"/payments/sandbox/3ds/{token}/"
    # approving returns the buyer to the shop; answering twice keeps the first answer
    assert gateway.challenge_complete(token=token, approve=True).endswith("/payment-return/1/t/")
    gateway.challenge_complete(token=token, approve=False)
    assert gateway.payment_retrieve(provider_ref=result.provider_ref).status == "authorized"


def test_a_failed_challenge_is_an_authentication_failure(gateway):
    result = gateway.payment_authorize(request=request_for(CARD_3DS))
    gateway.challenge_complete(token=SandboxCharge.objects.get().challenge_token, approve=False)
    failed = gateway.payment_retrieve(provider_ref=result.provider_ref)
    assert (failed.status, failed.decline_code) == ("failed", "authentication_failed")


def test_the_dispute_card_succeeds_and_is_disputed_once_captured(gateway, queued):
    result = gateway.payment_authorize(request=request_for(CARD_DISPUTED))
    assert result.status == GatewayPaymentStatus.AUTHORIZED
    gateway.payment_capture(provider_ref=result.provider_ref, amount=None, idempotency_key="c1")
    # the capture queued the bank's dispute (on commit: here, captured by the test's transaction)
    opened = gateway.dispute_open(provider_ref=result.provider_ref)
    assert opened.dispute_status == DisputeStatus.OPEN
    closed = gateway.dispute_close(provider_ref=result.provider_ref, won=True)
    assert closed.dispute_status == DisputeStatus.WON


def test_the_dispute_task_is_queued_when_the_dispute_card_is_captured(
    gateway, queued, django_capture_on_commit_callbacks
):
    result = gateway.payment_authorize(request=request_for(CARD_DISPUTED))
    with django_capture_on_commit_callbacks(execute=True):
        gateway.payment_capture(provider_ref=result.provider_ref, amount=None, idempotency_key="c")
    assert ("payments.sandbox_dispute_open", (result.provider_ref,)) in queued


def test_any_other_luhn_valid_number_succeeds_and_a_luhn_invalid_one_is_a_field_error(gateway):
    mastercard = "5555 5555 5555 4444"
    assert gateway.payment_authorize(request=request_for(mastercard)).card_brand == "mastercard"
    with pytest.raises(InvalidRequest) as invalid:
        gateway.payment_authorize(request=request_for("4242 4242 4242 4241", key="k2"))
    assert invalid.value.param == "number"
    assert invalid.value.user_message == "Your card number is incorrect."
    assert SandboxCharge.objects.count() == 1


def test_an_expired_card_is_declined_before_any_charge(gateway):
    request = AuthorizeRequest(
        amount=AMOUNT,
        reference="1",
        idempotency_key="k",
        return_url="",
        payment_method=PaymentMethodInput(
            card=CardDetails(number="4242424242424242", exp_month=1, exp_year=2020, cvc="1")
        ),
    )
    with pytest.raises(CardDeclined, match="expired_card"):
        gateway.payment_authorize(request=request)
    assert SandboxCharge.objects.count() == 0


def test_stripe_test_tokens_mean_the_same_cards(gateway):
    def authorize_token(token, key):
        return gateway.payment_authorize(
            request=AuthorizeRequest(
                amount=AMOUNT,
                reference="1",
                idempotency_key=key,
                return_url="",
                payment_method=PaymentMethodInput(token=token),
            )
        )

    assert authorize_token("pm_card_visa", "a").status == "authorized"
    assert authorize_token("pm_card_authenticationRequired", "b").status == "requires_action"
    with pytest.raises(CardDeclined, match="generic_decline"):
        authorize_token("pm_card_chargeDeclined", "c")
    with pytest.raises(InvalidRequest):
        authorize_token("pm_card_unknown", "d")


def test_capture_part_refund_within_captured_and_each_key_applies_once(gateway):
    ref = gateway.payment_authorize(request=request_for(CARD_OK)).provider_ref
    with pytest.raises(InvalidRequest):
        gateway.payment_capture(
            provider_ref=ref, amount=Money(AMOUNT.amount_minor + 1, "IRR"), idempotency_key="x"
        )
    part = Money(40_000_000, "IRR")
    captured = gateway.payment_capture(provider_ref=ref, amount=part, idempotency_key="cap")
    assert gateway.payment_capture(provider_ref=ref, amount=part, idempotency_key="cap") == captured
    assert (captured.status, captured.captured) == ("captured", part)
    refund = gateway.refund_create(
        provider_ref=ref,
        amount=Money(1_000, "IRR"),
        reason="r",
        reference="1-1",
        idempotency_key="r1",
    )
    gateway.refund_create(
        provider_ref=ref,
        amount=Money(1_000, "IRR"),
        reason="r",
        reference="1-1",
        idempotency_key="r1",
    )
    assert refund.status == RefundStatus.SUCCEEDED
    assert gateway.payment_retrieve(provider_ref=ref).refunded == Money(1_000, "IRR")
    with pytest.raises(InvalidRequest, match="exceeds"):
        gateway.refund_create(
            provider_ref=ref, amount=part, reason="r", reference="1-1", idempotency_key="r2"
        )


def test_cancel_releases_an_authorisation_and_cannot_undo_a_capture(gateway):
    first = gateway.payment_authorize(request=request_for(CARD_OK, key="k1")).provider_ref
    assert gateway.payment_cancel(provider_ref=first, idempotency_key="x").status == "canceled"
    assert gateway.payment_cancel(provider_ref=first, idempotency_key="x").status == "canceled"
    second = gateway.payment_authorize(request=request_for(CARD_OK, key="k2")).provider_ref
    gateway.payment_capture(provider_ref=second, amount=None, idempotency_key="c")
    with pytest.raises(InvalidRequest):
        gateway.payment_cancel(provider_ref=second, idempotency_key="y")


def test_payment_find_recovers_a_payment_by_its_idempotency_key(gateway):
    assert gateway.payment_find(idempotency_key="payment:9:authorize") is None
    result = gateway.payment_authorize(request=request_for(CARD_OK, key="payment:9:authorize"))
    assert gateway.payment_find(idempotency_key="payment:9:authorize") == result


def test_payout_accounts_and_transfers_are_idempotent_on_their_keys(gateway):
    account = gateway.payout_account_create(
        merchant_reference="novin", country="IR", email="m@example.com", idempotency_key="acct:1"
    )
    assert account == gateway.payout_account_create(
        merchant_reference="novin", country="IR", email="m@example.com", idempotency_key="acct:1"
    )
    link = gateway.payout_account_link(
        account_ref=account.provider_ref, refresh_url="http://x/r", return_url="http://x/done"
    )
    assert link.url == "http://x/done"
    transfer = gateway.transfer_create(
        amount=Money(100, "IRR"),
        destination=account.provider_ref,
        transfer_group="100001",
        source_transaction="sbx_pi_1",
        idempotency_key="transfer:1",
    )
    assert transfer.provider_ref.startswith("sbx_tr_") and transfer.amount == Money(100, "IRR")
    reversal = gateway.transfer_reverse(
        transfer_ref=transfer.provider_ref, amount=Money(40, "IRR"), idempotency_key="rev:1"
    )
    assert reversal.amount == Money(40, "IRR")


def test_events_are_signed_with_the_sandbox_secret_and_verified(gateway, settings):
    settings.SANDBOX_WEBHOOK_SECRET = "whsec_c2FuZGJveC1zZWNyZXQ="
    body = json.dumps(
        {"id": "evt_1", "type": "payment.succeeded", "created": 1, "data": {"object": {"id": "p"}}}
    ).encode()
    import time

    now = int(time.time())
    body = body.replace(b'"created": 1', f'"created": {now}'.encode())
    headers = headers_sign(secret=settings.SANDBOX_WEBHOOK_SECRET, msg_id="evt_1", body=body)
    event = gateway.event_verify(body=body, headers=headers)
    assert (event.provider, event.event_id, event.type, event.object_id) == (
        "sandbox",
        "evt_1",
        "payment.succeeded",
        "p",
    )
    settings.SANDBOX_WEBHOOK_SECRET = "whsec_b3RoZXI="
    with pytest.raises(InvalidRequest, match="signature"):
        gateway.event_verify(body=body, headers=headers)


def test_signatures_follow_the_standard_webhooks_scheme():
    # the example from the Standard Webhooks specification
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    headers = headers_sign(
        secret=secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", body=body, timestamp=1614265330
    )
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers_verify(secret=secret, body=body, headers=headers, now=1614265330 + 10) == (
        "msg_p5jXN8AQM9LWM0D4loKWxJek"
    )


def test_luhn_and_brands():
    assert luhn_valid("4242424242424242") and not luhn_valid("4242424242424241")
    assert not luhn_valid("42424242424242a2")
    assert card_brand("6037991234567890") == "shetab"
    assert card_brand("2223003122003222") == "mastercard"
    assert card_brand("378282246310005") == "amex"


def test_the_registry_gives_the_sandbox_unless_stripe_is_configured(settings):
    settings.PAYMENTS_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = ""
    assert gateway_name_active() == "sandbox"
    assert isinstance(gateway_get(), SandboxGateway)
    settings.PAYMENTS_GATEWAY = "paypal"
    with pytest.raises(ImproperlyConfigured, match="PAYMENTS_GATEWAY"):
        gateway_get()
    settings.PAYMENTS_GATEWAY = "stripe"
    with pytest.raises(ImproperlyConfigured, match="STRIPE_SECRET_KEY"):
        gateway_get()


def test_stripe_is_chosen_when_its_key_is_set(settings):
    settings.PAYMENTS_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = "sk_test_fake"

    assert gateway_name_active() == "stripe"
