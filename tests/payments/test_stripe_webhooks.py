"""Stripe's webhooks into our inbox, and the whole path checkout → Stripe → webhooks → a real
Celery worker, with the real SDK against the local fake of Stripe's API.

The fake signs its events as Stripe does and POSTs them to ``/payments/stripe/webhook/`` on the
live server (or a test posts them with the test client); queued delivery lets a test shuffle and
duplicate them, as Stripe's at-least-once, unordered delivery may.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse

from marketplace.core.money import Money
from payments.gateways.stripe import gateway_create
from payments.interface import (
    AuthorizeRequest,
    CardDeclined,
    EventType,
    InvalidRequest,
    PaymentMethodInput,
)
from payments.models import Payment, PaymentStatus, ProviderEvent
from payments.services import payment_refund, provider_event_handle
from payments.stripe_fake.webhooks import signature_header
from purchases.models import MerchantOrder, Purchase
from tests.merchants.factories import MerchantFactory, UserFactory
from tests.payments.conftest import STRIPE_TEST_KEY, WEBHOOK_SECRET
from tests.payments.fixtures import Checkout
from tests.search.factories import ProductFactory, StockRecordFactory

pytest_plugins = ["tests.payments.fixtures"]

#: The three merchants' goods in US dollars ($45.00, $30.00, $20.00); $5.00 delivery each.
USD_PRICES = [Decimal("45.00"), Decimal("30.00"), Decimal("20.00")]
DELIVERY_MINOR = 500
TOTAL_MINOR = 4500 + 3000 + 2000 + 3 * DELIVERY_MINOR


@pytest.fixture
def stripe_on(settings, stripe_fake):
    """Stripe switched on against the fake, the Payment Element's key set, priced in USD."""
    settings.PAYMENTS_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = STRIPE_TEST_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    settings.STRIPE_API_BASE = stripe_fake.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.OSCAR_DEFAULT_CURRENCY = "USD"
    settings.MARKETPLACE_SHIPPING = {
        **settings.MARKETPLACE_SHIPPING,
        "domestic_per_merchant_minor": DELIVERY_MINOR,
        "domestic_free_from_minor": 10**9,
    }
    return settings


@pytest.fixture
def usd_bazaar(iran):
    goods = []
    for (name, title), price in zip(
        [
            ("Novin Saffron House", "Sargol saffron 4.6 g"),
            ("Vakil Carpet Bazaar", "Kashmar wool runner"),
            ("Golestan Pistachio Roastery", "Akbari pistachios 500 g"),
        ],
        USD_PRICES,
        strict=True,
    ):
        merchant = MerchantFactory(name_en=name)
        product = ProductFactory(title=title, title_en=title)
        StockRecordFactory(
            product=product,
            partner=merchant.partner,
            price=price,
            price_currency="USD",
            num_in_stock=5,
        )
        goods.append((merchant, product))
    return goods


@pytest.fixture
def usd_frozen_basket(usd_bazaar):
    """``usd_frozen_basket()`` -> a frozen three-merchant USD basket as checkout leaves it, and
    the checkout snapshot a payment for it carries."""
    from oscar.core.loading import get_model

    from payments.services import checkout_snapshot
    from tests.shop import basket_build

    ShippingAddress = get_model("order", "ShippingAddress")

    def make():
        basket = basket_build([(product, 1) for _merchant, product in usd_bazaar])
        basket.freeze()
        snapshot = checkout_snapshot(
            user=None,
            guest_email="pilgrim@example.com",
            shipping_address=ShippingAddress(
                first_name="Reza",
                last_name="Karimi",
                line1="Imam Reza St 12",
                line4="Mashhad",
                country_id="IR",
            ),
            billing_address=None,
            shipping_method_code="merchant-delivery",
            order_status=None,
        )
        return basket, snapshot

    return make


@pytest.fixture
def empty_queue():
    """No messages left over from other tests in the broker before the worker starts."""
    from marketplace.celery import app

    app.control.purge()


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def webhook_url(live_server) -> str:
    return live_server.url + reverse("payments:stripe-webhook")


def unprocessed() -> list:
    return list(
        ProviderEvent.objects.filter(processed_at__isnull=True).values_list(
            "type", "object_id", "last_error"
        )
    )


def steps(payment: Payment) -> list[tuple[str, str]]:
    return list(payment.events.values_list("from_status", "to_status"))


# --- the whole path, through a real worker --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_three_merchant_basket_is_paid_once_and_webhooks_in_any_order_change_nothing(
    stripe_on, stripe_fake, usd_bazaar, client, live_server, empty_queue, celery_worker
):
    # given Stripe holding its webhooks back, to deliver them shuffled and duplicated later
    stripe_fake.configure_webhook(webhook_url(live_server), WEBHOOK_SECRET, mode="queue")
    checkout = Checkout(client, usd_bazaar)
    page = checkout.details()
    assert 'id="payment-element" data-publishable-key="pk_test_fake"' in page.content.decode()
    assert '<script src="https://js.stripe.com/v3/"></script>' in page.content.decode()

    # when the guest pays with the token Stripe's Payment Element made
    fields = {"payment_method": "pm_card_visa"}
    assert checkout.preview(fields).status_code == 200
    response = checkout.place(fields)

    # then one purchase of three merchant orders is placed and paid by one captured PaymentIntent
    assert response["Location"] == reverse("checkout:thank-you")
    purchase = Purchase.objects.get()
    assert (purchase.total_minor, purchase.currency) == (TOTAL_MINOR, "USD")
    assert MerchantOrder.objects.filter(purchase=purchase).count() == 3
    payment = Payment.objects.get()
    assert (payment.gateway, payment.status, payment.captured_minor, payment.purchase) == (
        "stripe",
        PaymentStatus.CAPTURED,
        TOTAL_MINOR,
        purchase,
    )
    [intent] = stripe_fake.objects_of("payment_intent")
    assert payment.provider_ref == intent["id"]
    assert (intent["amount"], intent["currency"], intent["status"]) == (
        TOTAL_MINOR,
        "usd",
        "succeeded",
    )
    assert (intent["capture_method"], intent["transfer_group"]) == ("manual", purchase.number)
    assert intent["metadata"]["payment_id"] == str(payment.pk)
    assert [key for key in (r["idempotency_key"] for r in stripe_fake.requests) if key] == [
        f"payment:{payment.pk}:authorize",
        f"payment:{payment.pk}:capture",
    ]
    before = steps(payment)
    assert before == [
        ("", "created"),
        ("created", "authorized"),
        ("authorized", "authorized"),
        ("authorized", "captured"),
    ]

    # when Stripe delivers its events shuffled, some twice, and replays one with a stale signature
    created = [event["id"] for event in stripe_fake.events]
    deliveries = stripe_fake.deliver_pending(shuffle=True, duplicate=0.3, seed=4)
    stale = stripe_fake.send_event(created[0], signature="stale")

    # then every genuine delivery is answered 200 and each event is stored once
    assert len(deliveries) > len(created)
    assert {d["status"] for d in deliveries} == {200}
    assert stale["status"] == 400
    assert sorted(ProviderEvent.objects.values_list("event_id", flat=True)) == sorted(created)
    # and the worker processes them all, the payment events re-fetching the PaymentIntent
    assert wait_for(lambda: not unprocessed()), unprocessed()
    assert set(ProviderEvent.objects.values_list("type", flat=True)) == {
        EventType.PAYMENT_AUTHORIZED,
        EventType.PAYMENT_SUCCEEDED,
        EventType.OTHER,  # payment_intent.created, charge.succeeded, charge.captured
    }
    assert not ProviderEvent.objects.exclude(last_error="").exists()
    # and the purchase stays paid once: the same state, no step taken twice
    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor) == (PaymentStatus.CAPTURED, TOTAL_MINOR)
    assert steps(payment) == before
    assert len(stripe_fake.objects_of("payment_intent")) == 1
    assert Purchase.objects.count() == 1

    # when an admin refunds the carpet merchant's order ($30.00 + $5.00 delivery)
    carpets = MerchantOrder.objects.get(purchase=purchase, sequence=2)
    admin = UserFactory(is_superuser=True, is_staff=True)
    refund = payment_refund(merchant_order_id=carpets.pk, reason="Wrong size", requested_by=admin)

    # then Stripe refunded that order's total, named by the order's number
    [stripe_refund] = stripe_fake.objects_of("refund")
    assert (refund.provider_ref, stripe_refund["amount"]) == (stripe_refund["id"], 3500)
    assert stripe_refund["metadata"]["reference"] == carpets.order.number
    assert stripe_refund["payment_intent"] == payment.provider_ref
    # and Stripe's own events about it change nothing more once processed
    stripe_fake.deliver_pending(shuffle=True, duplicate=0.5, seed=5)
    assert wait_for(lambda: not unprocessed()), unprocessed()
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.PARTIALLY_REFUNDED, 3500)


@pytest.mark.django_db(transaction=True)
def test_3ds_is_authorised_by_webhooks_while_the_buyer_is_away_then_placed_on_return(
    stripe_on, stripe_fake, usd_bazaar, client, live_server, empty_queue, celery_worker
):
    # given Stripe delivering its webhooks as they happen
    stripe_fake.configure_webhook(webhook_url(live_server), WEBHOOK_SECRET)
    checkout = Checkout(client, usd_bazaar)
    checkout.details()
    fields = {"payment_method": "pm_card_threeDSecure2Required"}
    checkout.preview(fields)

    # when the guest pays with a card that asks for 3-D Secure
    response = checkout.place(fields)

    # then they are sent to the bank, nothing placed
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{stripe_fake.url}/fake/3ds/{payment.provider_ref}"
    assert Purchase.objects.count() == 0

    # when the bank approves; the buyer has not come back yet
    bank = requests.get(
        response["Location"], params={"approve": "1"}, allow_redirects=False, timeout=5
    )

    # then Stripe's webhook, processed by the worker, moves the payment to authorised
    assert wait_for(
        lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.AUTHORIZED
    ), unprocessed()
    authorised = payment.events.get(
        to_status=PaymentStatus.AUTHORIZED, from_status="requires_action"
    )
    assert authorised.source.startswith("event:evt_")

    # when the buyer comes back from the bank
    back = urlsplit(bank.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")

    # then the purchase is placed and captured, once
    assert response["Location"] == reverse("checkout:thank-you")
    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor) == (PaymentStatus.CAPTURED, TOTAL_MINOR)
    assert MerchantOrder.objects.filter(purchase=payment.purchase).count() == 3
    assert wait_for(lambda: stripe_fake.wait_for_webhooks() and not unprocessed()), unprocessed()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert Purchase.objects.count() == 1


# --- events the processor learns only from Stripe, in any order ---------------------------------


def processed_at_stripe(gateway, stripe_fake, payment: Payment) -> None:
    """Captured, partly refunded and disputed at Stripe without our services hearing of it."""
    gateway.payment_capture(
        provider_ref=payment.provider_ref, amount=None, idempotency_key=f"x-capture-{payment.pk}"
    )
    gateway.refund_create(
        provider_ref=payment.provider_ref,
        amount=Money(1000, payment.currency),
        reason="r",
        reference=payment.reference,
        idempotency_key=f"x-refund-{payment.pk}",
    )
    charge = stripe_fake.get("payment_intent", payment.provider_ref)["latest_charge"]
    stripe_fake.dispute_charge(charge, amount=500)


@pytest.mark.django_db(transaction=True)
def test_duplicated_and_reordered_webhooks_end_in_the_same_state(
    stripe_on, stripe_fake, usd_frozen_basket, live_server, queued
):
    # given two authorised payments, each then captured, refunded and disputed at Stripe only
    gateway = gateway_create()
    stripe_fake.configure_webhook(webhook_url(live_server), WEBHOOK_SECRET, mode="queue")
    payments = []
    for _ in range(2):
        basket, snapshot = usd_frozen_basket()
        payments.append(authorize_usd(basket, snapshot))
    first, second = payments
    stripe_fake.deliver_pending(shuffle=False)  # the authorisations' own events
    for event in ProviderEvent.objects.order_by("pk"):
        provider_event_handle(event_id=event.pk)
    ProviderEvent.objects.all().delete()
    queued.clear()

    # when the first's events arrive in order, once
    processed_at_stripe(gateway, stripe_fake, first)
    in_order = stripe_fake.deliver_pending(shuffle=False)
    for _name, (event_id,) in list(queued):
        provider_event_handle(event_id=event_id)
    queued.clear()

    # and the second's shuffled, a third of them twice, processed as they arrive (twice over)
    processed_at_stripe(gateway, stripe_fake, second)
    shuffled = stripe_fake.deliver_pending(shuffle=True, duplicate=0.3, seed=3)
    outcomes = [provider_event_handle(event_id=event_id) for _n, (event_id,) in queued * 2]

    # then both payments end disputed with the same amounts, having taken the same steps
    assert [d["type"] for d in in_order] != [d["type"] for d in shuffled]
    assert len(shuffled) > len(in_order)
    assert outcomes.count("already") == len(queued)
    for payment in (first, second):
        payment.refresh_from_db()
    assert [(p.status, p.captured_minor, p.refunded_minor) for p in (first, second)] == [
        (PaymentStatus.DISPUTED, first.amount_minor, 1000),
        (PaymentStatus.DISPUTED, second.amount_minor, 1000),
    ]
    # (each event re-fetches the PaymentIntent as it is now, so the first one processed walks
    # the shortest way to the current state and the rest change nothing)
    assert (
        steps(first)
        == steps(second)
        == [
            ("", "created"),
            ("created", "authorized"),
            ("authorized", "captured"),
            ("captured", "disputed"),
        ]
    )


def authorize_usd(basket, snapshot) -> Payment:
    """``payment_authorize`` through Stripe for a USD basket (the sandbox's card form is not
    Stripe's: Stripe takes the Payment Element's token)."""
    from payments.services import payment_authorize
    from purchases.quotes import purchase_quote_build

    quote = purchase_quote_build(basket=basket, country_code="IR")
    return payment_authorize(
        basket=basket,
        reference=str(200000 + basket.pk),
        amount=Money(quote.total_minor, quote.currency),
        payment_method=PaymentMethodInput(token="pm_card_visa"),
        return_url=lambda payment: f"http://testserver/checkout/payment-return/{payment.pk}/x/",
        checkout=snapshot,
    ).payment


# --- the endpoint ------------------------------------------------------------------------------


@pytest.fixture
def a_stripe_event(stripe_on, stripe_fake):
    """A real event of the fake's (``payment_intent.created``) as Stripe would POST it."""
    gateway_create().payment_authorize(
        request=AuthorizeRequest(
            amount=Money(1000, "USD"),
            reference="100001",
            idempotency_key="payment:1:authorize",
            return_url="http://testserver/r/",
            payment_method=PaymentMethodInput(token="pm_card_visa"),
        )
    )
    event = stripe_fake.events_of("payment_intent.amount_capturable_updated")[0]
    return json.dumps(event, indent=2)


def post_event(client, payload: str, header: str | None):
    extra = {} if header is None else {"HTTP_STRIPE_SIGNATURE": header}
    return client.post(
        reverse("payments:stripe-webhook"), data=payload, content_type="application/json", **extra
    )


@pytest.mark.django_db
def test_a_signed_event_is_stored_once_and_queued_once(
    client, a_stripe_event, queued, django_capture_on_commit_callbacks
):
    header = signature_header(a_stripe_event, WEBHOOK_SECRET)

    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(client, a_stripe_event, header)
        second = post_event(client, a_stripe_event, header)

    assert (first.status_code, first.content) == (200, b"stored")
    assert (second.status_code, second.content) == (200, b"duplicate")
    event = ProviderEvent.objects.get()
    payload = json.loads(a_stripe_event)
    assert (event.provider, event.event_id, event.type, event.object_id) == (
        "stripe",
        payload["id"],
        EventType.PAYMENT_AUTHORIZED,
        payload["data"]["object"]["id"],
    )
    assert queued == [("payments.provider_event_process", (event.pk,))]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda body: (body, signature_header(body, "whsec_other")), id="bad"),
        pytest.param(
            lambda body: (body, signature_header(body, WEBHOOK_SECRET, int(time.time()) - 301)),
            id="stale",
        ),
        pytest.param(lambda body: (body, None), id="missing"),
        pytest.param(
            lambda body: (body.replace("1000", "1"), signature_header(body, WEBHOOK_SECRET)),
            id="tampered",
        ),
    ],
)
def test_a_bad_or_stale_signature_is_400_with_nothing_stored_or_queued(
    client, a_stripe_event, queued, spoil, django_capture_on_commit_callbacks
):
    body, header = spoil(a_stripe_event)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_event(client, body, header)

    assert (response.status_code, response.content) == (400, b"invalid event")
    assert ProviderEvent.objects.count() == 0
    assert (callbacks, queued) == ([], [])


@pytest.mark.django_db
def test_without_a_webhook_secret_nothing_is_accepted(client, a_stripe_event, queued, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = post_event(client, a_stripe_event, signature_header(a_stripe_event, ""))
    assert response.status_code == 400
    assert ProviderEvent.objects.count() == 0
    assert queued == []


@pytest.mark.django_db
def test_with_stripe_unconfigured_the_endpoint_is_not_found(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = client.post(
        reverse("payments:stripe-webhook"), data=b"{}", content_type="application/json"
    )
    assert response.status_code == 404
    assert ProviderEvent.objects.count() == 0


# --- Stripe's event types by the protocol's names ------------------------------------------------


def test_stripes_events_are_named_in_the_protocols_terms(stripe_on, stripe_fake):
    # given a payment through its whole life, a 3-D Secure one, a declined and a canceled one,
    # and a merchant paid by a transfer that is then reversed
    gateway = gateway_create()

    def authorise(card: str, n: int):
        return gateway.payment_authorize(
            request=AuthorizeRequest(
                amount=Money(10_000, "USD"),
                reference=f"10000{n}",
                idempotency_key=f"payment:{n}:authorize",
                return_url="http://testserver/r/",
                payment_method=PaymentMethodInput(token=card),
            )
        )

    paid = authorise("pm_card_visa", 1)
    gateway.payment_capture(provider_ref=paid.provider_ref, amount=None, idempotency_key="c1")
    gateway.refund_create(
        provider_ref=paid.provider_ref,
        amount=Money(100, "USD"),
        reason="r",
        reference="100001-1",
        idempotency_key="refund:1",
    )
    secure = authorise("pm_card_threeDSecure2Required", 2)
    with pytest.raises(CardDeclined):
        authorise("pm_card_chargeDeclined", 3)
    gateway.payment_cancel(provider_ref=secure.provider_ref, idempotency_key="payment:2:cancel")
    account = gateway.payout_account_create(
        merchant_reference="m", country="US", email="m@example.com", idempotency_key="acct:1"
    ).provider_ref
    stripe_fake.complete_account_onboarding(account)
    transfer = gateway.transfer_create(
        amount=Money(5000, "USD"),
        destination=account,
        transfer_group="100001",
        source_transaction=paid.provider_ref,
        idempotency_key="transfer:1",
    )
    gateway.transfer_reverse(transfer_ref=transfer.provider_ref, amount=None, idempotency_key="t")
    charge = stripe_fake.get("payment_intent", paid.provider_ref)["latest_charge"]
    dispute = stripe_fake.dispute_charge(charge, amount=1000)
    stripe_fake.close_dispute(dispute["id"], status="won")
    declined = stripe_fake.events_of("payment_intent.payment_failed")[0]["data"]["object"]["id"]

    # when each of Stripe's events is verified
    seen = {}
    for event in stripe_fake.events:
        body = json.dumps(event).encode()
        normalized = gateway.event_verify(
            body=body, headers={"Stripe-Signature": signature_header(body.decode(), WEBHOOK_SECRET)}
        )
        assert (normalized.provider, normalized.event_id) == ("stripe", event["id"])
        seen.setdefault(event["type"], set()).add((normalized.type, normalized.object_id))

    # then payment, charge and dispute events name the PaymentIntent; the rest are "other"
    assert seen == {
        "payment_intent.created": {
            ("other", paid.provider_ref),
            ("other", secure.provider_ref),
            ("other", declined),
        },
        "payment_intent.amount_capturable_updated": {("payment.authorized", paid.provider_ref)},
        "payment_intent.succeeded": {("payment.succeeded", paid.provider_ref)},
        "payment_intent.requires_action": {("payment.requires_action", secure.provider_ref)},
        "payment_intent.payment_failed": {("payment.failed", declined)},
        "payment_intent.canceled": {("payment.canceled", secure.provider_ref)},
        "charge.succeeded": {("other", paid.provider_ref)},
        "charge.captured": {("other", paid.provider_ref)},
        "charge.failed": {("other", declined)},
        "charge.refunded": {("charge.refunded", paid.provider_ref)},
        "refund.created": {("other", stripe_fake.objects_of("refund")[0]["id"])},
        "charge.dispute.created": {("dispute.created", paid.provider_ref)},
        "charge.dispute.closed": {("dispute.closed", paid.provider_ref)},
        "account.updated": {("other", account)},
        "transfer.created": {("other", transfer.provider_ref)},
        "transfer.reversed": {("other", transfer.provider_ref)},
    }


def test_verification_refuses_what_stripe_did_not_sign_now(stripe_on, stripe_fake):
    gateway = gateway_create()
    body = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "created": 1}).encode()
    for headers in (
        {},
        {"stripe-signature": "t=1,v1=00"},
        {"Stripe-Signature": signature_header(body.decode(), WEBHOOK_SECRET, 1)},
    ):
        with pytest.raises(InvalidRequest):
            gateway.event_verify(body=body, headers=headers)
    signed = {"Stripe-Signature": signature_header(body.decode(), WEBHOOK_SECRET)}
    with pytest.raises(InvalidRequest, match="malformed"):
        gateway.event_verify(body=body, headers=signed)
