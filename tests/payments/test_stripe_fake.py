"""The local Stripe fake, driven through the real ``stripe`` SDK over HTTP.

Each test reads given / when / then; failure paths assert that nothing was created or moved.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import stripe

from payments.stripe_fake import StripeFake
from payments.stripe_fake.forms import parse_form
from tests.payments.conftest import WEBHOOK_SECRET

RETURN_URL = "https://shop.example.test/checkout/return/"


def _confirmed_intent(
    client, *, amount=1000, capture_method="automatic", card="pm_card_visa", **extra
):
    return client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "usd",
            "capture_method": capture_method,
            "payment_method": card,
            "payment_method_types": ["card"],
            "confirm": True,
            **extra,
        }
    )


def _onboarded_account(client, fake):
    account = client.v1.accounts.create(
        params={
            "type": "express",
            "country": "US",
            "email": "merchant@example.test",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
    )
    fake.complete_account_onboarding(account.id)
    return account


# PaymentIntents -------------------------------------------------------------------------------


def test_manual_capture_partial_flow(stripe_fake, stripe_client):
    # given a manual-capture PaymentIntent
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "capture_method": "manual",
            "payment_method_types": ["card"],
            "transfer_group": "order-42",
            "metadata": {"order": "42", "merchant": "7"},
        }
    )
    assert intent.status == "requires_payment_method"
    assert intent.metadata.to_dict() == {"order": "42", "merchant": "7"}

    # when it is confirmed with a good card
    confirmed = stripe_client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa"}
    )

    # then the amount is authorised, not captured
    assert confirmed.status == "requires_capture"
    assert confirmed.amount_capturable == 1000
    assert confirmed.amount_received == 0
    charge = stripe_client.v1.charges.retrieve(confirmed.latest_charge)
    assert (charge.captured, charge.balance_transaction) == (False, None)

    # when 600 of it is captured
    captured = stripe_client.v1.payment_intents.capture(
        intent.id,
        params={"amount_to_capture": 600, "expand": ["latest_charge.balance_transaction"]},
    )

    # then it succeeded for 600, with Stripe's fee (2.9% + 30, integer minor units) and the net
    assert captured.status == "succeeded"
    assert (captured.amount_received, captured.amount_capturable) == (600, 0)
    assert captured.transfer_group == "order-42"
    txn = captured.latest_charge.balance_transaction
    assert (txn.amount, txn.fee, txn.net, txn.type) == (600, 47, 553, "charge")
    assert all(isinstance(value, int) for value in (txn.amount, txn.fee, txn.net))
    assert captured.latest_charge.amount_captured == 600
    assert [event["type"] for event in stripe_fake.events] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.amount_capturable_updated",
        "charge.captured",
        "payment_intent.succeeded",
    ]


def test_capture_more_than_authorised_is_rejected(stripe_fake, stripe_client):
    intent = _confirmed_intent(stripe_client, capture_method="manual")

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1001})

    assert caught.value.http_status == 400
    assert caught.value.code == "amount_too_large"
    assert stripe_fake.get("payment_intent", intent.id)["status"] == "requires_capture"
    assert stripe_fake.objects_of("balance_transaction") == []


def test_automatic_capture_books_fee_and_net(stripe_fake, stripe_client):
    intent = _confirmed_intent(stripe_client, amount=10_000)

    assert intent.status == "succeeded"
    assert intent.amount_received == 10_000
    charge = stripe_client.v1.charges.retrieve(
        intent.latest_charge, params={"expand": ["balance_transaction"]}
    )
    assert (charge.balance_transaction.fee, charge.balance_transaction.net) == (320, 9680)
    assert charge.payment_intent == intent.id


@pytest.mark.parametrize(
    ("card", "brand"),
    [("pm_card_visa", "visa"), ("pm_card_mastercard", "mastercard"), ("pm_card_amex", "amex")],
)
def test_good_test_cards_succeed(stripe_client, card, brand):
    intent = _confirmed_intent(stripe_client, card=card)

    assert intent.status == "succeeded"
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)
    assert charge.payment_method_details.card.brand == brand
    assert stripe_client.v1.payment_methods.retrieve(intent.payment_method).card.brand == brand


@pytest.mark.parametrize(
    ("card", "code", "decline_code", "message"),
    [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
        (
            "pm_card_visa_chargeDeclined",
            "card_declined",
            "generic_decline",
            "Your card was declined.",
        ),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        (
            "pm_card_chargeDeclinedExpiredCard",
            "expired_card",
            "expired_card",
            "Your card has expired.",
        ),
    ],
)
def test_declining_test_cards_raise_card_error(
    stripe_fake, stripe_client, card, code, decline_code, message
):
    # given a PaymentIntent
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})

    # when it is confirmed with a declining card
    with pytest.raises(stripe.CardError) as caught:
        stripe_client.v1.payment_intents.confirm(intent.id, params={"payment_method": card})

    # then the SDK raises CardError with Stripe's code, decline code and message
    error = caught.value
    assert error.http_status == 402
    assert (error.code, error.user_message) == (code, message)
    assert error.error.decline_code == decline_code
    assert error.error.type == "card_error"
    assert error.error.payment_intent.id == intent.id
    assert error.error.payment_intent.status == "requires_payment_method"
    # and the attempt is on record, with no money moved
    stored = stripe_fake.get("payment_intent", intent.id)
    assert stored["last_payment_error"]["decline_code"] == decline_code
    assert stripe_fake.get("charge", stored["latest_charge"])["status"] == "failed"
    assert stripe_fake.objects_of("balance_transaction") == []
    assert [event["type"] for event in stripe_fake.events][-1] == "payment_intent.payment_failed"


def test_declined_intent_can_be_retried_with_another_card(stripe_client):
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    with pytest.raises(stripe.CardError):
        stripe_client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_chargeDeclined"}
        )

    retried = stripe_client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa"}
    )

    assert retried.status == "succeeded"
    assert retried.last_payment_error is None


def _three_d_secure(stripe_fake, stripe_client, card):
    intent = _confirmed_intent(stripe_client, card=card, return_url=RETURN_URL)
    assert intent.status == "requires_action"
    assert intent.next_action.type == "redirect_to_url"
    challenge = intent.next_action.redirect_to_url.url
    assert challenge == f"{stripe_fake.url}/fake/3ds/{intent.id}"
    assert intent.next_action.redirect_to_url.return_url == RETURN_URL
    return intent, challenge


def test_three_d_secure_approved(stripe_fake, stripe_client):
    # given a card that requires 3D Secure
    intent, challenge = _three_d_secure(stripe_fake, stripe_client, "pm_card_threeDSecure2Required")
    assert requests.get(challenge, timeout=5).status_code == 200  # the challenge page

    # when the customer approves the challenge
    response = requests.get(challenge, params={"approve": "1"}, allow_redirects=False, timeout=5)

    # then the browser goes back to return_url and the payment succeeded
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == RETURN_URL
    assert parse_qs(location.query) == {
        "payment_intent": [intent.id],
        "payment_intent_client_secret": [intent.client_secret],
        "redirect_status": ["succeeded"],
    }
    assert stripe_client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    types = [event["type"] for event in stripe_fake.events]
    assert types.index("payment_intent.requires_action") < types.index("payment_intent.succeeded")


def test_three_d_secure_failed(stripe_fake, stripe_client):
    intent, challenge = _three_d_secure(
        stripe_fake, stripe_client, "pm_card_authenticationRequired"
    )

    response = requests.get(challenge, params={"approve": "0"}, allow_redirects=False, timeout=5)

    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["redirect_status"] == ["failed"]
    failed = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"
    assert stripe_fake.objects_of("charge") == []
    assert stripe_fake.events[-1]["type"] == "payment_intent.payment_failed"


def test_authentication_required_off_session_declines(stripe_client):
    with pytest.raises(stripe.CardError) as caught:
        _confirmed_intent(stripe_client, card="pm_card_authenticationRequired", off_session=True)

    assert caught.value.code == "authentication_required"


def test_cancel_releases_an_authorisation_and_refuses_a_captured_intent(stripe_fake, stripe_client):
    held = _confirmed_intent(stripe_client, capture_method="manual")
    captured = _confirmed_intent(stripe_client)

    canceled = stripe_client.v1.payment_intents.cancel(
        held.id, params={"cancellation_reason": "requested_by_customer"}
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.payment_intents.cancel(captured.id)

    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "requested_by_customer")
    assert stripe_fake.events_of("payment_intent.canceled")[0]["data"]["object"]["id"] == held.id
    assert caught.value.code == "payment_intent_unexpected_state"
    assert stripe_fake.get("payment_intent", captured.id)["status"] == "succeeded"


def test_update_merges_metadata_and_refuses_amount_after_success(stripe_client):
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 700, "currency": "eur", "metadata": {"a": "1", "b": "2"}}
    )

    updated = stripe_client.v1.payment_intents.update(
        intent.id, params={"amount": 900, "metadata": {"b": "", "c": "3"}}
    )
    stripe_client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.payment_intents.update(intent.id, params={"amount": 100})

    assert updated.amount == 900
    assert updated.metadata.to_dict() == {"a": "1", "c": "3"}
    assert caught.value.code == "payment_intent_unexpected_state"


def test_a_rejected_update_changes_nothing(stripe_fake, stripe_client):
    intent = stripe_client.v1.payment_intents.create(params={"amount": 700, "currency": "usd"})

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.payment_intents.update(
            intent.id, params={"amount": 900, "currency": "dollars", "metadata": {"a": "1"}}
        )

    assert caught.value.param == "currency"
    stored = stripe_fake.get("payment_intent", intent.id)
    assert (stored["amount"], stored["currency"], stored["metadata"]) == (700, "usd", {})


def test_errors_have_stripes_shape(stripe_fake, stripe_client_factory):
    client = stripe_client_factory()

    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_intents.retrieve("pi_doesnotexist")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "colour": "red"})
    with pytest.raises(stripe.AuthenticationError) as bad_key:
        stripe_client_factory("sk_live_not_a_test_key").v1.payment_intents.list()
    no_key = requests.get(f"{stripe_fake.url}/v1/payment_intents", timeout=5)

    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    assert missing.value.param == "intent"
    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "colour")
    assert bad_key.value.http_status == 401
    assert no_key.status_code == 401
    assert no_key.json()["error"]["type"] == "invalid_request_error"
    assert stripe_fake.objects_of("payment_intent") == []


# refunds, disputes -----------------------------------------------------------------------------


def test_refunds_partial_then_total(stripe_fake, stripe_client):
    intent = _confirmed_intent(stripe_client, amount=1000)

    first = stripe_client.v1.refunds.create(
        params={"payment_intent": intent.id, "amount": 300, "reason": "requested_by_customer"}
    )
    rest = stripe_client.v1.refunds.create(params={"charge": intent.latest_charge})

    assert (first.amount, first.status, first.payment_intent) == (300, "succeeded", intent.id)
    assert rest.amount == 700
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (1000, True)
    listed = stripe_client.v1.refunds.list(params={"payment_intent": intent.id})
    assert [refund.id for refund in listed.data] == [rest.id, first.id]
    assert stripe_client.v1.refunds.retrieve(first.id).amount == 300
    refund_txn = stripe_client.v1.balance_transactions.retrieve(first.balance_transaction)
    assert (refund_txn.amount, refund_txn.type) == (-300, "refund")
    assert len(stripe_fake.events_of("charge.refunded")) == 2


def test_refunding_more_than_captured_is_rejected(stripe_fake, stripe_client):
    intent = _confirmed_intent(stripe_client, amount=1000, capture_method="manual")
    stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 400})
    transactions_before = stripe_fake.objects_of("balance_transaction")

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 401})

    assert caught.value.http_status == 400
    assert (caught.value.code, caught.value.param) == ("amount_too_large", "amount")
    assert caught.value.error.type == "invalid_request_error"
    assert stripe_fake.objects_of("refund") == []
    assert stripe_fake.objects_of("balance_transaction") == transactions_before
    assert stripe_fake.get("charge", intent.latest_charge)["amount_refunded"] == 0


def test_dispute_created_on_demand_then_won(stripe_fake, stripe_client):
    # given a payment with the card that gets disputed
    intent = _confirmed_intent(stripe_client, card="pm_card_createDispute", amount=2000)
    assert intent.status == "succeeded"
    assert stripe_fake.events_of("charge.dispute.created") == []

    # when the test lets the bank open the dispute
    [dispute] = stripe_fake.dispute_pending()

    # then a dispute withdraws the amount plus a fee and an event says so
    assert (dispute["charge"], dispute["amount"], dispute["status"]) == (
        intent.latest_charge,
        2000,
        "needs_response",
    )
    [withdrawal] = dispute["balance_transactions"]
    assert (withdrawal["amount"], withdrawal["fee"], withdrawal["net"]) == (-2000, 1500, -3500)
    [created] = stripe_fake.events_of("charge.dispute.created")
    assert created["data"]["object"]["id"] == dispute["id"]
    assert stripe_client.v1.charges.retrieve(intent.latest_charge).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as refund_error:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refund_error.value.code == "charge_disputed"

    # when the merchant wins it
    stripe_fake.close_dispute(dispute["id"], status="won")

    # then the dispute is closed and the amount comes back
    won = stripe_client.v1.disputes.retrieve(dispute["id"])
    assert won.status == "won"
    assert [txn.amount for txn in won.balance_transactions] == [-2000, 2000]
    [closed] = stripe_fake.events_of("charge.dispute.closed")
    assert closed["data"]["object"]["status"] == "won"


def test_any_charge_can_be_disputed_and_lost(stripe_fake, stripe_client):
    intent = _confirmed_intent(stripe_client)

    dispute = stripe_fake.dispute_charge(intent.latest_charge, reason="product_not_received")
    lost = stripe_fake.close_dispute(dispute["id"], status="lost")

    assert (lost["status"], lost["reason"]) == ("lost", "product_not_received")
    assert len(lost["balance_transactions"]) == 1


# Connect: accounts, links, transfers -----------------------------------------------------------


def test_account_onboarding_through_an_account_link(stripe_fake, stripe_client):
    # given a new express account: restricted until onboarding
    account = stripe_client.v1.accounts.create(
        params={"type": "express", "country": "US", "metadata": {"merchant": "7"}}
    )
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)
    assert account.capabilities.transfers == "inactive"
    link = stripe_client.v1.account_links.create(
        params={
            "account": account.id,
            "refresh_url": "https://shop.example.test/onboarding/refresh/",
            "return_url": "https://shop.example.test/onboarding/return/",
            "type": "account_onboarding",
        }
    )
    assert link.expires_at > time.time()
    assert link.url.startswith(f"{stripe_fake.url}/fake/account_links/")

    # when the link has expired, the browser is sent to refresh_url
    assert stripe_fake.expire_account_link(link.url) == 1
    expired = requests.get(link.url, allow_redirects=False, timeout=5)
    assert expired.headers["Location"] == "https://shop.example.test/onboarding/refresh/"
    assert stripe_fake.events_of("account.updated") == []

    # when a fresh link is followed to completion
    fresh = stripe_client.v1.account_links.create(
        params={
            "account": account.id,
            "refresh_url": "https://shop.example.test/onboarding/refresh/",
            "return_url": "https://shop.example.test/onboarding/return/",
            "type": "account_onboarding",
        }
    )
    done = requests.get(fresh.url, params={"complete": "1"}, allow_redirects=False, timeout=5)

    # then the account is enabled and account.updated says what changed
    assert done.headers["Location"] == "https://shop.example.test/onboarding/return/"
    enabled = stripe_client.v1.accounts.retrieve(account.id)
    assert (enabled.charges_enabled, enabled.payouts_enabled) == (True, True)
    assert enabled.capabilities.transfers == "active"
    [updated] = stripe_fake.events_of("account.updated")
    assert updated["data"]["object"]["charges_enabled"] is True
    assert updated["data"]["previous_attributes"]["charges_enabled"] is False
    # a used link is spent
    again = requests.get(fresh.url, params={"complete": "1"}, allow_redirects=False, timeout=5)
    assert again.headers["Location"] == "https://shop.example.test/onboarding/refresh/"


def test_account_update_and_onboarding_control(stripe_fake, stripe_client):
    account = stripe_client.v1.accounts.create(params={"type": "custom", "country": "DE"})

    updated = stripe_client.v1.accounts.update(
        account.id, params={"email": "shop@example.test", "metadata": {"merchant": "9"}}
    )
    onboarded = stripe_fake.complete_account_onboarding(account.id)

    assert account.default_currency == "eur"
    assert (updated.email, updated.metadata.to_dict()) == ("shop@example.test", {"merchant": "9"})
    assert onboarded["charges_enabled"] is True
    assert [event["type"] for event in stripe_fake.events] == ["account.updated", "account.updated"]


def test_transfer_and_reversal(stripe_fake, stripe_client):
    # given a captured payment and a merchant account not yet onboarded
    intent = _confirmed_intent(stripe_client, amount=5000, transfer_group="order-9")
    account = stripe_client.v1.accounts.create(params={"type": "express"})
    with pytest.raises(stripe.InvalidRequestError) as restricted:
        stripe_client.v1.transfers.create(
            params={"amount": 4000, "currency": "usd", "destination": account.id}
        )
    assert restricted.value.code == "insufficient_capabilities_for_transfer"
    assert stripe_fake.objects_of("transfer") == []
    stripe_fake.complete_account_onboarding(account.id)

    # when the merchant's share is transferred from that charge
    transfer = stripe_client.v1.transfers.create(
        params={
            "amount": 4000,
            "currency": "usd",
            "destination": account.id,
            "transfer_group": "order-9",
            "source_transaction": intent.latest_charge,
            "metadata": {"payout": "1"},
        }
    )

    # then it is recorded against the charge
    assert (transfer.amount, transfer.destination, transfer.reversed) == (4000, account.id, False)
    assert transfer.source_transaction == intent.latest_charge
    assert stripe_client.v1.transfers.retrieve(transfer.id).transfer_group == "order-9"
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        stripe_client.v1.transfers.create(
            params={
                "amount": 1001,
                "currency": "usd",
                "destination": account.id,
                "source_transaction": intent.latest_charge,
            }
        )
    assert too_much.value.code == "amount_too_large"

    # when part of it is reversed, then all of the rest
    reversal = stripe_client.v1.transfers.reversals.create(transfer.id, params={"amount": 1500})
    stripe_client.v1.transfers.reversals.create(transfer.id)

    # then the transfer is fully reversed and each reversal sent transfer.reversed
    assert (reversal.amount, reversal.transfer) == (1500, transfer.id)
    reversed_transfer = stripe_client.v1.transfers.retrieve(transfer.id)
    assert (reversed_transfer.amount_reversed, reversed_transfer.reversed) == (4000, True)
    assert [r.amount for r in stripe_client.v1.transfers.reversals.list(transfer.id).data] == [
        2500,
        1500,
    ]
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.transfers.reversals.create(transfer.id, params={"amount": 1})
    assert [e["type"] for e in stripe_fake.events if e["type"].startswith("transfer.")] == [
        "transfer.created",
        "transfer.reversed",
        "transfer.reversed",
    ]


# idempotency, retries, timeouts -----------------------------------------------------------------


def test_idempotent_replay_and_conflict(stripe_fake, stripe_client, stripe_client_factory):
    params = {"amount": 1200, "currency": "usd", "metadata": {"order": "1"}}
    options = {"idempotency_key": "order-1-payment"}

    first = stripe_client.v1.payment_intents.create(params=params, options=options)
    replay = stripe_client.v1.payment_intents.create(params=params, options=options)
    with pytest.raises(stripe.IdempotencyError) as conflict:
        stripe_client.v1.payment_intents.create(params={**params, "amount": 1300}, options=options)
    other_key_owner = stripe_client_factory("sk_test_other_account")
    separate = other_key_owner.v1.payment_intents.create(params=params, options=options)

    assert replay.id == first.id
    assert replay.last_response.headers["Idempotent-Replayed"] == "true"
    assert conflict.value.http_status == 400
    assert conflict.value.error.type == "idempotency_error"
    assert separate.id != first.id  # keys are per API key
    assert len(stripe_fake.objects_of("payment_intent")) == 2
    logged = stripe_fake.requests_to("/v1/payment_intents", method="POST")
    assert [entry["replayed"] for entry in logged] == [False, True, False, False]
    assert [entry["status"] for entry in logged] == [200, 200, 400, 200]


def test_500_is_retried_by_the_sdk_with_the_same_idempotency_key(stripe_fake, stripe_client):
    # given the next request to /v1/payment_intents fails with a 500
    stripe_fake.fail_next(1, path_prefix="/v1/payment_intents")

    # when the SDK (2 network retries) creates a PaymentIntent without an explicit key
    intent = stripe_client.v1.payment_intents.create(params={"amount": 800, "currency": "usd"})

    # then it retried once, with the key it generated, and exactly one PaymentIntent exists
    attempts = stripe_fake.requests_to("/v1/payment_intents", method="POST")
    assert [(entry["status"], entry["fault"]) for entry in attempts] == [(500, "fail"), (200, None)]
    assert attempts[0]["idempotency_key"] is not None
    assert attempts[0]["idempotency_key"] == attempts[1]["idempotency_key"]
    assert attempts[0]["params"] == attempts[1]["params"] == {"amount": "800", "currency": "usd"}
    assert [pi["id"] for pi in stripe_fake.objects_of("payment_intent")] == [intent.id]


def test_persistent_500_surfaces_as_api_error_and_creates_nothing(stripe_fake, stripe_client):
    stripe_fake.fail_next(3, status=503)

    with pytest.raises(stripe.APIError) as caught:
        stripe_client.v1.transfers.create(
            params={"amount": 100, "currency": "usd", "destination": "acct_x"}
        )

    assert caught.value.http_status == 503
    assert len(stripe_fake.requests) == 3  # the call and its two retries
    assert stripe_fake.objects_of("transfer") == []


def test_timeout_after_processing_then_retry_with_the_same_key(stripe_fake, stripe_client_factory):
    # given the next request is carried out but its response is lost (hangs past the timeout)
    impatient = stripe_client_factory(timeout=0.5, max_network_retries=0)
    stripe_fake.hang_next(1, seconds=3, process=True)
    options = {"idempotency_key": "order-5-payment"}
    params = {"amount": 2500, "currency": "usd"}

    # when the client times out
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.payment_intents.create(params=params, options=options)

    # then the PaymentIntent exists anyway, and a retry with the same key returns it
    [created] = stripe_fake.objects_of("payment_intent")
    retried = stripe_client_factory().v1.payment_intents.create(params=params, options=options)
    assert retried.id == created["id"]
    assert len(stripe_fake.objects_of("payment_intent")) == 1
    assert [entry["replayed"] for entry in stripe_fake.requests] == [False, True]


def test_sdk_retries_a_lost_response_and_gets_the_replay(stripe_fake, stripe_client_factory):
    client = stripe_client_factory(timeout=0.5, max_network_retries=2)
    stripe_fake.hang_next(1, seconds=3, process=True)

    intent = client.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})

    assert [pi["id"] for pi in stripe_fake.objects_of("payment_intent")] == [intent.id]
    first, second = stripe_fake.requests
    assert first["idempotency_key"] == second["idempotency_key"]
    assert (first["fault"], second["replayed"]) == ("hang", True)


def test_timeout_before_processing_creates_nothing(stripe_fake, stripe_client_factory):
    impatient = stripe_client_factory(timeout=0.5, max_network_retries=0)
    stripe_fake.hang_next(1, seconds=3, process=False)

    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.payment_intents.create(
            params={"amount": 100, "currency": "usd"}, options={"idempotency_key": "k-1"}
        )

    assert stripe_fake.objects_of("payment_intent") == []
    retried = stripe_client_factory().v1.payment_intents.create(
        params={"amount": 100, "currency": "usd"}, options={"idempotency_key": "k-1"}
    )
    assert [pi["id"] for pi in stripe_fake.objects_of("payment_intent")] == [retried.id]


# webhooks ---------------------------------------------------------------------------------------


def test_webhooks_are_signed_as_stripe_signs_them(stripe_fake, stripe_client, stripe_webhooks):
    # when a payment succeeds with webhooks configured
    _confirmed_intent(stripe_client, metadata={"order": "3"})
    assert stripe_fake.wait_for_webhooks()

    # then every event arrived, in order, and the real SDK accepts each signature
    received = stripe_webhooks.wait_for(3)
    events = [
        stripe.Webhook.construct_event(
            request["body"], request["headers"]["stripe-signature"], WEBHOOK_SECRET
        )
        for request in received
    ]
    assert [event.type for event in events] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    assert [event.id for event in events] == [event["id"] for event in stripe_fake.events]
    assert events[-1].data.object.metadata.order == "3"
    assert events[-1].data.object.status == "succeeded"
    assert {delivery["status"] for delivery in stripe_fake.deliveries} == {200}


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("bad", "No signatures found matching the expected signature"),
        ("stale", "Timestamp outside the tolerance zone"),
        ("missing", "No Stripe-Signature header value was provided"),
    ],
)
def test_bad_or_stale_signatures_are_rejected_by_the_sdk(
    stripe_fake, stripe_client, stripe_webhook_receiver, signature, message
):
    stripe_client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
    stripe_fake.configure_webhook(stripe_webhook_receiver.url, WEBHOOK_SECRET)
    [event] = stripe_fake.events

    stripe_fake.send_event(event["id"], signature=signature)

    [request] = stripe_webhook_receiver.received
    with pytest.raises(stripe.SignatureVerificationError, match=message):
        stripe.Webhook.construct_event(
            request["body"], request["headers"].get("stripe-signature"), WEBHOOK_SECRET
        )


def test_queued_delivery_shuffled_with_duplicates(stripe_fake, stripe_client, stripe_webhooks):
    # given events held back
    stripe_fake.set_webhook_mode("queue")
    for amount in (100, 200, 300):
        _confirmed_intent(stripe_client, amount=amount)
    created = [event["id"] for event in stripe_fake.events]
    assert stripe_fake.pending_events == created
    assert stripe_webhooks.received == []

    # when they are delivered shuffled, some twice
    deliveries = stripe_fake.deliver_pending(shuffle=True, duplicate=0.5, seed=4)

    # then every event arrived at least once, some more than once, not in creation order
    received = [
        stripe.Webhook.construct_event(
            request["body"], request["headers"]["stripe-signature"], WEBHOOK_SECRET
        ).id
        for request in stripe_webhooks.received
    ]
    assert len(received) == len(deliveries) > len(created)
    assert set(received) == set(created)
    assert received[: len(created)] != created
    assert stripe_fake.pending_events == []


def test_failed_delivery_is_recorded(stripe_fake, stripe_client, stripe_webhooks):
    stripe_webhooks.status = 500

    stripe_client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
    stripe_fake.wait_for_webhooks()

    [delivery] = stripe_fake.deliveries
    assert (delivery["type"], delivery["status"]) == ("payment_intent.created", 500)


# lists, events ----------------------------------------------------------------------------------


def test_balance_transaction_pagination(stripe_fake, stripe_client):
    for amount in (1000, 2000, 3000):
        _confirmed_intent(stripe_client, amount=amount)

    first_page = stripe_client.v1.balance_transactions.list(params={"limit": 2})
    second_page = stripe_client.v1.balance_transactions.list(
        params={"limit": 2, "starting_after": first_page.data[-1].id}
    )
    everything = list(
        stripe_client.v1.balance_transactions.list(params={"limit": 1}).auto_paging_iter()
    )
    since_now = stripe_client.v1.balance_transactions.list(
        params={"created": {"gte": int(time.time()) - 60}, "type": "charge"}
    )
    in_future = stripe_client.v1.balance_transactions.list(
        params={"created": {"gt": int(time.time()) + 60}}
    )

    assert (first_page.object, first_page.url, first_page.has_more) == (
        "list",
        "/v1/balance_transactions",
        True,
    )
    assert [txn.amount for txn in first_page.data] == [3000, 2000]
    assert [txn.amount for txn in second_page.data] == [1000]
    assert second_page.has_more is False
    assert [txn.amount for txn in everything] == [3000, 2000, 1000]
    assert len(since_now.data) == 3
    assert in_future.data == []


def test_events_retrieve_and_list_by_type(stripe_fake, stripe_client):
    intent = _confirmed_intent(stripe_client)
    stripe_client.v1.refunds.create(params={"payment_intent": intent.id})

    succeeded = stripe_client.v1.events.list(params={"type": "payment_intent.succeeded"})
    charge_events = stripe_client.v1.events.list(params={"type": "charge.*"})
    event = stripe_client.v1.events.retrieve(succeeded.data[0].id)

    assert [e.data.object.id for e in succeeded.data] == [intent.id]
    assert [e.type for e in charge_events.data] == ["charge.refunded", "charge.succeeded"]
    assert event.data.object.status == "succeeded"
    assert event.request.idempotency_key is not None  # the SDK's generated key for the POST


# the fake itself --------------------------------------------------------------------------------


def test_form_parsing_follows_stripes_conventions():
    parsed = parse_form(
        "amount=100&metadata[order]=7&metadata[merchant]=2&expand[]=latest_charge"
        "&payment_method_types[0]=card&payment_method_types[1]=link&created[gte]=5"
        "&capabilities[transfers][requested]=true"
    )

    assert parsed == {
        "amount": "100",
        "metadata": {"order": "7", "merchant": "2"},
        "expand": ["latest_charge"],
        "payment_method_types": ["card", "link"],
        "created": {"gte": "5"},
        "capabilities": {"transfers": {"requested": "true"}},
    }


def test_http_control_api(stripe_fake, stripe_client):
    control = f"{stripe_fake.url}/_fake"
    account = stripe_client.v1.accounts.create(params={"type": "express"})

    assert requests.get(f"{control}/health", timeout=5).json()["ok"] is True
    onboarded = requests.post(f"{control}/accounts/{account.id}/complete_onboarding", timeout=5)
    failing = requests.post(f"{control}/fail_next", json={"n": 1, "status": 500}, timeout=5)
    listed = requests.get(f"{control}/objects/account", timeout=5).json()
    missing = requests.post(f"{control}/accounts/acct_nope/complete_onboarding", timeout=5)
    without_retries = stripe_fake.make_client(max_network_retries=0)
    with pytest.raises(stripe.APIError):
        without_retries.v1.accounts.retrieve(account.id)
    log = requests.get(f"{control}/requests", timeout=5).json()

    assert onboarded.json()["charges_enabled"] is True
    assert failing.json() == {"ok": True}
    assert [a["id"] for a in listed] == [account.id]
    assert missing.status_code == 404
    assert (log[-1]["path"], log[-1]["status"]) == (f"/v1/accounts/{account.id}", 500)
    assert requests.post(f"{control}/reset", timeout=5).json() == {"ok": True}
    assert stripe_fake.objects_of("account") == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_runs_standalone_as_a_module(stripe_webhook_receiver):
    # given the fake started as its own process, with webhooks
    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "payments.stripe_fake",
            "--port",
            str(port),
            "--webhook-url",
            stripe_webhook_receiver.url,
            "--webhook-secret",
            WEBHOOK_SECRET,
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(f"{url}/_fake/health", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the fake did not start"
                time.sleep(0.05)
        client = stripe.StripeClient(
            "sk_test_fake",
            base_addresses={"api": url},
            http_client=stripe.RequestsClient(timeout=5),
        )

        # when a client uses it
        intent = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})

        # then it answers and sends the signed event
        [request] = stripe_webhook_receiver.wait_for(1)
        event = stripe.Webhook.construct_event(
            request["body"], request["headers"]["stripe-signature"], WEBHOOK_SECRET
        )
        assert event.data.object.id == intent.id
        objects = requests.get(f"{url}/_fake/objects/payment_intent", timeout=5).json()
        assert [pi["id"] for pi in objects] == [intent.id]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_context_manager_binds_a_free_port():
    with StripeFake() as fake:
        response = requests.get(f"{fake.url}/_fake/health", timeout=5)
    assert json.loads(response.content)["url"] == fake.url
