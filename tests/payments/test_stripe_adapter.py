"""The Stripe adapter through the real ``stripe`` SDK against the local fake of Stripe's API.

Each test reads given / when / then; failure paths assert that nothing was created, charged or
moved at Stripe (the fake's objects and request log).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from marketplace.core.money import Money
from payments.gateways import gateway_get
from payments.gateways.stripe import StripeGateway, gateway_create
from payments.gateways.stripe.client import client_create
from payments.gateways.stripe.currencies import amount_from_stripe, amount_to_stripe
from payments.interface import (
    AuthorizeRequest,
    CardDeclined,
    CardDetails,
    DisputeStatus,
    Gateway,
    GatewayError,
    GatewayPaymentStatus,
    InvalidRequest,
    PaymentMethodInput,
    RefundStatus,
)
from tests.payments.conftest import STRIPE_TEST_KEY, WEBHOOK_SECRET

RETURN_URL = "http://testserver/checkout/payment-return/7/token/"
KEY = "payment:7:authorize"


@pytest.fixture
def stripe_settings(settings, stripe_fake):
    """Stripe switched on and pointed at the fake; the marketplace priced in USD."""
    settings.PAYMENTS_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = STRIPE_TEST_KEY
    settings.STRIPE_API_BASE = stripe_fake.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.OSCAR_DEFAULT_CURRENCY = "USD"
    return settings


@pytest.fixture
def gateway(stripe_settings) -> StripeGateway:
    """The gateway as the registry builds it (3.05 s / 12 s timeouts, 2 network retries)."""
    return gateway_create()


@pytest.fixture
def impatient(stripe_settings) -> StripeGateway:
    """The same gateway with a 0.5 s read timeout and no network retries."""
    return gateway_create(client=client_create(timeout=(1.0, 0.5), max_network_retries=0))


def authorize_request(
    payment_method: str = "pm_card_visa",
    *,
    key: str = KEY,
    amount: Money | None = None,
    reference: str = "100007",
) -> AuthorizeRequest:
    return AuthorizeRequest(
        amount=amount or Money(12_500, "USD"),
        reference=reference,
        idempotency_key=key,
        return_url=RETURN_URL,
        payment_method=PaymentMethodInput(token=payment_method),
        description=f"Purchase {reference}",
        metadata={"payment_id": "7", "purchase_number": reference},
    )


def captured(gateway: StripeGateway, amount_minor: int = 10_000, n: int = 1):
    result = gateway.payment_authorize(
        request=authorize_request(key=f"payment:{n}:authorize", amount=Money(amount_minor, "USD"))
    )
    return gateway.payment_capture(
        provider_ref=result.provider_ref, amount=None, idempotency_key=f"payment:{n}:capture"
    )


def posts(stripe_fake) -> list[tuple[str, str | None]]:
    return [
        (r["path"], r["idempotency_key"]) for r in stripe_fake.requests if r["method"] == "POST"
    ]


# --- start-up -------------------------------------------------------------------------------


def test_the_registry_builds_the_stripe_gateway_when_its_key_is_set(stripe_settings):
    gateway = gateway_get()
    assert isinstance(gateway, StripeGateway)
    assert isinstance(gateway, Gateway)
    assert (gateway.name, gateway.accepts_card_fields) == ("stripe", False)
    assert {"USD", "EUR", "JPY", "KWD", "AED", "TRY"} <= gateway.currencies
    assert not {"IRR", "IQD"} & gateway.currencies


@pytest.mark.parametrize(
    ("currency", "why"),
    [
        ("IRR", "Stripe has no IRR and does not serve persons in Iran"),
        ("IQD", "Stripe has no IQD"),
        ("TMT", "Stripe has no TMT"),
    ],
)
def test_an_unsupported_marketplace_currency_is_refused_at_start_up(
    stripe_settings, stripe_fake, currency, why
):
    stripe_settings.OSCAR_DEFAULT_CURRENCY = currency
    with pytest.raises(ImproperlyConfigured) as refused:
        gateway_get()
    message = str(refused.value)
    assert f"cannot charge the marketplace currency {currency}" in message
    assert why in message
    assert "PAYMENTS_GATEWAY=sandbox" in message
    assert stripe_fake.requests == []


# --- money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "stripe_amount"),
    [
        (Money(1050, "USD"), 1050),  # $10.50: cents
        (Money(500, "JPY"), 500),  # ¥500: zero-decimal
        (Money(1000, "KRW"), 1000),  # ₩1000: zero-decimal
        (Money(5120, "KWD"), 5120),  # 5.120 KWD: three decimals, last digit 0
        (Money(12_340, "BHD"), 12_340),
        (Money(990, "OMR"), 990),
        (Money(7000, "JOD"), 7000),
    ],
)
def test_amounts_cross_exactly_in_stripes_units(money, stripe_amount):
    assert amount_to_stripe(money) == stripe_amount
    assert amount_from_stripe(stripe_amount, money.currency.lower()) == money


@pytest.mark.parametrize("money", [Money(5125, "KWD"), Money(1, "BHD"), Money(12_345, "OMR")])
def test_three_decimal_amounts_not_ending_in_0_are_refused_not_rounded(money):
    with pytest.raises(InvalidRequest) as refused:
        amount_to_stripe(money)
    assert refused.value.param == "amount"
    assert "multiples of 0.010" in str(refused.value)


@pytest.mark.parametrize(
    ("money", "wire"),
    [(Money(5000, "JPY"), (5000, "jpy")), (Money(25_120, "KWD"), (25_120, "kwd"))],
)
def test_zero_and_three_decimal_currencies_are_charged_in_stripes_units(
    gateway, stripe_fake, money, wire
):
    result = gateway.payment_authorize(request=authorize_request(amount=money))

    [intent] = stripe_fake.objects_of("payment_intent")
    assert (intent["amount"], intent["currency"]) == wire
    assert (result.status, result.amount) == (GatewayPaymentStatus.AUTHORIZED, money)
    [post] = stripe_fake.requests_to("/v1/payment_intents", method="POST")
    assert (post["params"]["amount"], post["params"]["currency"]) == (str(wire[0]), wire[1])


def test_a_kwd_amount_stripe_cannot_take_is_refused_before_calling_stripe(gateway, stripe_fake):
    with pytest.raises(InvalidRequest) as refused:
        gateway.payment_authorize(request=authorize_request(amount=Money(25_125, "KWD")))
    assert refused.value.param == "amount"
    assert stripe_fake.requests == []


@pytest.mark.parametrize(
    ("request_", "param"),
    [
        (
            AuthorizeRequest(
                amount=Money(100_000, "IRR"),
                reference="1",
                idempotency_key=KEY,
                return_url=RETURN_URL,
                payment_method=PaymentMethodInput(token="pm_card_visa"),
            ),
            "currency",
        ),
        (
            AuthorizeRequest(
                amount=Money(1000, "USD"),
                reference="1",
                idempotency_key=KEY,
                return_url=RETURN_URL,
                payment_method=PaymentMethodInput(
                    card=CardDetails(
                        number="4242424242424242", exp_month=12, exp_year=2039, cvc="1"
                    )
                ),
            ),
            "payment_method",
        ),
        (authorize_request(amount=Money(0, "USD")), "amount"),
    ],
    ids=["irr", "card-fields", "zero"],
)
def test_requests_stripe_cannot_take_never_reach_it(gateway, stripe_fake, request_, param):
    with pytest.raises(InvalidRequest) as refused:
        gateway.payment_authorize(request=request_)
    assert refused.value.param == param
    assert stripe_fake.requests == []


# --- authorise, capture, cancel ----------------------------------------------------------------


def test_authorise_holds_the_money_and_capture_takes_it(gateway, stripe_fake):
    # when a purchase of $125.00 is authorised with a good card
    result = gateway.payment_authorize(request=authorize_request())

    # then one PaymentIntent holds it, manual capture, in the purchase's transfer group
    [intent] = stripe_fake.objects_of("payment_intent")
    assert (result.status, result.provider_ref) == (GatewayPaymentStatus.AUTHORIZED, intent["id"])
    assert (result.amount, result.captured) == (Money(12_500, "USD"), Money(0, "USD"))
    assert (result.card_brand, result.card_last4, result.action_url) == ("visa", "4242", "")
    assert (intent["status"], intent["capture_method"], intent["amount_capturable"]) == (
        "requires_capture",
        "manual",
        12_500,
    )
    assert intent["transfer_group"] == "100007"
    assert intent["metadata"] == {
        "payment_id": "7",
        "purchase_number": "100007",
        "reference": "100007",
        "idempotency_key": KEY,
    }
    [create] = stripe_fake.requests_to("/v1/payment_intents", method="POST")
    assert create["params"]["confirm"] == "true"
    assert create["params"]["return_url"] == RETURN_URL

    # when it is captured
    done = gateway.payment_capture(
        provider_ref=result.provider_ref, amount=None, idempotency_key="payment:7:capture"
    )

    # then all of it is taken, with Stripe's fee (2.9% + 30 in the fake)
    assert (done.status, done.captured, done.refunded) == (
        GatewayPaymentStatus.CAPTURED,
        Money(12_500, "USD"),
        Money(0, "USD"),
    )
    assert done.fee == Money(393, "USD")
    assert stripe_fake.get("payment_intent", result.provider_ref)["status"] == "succeeded"
    # and every POST carried our key, none of the SDK's random ones
    assert posts(stripe_fake) == [
        ("/v1/payment_intents", KEY),
        (f"/v1/payment_intents/{result.provider_ref}/capture", "payment:7:capture"),
    ]
    assert gateway.payment_retrieve(provider_ref=result.provider_ref) == done


def test_a_partial_capture_takes_part_and_releases_the_rest(gateway, stripe_fake):
    result = gateway.payment_authorize(request=authorize_request())

    done = gateway.payment_capture(
        provider_ref=result.provider_ref,
        amount=Money(10_000, "USD"),
        idempotency_key="payment:7:capture",
    )

    assert (done.status, done.amount, done.captured) == (
        GatewayPaymentStatus.CAPTURED,
        Money(12_500, "USD"),
        Money(10_000, "USD"),
    )
    [capture] = stripe_fake.requests_to(
        f"/v1/payment_intents/{result.provider_ref}/capture", method="POST"
    )
    assert capture["params"]["amount_to_capture"] == "10000"


def test_capture_in_another_currency_is_refused_and_captures_nothing(gateway, stripe_fake):
    result = gateway.payment_authorize(request=authorize_request())
    with pytest.raises(InvalidRequest):
        gateway.payment_capture(
            provider_ref=result.provider_ref, amount=Money(100, "EUR"), idempotency_key="c"
        )
    assert stripe_fake.get("payment_intent", result.provider_ref)["status"] == "requires_capture"


def test_capturing_again_with_the_same_key_replays_and_with_another_is_refused(
    gateway, stripe_fake
):
    result = captured(gateway)
    replay = gateway.payment_capture(
        provider_ref=result.provider_ref, amount=None, idempotency_key="payment:1:capture"
    )
    assert replay.status == GatewayPaymentStatus.CAPTURED
    with pytest.raises(InvalidRequest):
        gateway.payment_capture(
            provider_ref=result.provider_ref, amount=None, idempotency_key="payment:1:capture2"
        )
    assert len(stripe_fake.objects_of("balance_transaction")) == 1


def test_cancel_releases_an_authorisation_once_and_refuses_a_captured_payment(gateway, stripe_fake):
    held = gateway.payment_authorize(request=authorize_request())

    released = gateway.payment_cancel(
        provider_ref=held.provider_ref, idempotency_key="payment:7:cancel"
    )
    again = gateway.payment_cancel(provider_ref=held.provider_ref, idempotency_key="other")

    assert released.status == again.status == GatewayPaymentStatus.CANCELED
    assert released.captured == Money(0, "USD")
    assert len(stripe_fake.events_of("payment_intent.canceled")) == 1
    paid = captured(gateway, n=2)
    with pytest.raises(InvalidRequest):
        gateway.payment_cancel(provider_ref=paid.provider_ref, idempotency_key="payment:2:cancel")
    assert stripe_fake.get("payment_intent", paid.provider_ref)["status"] == "succeeded"


def test_an_unknown_payment_is_an_invalid_request(gateway):
    with pytest.raises(InvalidRequest):
        gateway.payment_retrieve(provider_ref="pi_doesnotexist")


# --- declines and 3-D Secure ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "decline_code", "message", "last4"),
    [
        ("pm_card_chargeDeclined", "generic_decline", "Your card was declined.", "0002"),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
            "9995",
        ),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "Your card has expired.", "0069"),
    ],
)
def test_a_refused_card_is_card_declined_with_its_code(
    gateway, stripe_fake, token, decline_code, message, last4
):
    with pytest.raises(CardDeclined) as declined:
        gateway.payment_authorize(request=authorize_request(token))

    error = declined.value
    assert (error.decline_code, error.user_message, error.retryable) == (
        decline_code,
        message,
        False,
    )
    [intent] = stripe_fake.objects_of("payment_intent")
    assert error.result is not None
    assert (error.result.status, error.result.provider_ref) == (
        GatewayPaymentStatus.FAILED,
        intent["id"],
    )
    assert (error.result.decline_code, error.result.card_last4) == (decline_code, last4)
    # nothing is held or taken
    assert (intent["status"], intent["amount_capturable"], intent["amount_received"]) == (
        "requires_payment_method",
        0,
        0,
    )
    assert gateway.payment_retrieve(provider_ref=intent["id"]).decline_code == decline_code
    # and asking again with the same key gives the same refusal, no second attempt
    with pytest.raises(CardDeclined):
        gateway.payment_authorize(request=authorize_request(token))
    assert len(stripe_fake.objects_of("charge")) == 1


def test_3ds_requires_action_then_the_banks_approval_authorises(gateway, stripe_fake):
    # when the card asks for 3-D Secure
    result = gateway.payment_authorize(request=authorize_request("pm_card_threeDSecure2Required"))

    # then the buyer is to be sent to the bank's page, nothing held yet
    assert result.status == GatewayPaymentStatus.REQUIRES_ACTION
    assert result.action_url == f"{stripe_fake.url}/fake/3ds/{result.provider_ref}"
    assert stripe_fake.get("payment_intent", result.provider_ref)["amount_capturable"] == 0

    # when the buyer approves the challenge in the "bank's" page
    back = requests.get(
        result.action_url, params={"approve": "1"}, allow_redirects=False, timeout=5
    )

    # then the bank sends them to our return URL, and the payment is authorised
    assert back.status_code == 302
    location = urlsplit(back.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == RETURN_URL
    assert parse_qs(location.query)["redirect_status"] == ["succeeded"]
    now = gateway.payment_retrieve(provider_ref=result.provider_ref)
    assert (now.status, now.action_url, now.card_last4) == (
        GatewayPaymentStatus.AUTHORIZED,
        "",
        "3220",
    )
    done = gateway.payment_capture(
        provider_ref=result.provider_ref, amount=None, idempotency_key="payment:7:capture"
    )
    assert done.captured == Money(12_500, "USD")


def test_3ds_failed_is_a_failed_payment_with_the_authentication_code(gateway, stripe_fake):
    result = gateway.payment_authorize(request=authorize_request("pm_card_authenticationRequired"))

    requests.get(result.action_url, params={"approve": "0"}, allow_redirects=False, timeout=5)

    now = gateway.payment_retrieve(provider_ref=result.provider_ref)
    assert (now.status, now.decline_code) == (GatewayPaymentStatus.FAILED, "authentication_failed")
    assert "unable to authenticate" in now.decline_message
    assert now.captured == Money(0, "USD")


# --- faults: retries, timeouts, lost answers ---------------------------------------------------


def test_a_500_is_retried_with_the_same_key_and_charges_once(gateway, stripe_fake):
    # given Stripe answers the next create with a 500
    stripe_fake.fail_next(1, status=500, path_prefix="/v1/payment_intents")

    # when the purchase is authorised
    result = gateway.payment_authorize(request=authorize_request())

    # then the SDK retried with our key, and exactly one PaymentIntent exists
    attempts = stripe_fake.requests_to("/v1/payment_intents", method="POST")
    assert [(a["status"], a["fault"], a["idempotency_key"]) for a in attempts] == [
        (500, "fail", KEY),
        (200, None, KEY),
    ]
    assert [pi["id"] for pi in stripe_fake.objects_of("payment_intent")] == [result.provider_ref]
    assert result.status == GatewayPaymentStatus.AUTHORIZED


def test_persistent_5xx_is_a_retryable_error_after_two_retries(gateway, stripe_fake):
    stripe_fake.fail_next(3, status=503)

    with pytest.raises(GatewayError) as failed:
        gateway.payment_authorize(request=authorize_request())

    assert (failed.value.retryable, type(failed.value)) == (True, GatewayError)
    assert [r["idempotency_key"] for r in stripe_fake.requests] == [KEY] * 3
    assert stripe_fake.objects_of("payment_intent") == []


def test_a_lost_answer_is_recovered_with_the_same_key_never_a_second_charge(
    gateway, impatient, stripe_fake
):
    # given Stripe carries out the create but its answer outlives our 0.5 s read timeout
    stripe_fake.hang_next(1, seconds=2, process=True)

    # when the purchase is authorised
    with pytest.raises(GatewayError) as lost:
        impatient.payment_authorize(request=authorize_request())

    # then we are told to retry, and the PaymentIntent exists at Stripe all the same
    assert (lost.value.retryable, lost.value.code) == (True, "connection")
    [intent] = stripe_fake.objects_of("payment_intent")
    # and it is found by our key without charging anything
    found = gateway.payment_find(idempotency_key=KEY)
    assert found is not None
    assert (found.provider_ref, found.status) == (intent["id"], GatewayPaymentStatus.AUTHORIZED)
    # and asking again with the same key returns the same PaymentIntent (Stripe's replay)
    again = gateway.payment_authorize(request=authorize_request())
    assert again.provider_ref == intent["id"]
    assert len(stripe_fake.objects_of("payment_intent")) == 1
    assert len(stripe_fake.objects_of("charge")) == 1
    creates = stripe_fake.requests_to("/v1/payment_intents", method="POST")
    assert [(c["fault"], c["replayed"], c["idempotency_key"]) for c in creates] == [
        ("hang", False, KEY),
        (None, True, KEY),
    ]


def test_the_sdk_retries_a_lost_answer_itself_with_the_same_key(stripe_settings, stripe_fake):
    gateway = gateway_create(client=client_create(timeout=(1.0, 0.5), max_network_retries=2))
    stripe_fake.hang_next(1, seconds=2, process=True)

    result = gateway.payment_authorize(request=authorize_request())

    assert [pi["id"] for pi in stripe_fake.objects_of("payment_intent")] == [result.provider_ref]
    first, second = stripe_fake.requests_to("/v1/payment_intents", method="POST")
    assert (first["idempotency_key"], second["idempotency_key"]) == (KEY, KEY)
    assert (first["fault"], second["replayed"]) == ("hang", True)


def test_a_call_that_never_reached_stripe_is_not_found_and_is_made_once_on_retry(
    gateway, impatient, stripe_fake
):
    stripe_fake.hang_next(1, seconds=2, process=False)
    with pytest.raises(GatewayError) as lost:
        impatient.payment_authorize(request=authorize_request())
    assert lost.value.retryable is True

    assert gateway.payment_find(idempotency_key=KEY) is None
    assert stripe_fake.objects_of("payment_intent") == []
    result = gateway.payment_authorize(request=authorize_request())
    assert [pi["id"] for pi in stripe_fake.objects_of("payment_intent")] == [result.provider_ref]


def test_the_same_key_with_another_card_returns_the_first_outcome(gateway, stripe_fake):
    # given an authorisation whose answer we lost, and a buyer who then entered another card
    first = gateway.payment_authorize(request=authorize_request("pm_card_visa"))

    # when the same payment is authorised again (same key, other parameters)
    again = gateway.payment_authorize(request=authorize_request("pm_card_mastercard"))

    # then Stripe's idempotency conflict is resolved to the first PaymentIntent, no new charge
    assert (again.provider_ref, again.card_brand) == (first.provider_ref, "visa")
    assert len(stripe_fake.objects_of("payment_intent")) == 1


@pytest.mark.parametrize(
    ("status", "retryable", "code"),
    [(429, True, "rate_limit"), (409, True, "api_error"), (500, True, "api_error")],
)
def test_rate_limits_conflicts_and_5xx_are_retryable(gateway, stripe_fake, status, retryable, code):
    stripe_fake.fail_next(3, status=status)
    with pytest.raises(GatewayError) as failed:
        gateway.payment_retrieve(provider_ref="pi_x")
    assert (failed.value.retryable, failed.value.code) == (retryable, code)


def test_a_rejected_api_key_is_not_retryable(stripe_settings, stripe_client_factory, stripe_fake):
    gateway = gateway_create(client=stripe_client_factory("sk_live_not_for_tests"))
    with pytest.raises(GatewayError) as refused:
        gateway.payment_authorize(request=authorize_request())
    assert (refused.value.retryable, refused.value.code) == (False, "authentication")
    assert stripe_fake.objects_of("payment_intent") == []


# --- refunds ----------------------------------------------------------------------------------


def test_refunds_partial_then_the_rest_then_over_refund_is_refused(gateway, stripe_fake):
    # given a captured $100.00 payment
    paid = captured(gateway, 10_000)

    # when one merchant's order ($25.00) is refunded
    first = gateway.refund_create(
        provider_ref=paid.provider_ref,
        amount=Money(2500, "USD"),
        reason="Saffron arrived damp",
        reference="100007-1",
        idempotency_key="refund:1",
    )

    # then Stripe refunded that much, with the merchant order in its metadata
    assert (first.status, first.amount) == (RefundStatus.SUCCEEDED, Money(2500, "USD"))
    refund = stripe_fake.get("refund", first.provider_ref)
    assert (refund["payment_intent"], refund["amount"]) == (paid.provider_ref, 2500)
    assert refund["metadata"] == {
        "reference": "100007-1",
        "reason": "Saffron arrived damp",
        "idempotency_key": "refund:1",
    }
    assert gateway.payment_retrieve(provider_ref=paid.provider_ref).refunded == Money(2500, "USD")

    # and the same key again is the same refund, not a second one
    replay = gateway.refund_create(
        provider_ref=paid.provider_ref,
        amount=Money(2500, "USD"),
        reason="Saffron arrived damp",
        reference="100007-1",
        idempotency_key="refund:1",
    )
    assert replay.provider_ref == first.provider_ref

    # when the rest is refunded
    rest = gateway.refund_create(
        provider_ref=paid.provider_ref,
        amount=Money(7500, "USD"),
        reason="Order cancelled",
        reference="100007",
        idempotency_key="refund:2",
    )
    assert rest.status == RefundStatus.SUCCEEDED
    assert gateway.payment_retrieve(provider_ref=paid.provider_ref).refunded == Money(10_000, "USD")

    # then any more is refused and nothing moves
    with pytest.raises(InvalidRequest):
        gateway.refund_create(
            provider_ref=paid.provider_ref,
            amount=Money(1, "USD"),
            reason="again",
            reference="100007-2",
            idempotency_key="refund:3",
        )
    assert len(stripe_fake.objects_of("refund")) == 2


def test_refunding_more_than_captured_or_an_uncaptured_payment_is_refused(gateway, stripe_fake):
    paid = captured(gateway, 10_000)
    held = gateway.payment_authorize(request=authorize_request(key="payment:2:authorize"))
    for provider_ref, amount in [(paid.provider_ref, 10_001), (held.provider_ref, 100)]:
        with pytest.raises(InvalidRequest):
            gateway.refund_create(
                provider_ref=provider_ref,
                amount=Money(amount, "USD"),
                reason="r",
                reference="100007",
                idempotency_key=f"refund:{provider_ref}",
            )
    with pytest.raises(InvalidRequest):
        gateway.refund_create(
            provider_ref=paid.provider_ref,
            amount=Money(100, "EUR"),
            reason="r",
            reference="100007",
            idempotency_key="refund:eur",
        )
    assert stripe_fake.objects_of("refund") == []


def test_a_dispute_is_seen_open_then_decided(gateway, stripe_fake):
    paid = captured(gateway, 10_000)
    charge = stripe_fake.get("payment_intent", paid.provider_ref)["latest_charge"]

    dispute = stripe_fake.dispute_charge(charge)
    assert gateway.payment_retrieve(provider_ref=paid.provider_ref).dispute_status == (
        DisputeStatus.OPEN
    )
    with pytest.raises(InvalidRequest):
        gateway.refund_create(
            provider_ref=paid.provider_ref,
            amount=Money(100, "USD"),
            reason="r",
            reference="100007",
            idempotency_key="refund:1",
        )

    stripe_fake.close_dispute(dispute["id"], status="lost")
    assert gateway.payment_retrieve(provider_ref=paid.provider_ref).dispute_status == (
        DisputeStatus.LOST
    )


# --- Connect: merchants' accounts and transfers -----------------------------------------------


def test_a_merchant_account_is_onboarded_through_links_refreshed_when_expired(gateway, stripe_fake):
    # when a merchant's Express account is opened
    account = gateway.payout_account_create(
        merchant_reference="novin-saffron",
        country="us",
        email="novin@example.com",
        idempotency_key="merchant:3:payout-account",
    )

    # then it starts restricted, asking for card payments and transfers
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (
        False,
        False,
        False,
    )
    stored = stripe_fake.get("account", account.provider_ref)
    assert (stored["type"], stored["country"], stored["email"]) == (
        "express",
        "US",
        "novin@example.com",
    )
    assert set(stored["capabilities"]) == {"card_payments", "transfers"}
    assert stored["metadata"]["merchant"] == "novin-saffron"
    # and opening it again with the same key is the same account
    again = gateway.payout_account_create(
        merchant_reference="novin-saffron",
        country="us",
        email="novin@example.com",
        idempotency_key="merchant:3:payout-account",
    )
    assert again.provider_ref == account.provider_ref
    assert len(stripe_fake.objects_of("account")) == 1

    # when the onboarding link expires before the merchant opens it
    urls = {
        "refresh_url": "http://testserver/m/refresh/",
        "return_url": "http://testserver/m/done/",
    }
    link = gateway.payout_account_link(account_ref=account.provider_ref, **urls)
    assert link.url.startswith(f"{stripe_fake.url}/fake/account_links/")
    stripe_fake.expire_account_link(link.url)
    page = requests.get(link.url, allow_redirects=False, timeout=5)

    # then Stripe sends them to our refresh URL, where a new link is made
    assert (page.status_code, page.headers["Location"]) == (302, urls["refresh_url"])
    fresh = gateway.payout_account_link(account_ref=account.provider_ref, **urls)
    assert fresh.url != link.url
    assert fresh.expires_at >= link.expires_at

    # when they complete onboarding through it
    done = requests.get(fresh.url, params={"complete": "1"}, allow_redirects=False, timeout=5)

    # then they come back to our return URL, and the account can take transfers
    assert (done.status_code, done.headers["Location"]) == (302, urls["return_url"])
    ready = gateway.payout_account_retrieve(account_ref=account.provider_ref)
    assert (ready.charges_enabled, ready.payouts_enabled, ready.details_submitted) == (
        True,
        True,
        True,
    )
    # and every POST carried a key made from our ids
    keys = [key for _path, key in posts(stripe_fake)]
    assert keys[:2] == ["merchant:3:payout-account"] * 2
    assert all(k.startswith(f"account_link:{account.provider_ref}:") for k in keys[2:])
    assert len(set(keys[2:])) == 2


def onboarded(gateway, stripe_fake, n: int = 1) -> str:
    account = gateway.payout_account_create(
        merchant_reference=f"merchant-{n}",
        country="US",
        email=f"m{n}@example.com",
        idempotency_key=f"merchant:{n}:payout-account",
    )
    stripe_fake.complete_account_onboarding(account.provider_ref)
    return account.provider_ref


def test_transfers_tie_a_merchants_share_to_the_charge_and_can_be_reversed(gateway, stripe_fake):
    # given a captured $100.00 purchase and a merchant ready for transfers
    paid = captured(gateway, 10_000)
    charge = stripe_fake.get("payment_intent", paid.provider_ref)["latest_charge"]
    account = onboarded(gateway, stripe_fake)

    # when the merchant's $40.00 share is transferred from that payment
    transfer = gateway.transfer_create(
        amount=Money(4000, "USD"),
        destination=account,
        transfer_group="100007",
        source_transaction=paid.provider_ref,
        idempotency_key="payout:5:transfer",
    )

    # then the transfer is in the purchase's group, tied to its charge
    stored = stripe_fake.get("transfer", transfer.provider_ref)
    assert (stored["source_transaction"], stored["transfer_group"], stored["destination"]) == (
        charge,
        "100007",
        account,
    )
    assert (transfer.amount, transfer.reversed, transfer.transfer_group) == (
        Money(4000, "USD"),
        Money(0, "USD"),
        "100007",
    )

    # when $10.00 of it is reversed, then the rest
    part = gateway.transfer_reverse(
        transfer_ref=transfer.provider_ref,
        amount=Money(1000, "USD"),
        idempotency_key="payout:5:reverse:1",
    )
    rest = gateway.transfer_reverse(
        transfer_ref=transfer.provider_ref, amount=None, idempotency_key="payout:5:reverse:2"
    )

    # then all of it came back, and nothing more can
    assert (part.amount, rest.amount) == (Money(1000, "USD"), Money(3000, "USD"))
    assert stripe_fake.get("transfer", transfer.provider_ref)["amount_reversed"] == 4000
    with pytest.raises(InvalidRequest):
        gateway.transfer_reverse(
            transfer_ref=transfer.provider_ref, amount=None, idempotency_key="payout:5:reverse:3"
        )
    assert [key for _path, key in posts(stripe_fake)][-4:] == [
        "payout:5:transfer",
        "payout:5:reverse:1",
        "payout:5:reverse:2",
        "payout:5:reverse:3",  # refused (400): nothing reversed
    ]


def test_transfers_stripe_refuses_move_nothing(gateway, stripe_fake):
    paid = captured(gateway, 10_000)
    restricted = gateway.payout_account_create(
        merchant_reference="m",
        country="US",
        email="m@example.com",
        idempotency_key="merchant:9:payout-account",
    ).provider_ref
    ready = onboarded(gateway, stripe_fake, 2)

    for destination, amount in [(restricted, 1000), (ready, 10_001)]:
        with pytest.raises(InvalidRequest):
            gateway.transfer_create(
                amount=Money(amount, "USD"),
                destination=destination,
                transfer_group="100007",
                source_transaction=paid.provider_ref,
                idempotency_key=f"payout:{destination}:transfer",
            )
    assert stripe_fake.objects_of("transfer") == []
