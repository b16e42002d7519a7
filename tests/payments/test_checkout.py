"""Every sandbox test card through Oscar's real checkout, with a three-merchant basket."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from oscar.core.loading import get_model

from payments.models import Payment, PaymentStatus, SandboxCharge
from purchases.exceptions import OutOfStock
from purchases.models import MerchantOrder, Purchase
from tests.payments.fixtures import CARD_3DS, CARD_DECLINED, CARD_INSUFFICIENT, CARD_OK, card

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

pytest_plugins = ["tests.payments.fixtures"]

pytestmark = pytest.mark.django_db

NOT_QUEUED_ON_FAILURE = {"purchases.confirmation_send", "payments.capture_retry"}


def only_basket() -> Basket:
    return Basket.objects.exclude(status=Basket.MERGED).filter(lines__isnull=False).distinct().get()


def assert_nothing_placed(queued=()) -> None:
    assert Purchase.objects.count() == 0
    assert Order.objects.count() == 0
    assert MerchantOrder.objects.count() == 0
    assert not [name for name, _args in queued if name in NOT_QUEUED_ON_FAILURE]
    assert list(StockRecord.objects.values_list("num_allocated", flat=True)) in (
        [0, 0, 0],
        [None, None, None],
    )


def test_the_preview_shows_the_amount_and_currency_that_will_be_charged(checkout, settings):
    # given a guest at the payment-details page
    page = checkout.details()
    total = checkout.total(settings)
    assert b'id="charge-summary"' in page.content
    assert b"in IRR" in page.content

    # when they enter a card and continue
    response = checkout.preview(card(CARD_OK))

    # then the preview says plainly how much, in which currency, and with which card
    assert response.status_code == 200
    html = response.content.decode()
    assert f"IRR{total:,}" in html
    assert "in IRR." in html
    assert "Visa •••• 4242" in html
    # and the card is carried to "place order" in hidden inputs, not in the session
    assert 'type="hidden" name="number" value="4242 4242 4242 4242"' in html
    assert "4242" not in str(dict(checkout.client.session))


def test_a_good_card_pays_the_purchase_total_once_and_places_three_merchant_orders(
    checkout, settings, authorize_calls, django_capture_on_commit_callbacks, queued
):
    # when the guest pays with 4242 4242 4242 4242
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout.pay(CARD_OK)

    # then they see the thank-you page for one purchase of three merchant orders
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:thank-you")
    purchase = Purchase.objects.get()
    assert sorted(Order.objects.values_list("number", flat=True)) == [
        f"{purchase.number}-{n}" for n in (1, 2, 3)
    ]
    # and exactly one payment, captured for the purchase total, linked to the purchase
    payment = Payment.objects.get()
    assert purchase.total_minor == checkout.total(settings)
    assert (payment.status, payment.amount_minor, payment.captured_minor, payment.currency) == (
        PaymentStatus.CAPTURED,
        purchase.total_minor,
        purchase.total_minor,
        "IRR",
    )
    assert payment.purchase == purchase
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    assert authorize_calls == [f"payment:{payment.pk}:authorize"]
    charge = SandboxCharge.objects.get()
    assert (charge.status, charge.captured_minor) == ("captured", purchase.total_minor)
    assert list(payment.events.values_list("from_status", "to_status")) == [
        ("", "created"),
        ("created", "authorized"),
        ("authorized", "authorized"),  # the purchase placed on it
        ("authorized", "captured"),
    ]
    # and the buyer's confirmation and the sandbox's events were queued
    names = [name for name, _args in queued]
    assert names.count("purchases.confirmation_send") == 1
    assert names.count("payments.provider_event_process") == 2  # authorized, succeeded

    # and the thank-you page shows what was paid, in which currency, with which card
    page = checkout.client.get(response["Location"])
    assert "Visa •••• 4242" in page.content.decode()
    assert f"IRR{purchase.total_minor:,} in IRR" in page.content.decode()


@pytest.mark.parametrize(
    ("number", "decline_code", "message"),
    [
        (CARD_DECLINED, "generic_decline", "Your card was declined."),
        (CARD_INSUFFICIENT, "insufficient_funds", "Your card has insufficient funds."),
    ],
)
def test_a_refused_card_shows_why_keeps_the_basket_and_places_nothing(
    checkout, number, decline_code, message, django_capture_on_commit_callbacks, queued
):
    # when the guest pays with a card the issuer refuses
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout.pay(number)

    # then the payment-details page says why, and the card number is not shown back
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert re.search(r'<input type="text" name="number"(?![^>]*value=)[^>]*>', html)
    assert re.search(r'<input type="text" name="cvc"(?![^>]*value=)[^>]*>', html)
    # and the basket is open again with its three lines
    basket = only_basket()
    assert basket.status == Basket.OPEN
    assert basket.num_lines == 3
    # and nothing was placed, captured or queued but the processor's own "failed" event
    assert_nothing_placed(queued)
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_code, payment.captured_minor) == (
        PaymentStatus.FAILED,
        decline_code,
        0,
    )
    assert SandboxCharge.objects.get().captured_minor == 0
    assert [name for name, _ in queued] == ["payments.provider_event_process"]


def test_a_card_failing_the_luhn_check_is_a_field_error_and_reaches_no_processor(
    checkout, authorize_calls
):
    checkout.details()
    response = checkout.preview(card("4242 4242 4242 4241"))
    assert response.status_code == 200
    assert response.templates[0].name == "oscar/checkout/payment_details.html"
    assert response.context["card_form"].errors["number"] == ["Your card number is incorrect."]
    assert authorize_calls == []
    assert Payment.objects.count() == 0


def test_3ds_approved_places_the_orders_and_captures(checkout, settings, client):
    # when the guest pays with the 3-D Secure card
    response = checkout.pay(CARD_3DS)

    # then they are sent to the (sandbox) bank's challenge, with nothing placed yet
    assert response.status_code == 302
    challenge_url = response["Location"]
    assert challenge_url.startswith("/payments/sandbox/3ds/")
    assert_nothing_placed()
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.REQUIRES_ACTION
    assert only_basket().status == Basket.FROZEN
    page = client.get(challenge_url)
    assert b'id="sandbox-3ds-approve"' in page.content and b'id="sandbox-3ds-fail"' in page.content

    # when they approve, they come back to the shop's return URL
    response = client.post(challenge_url, {"outcome": "approve"})
    assert response.status_code == 302
    assert f"/checkout/payment-return/{payment.pk}/" in response["Location"]
    response = client.get(response["Location"])

    # then the purchase is placed from the frozen basket and the payment captured
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:thank-you")
    purchase = Purchase.objects.get()
    assert MerchantOrder.objects.filter(purchase=purchase).count() == 3
    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor, payment.purchase) == (
        PaymentStatus.CAPTURED,
        checkout.total(settings),
        purchase,
    )
    assert purchase.guest_email == "pilgrim@example.com"
    assert Order.objects.filter(shipping_address__line1="Ferdowsi Blvd 3").count() == 3
    assert Basket.objects.get(pk=payment.basket_id).status == Basket.SUBMITTED
    assert "Sargol saffron" in client.get(response["Location"]).content.decode()

    # and coming back again changes nothing
    again = client.get(reverse("checkout:payment-return", args=[payment.pk, "x" * 32]))
    assert again.status_code == 404
    assert Purchase.objects.count() == 1


def test_3ds_failed_places_nothing_and_reopens_the_basket(checkout, client):
    response = checkout.pay(CARD_3DS)
    challenge_url = response["Location"]

    # when the buyer's bank fails the challenge
    response = client.post(challenge_url, {"outcome": "fail"})
    response = client.get(response["Location"])

    # then they are back at the card step with the reason, their basket open, nothing placed
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:payment-details")
    page = client.get(response["Location"])
    assert "unable to authenticate" in page.content.decode()
    assert_nothing_placed()
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_code, payment.captured_minor) == (
        PaymentStatus.FAILED,
        "authentication_failed",
        0,
    )
    basket = only_basket()
    assert (basket.status, basket.num_lines) == (Basket.OPEN, 3)

    # and paying again with a good card works, as a new payment
    fields = card(CARD_OK)
    assert checkout.preview(fields).status_code == 200
    response = checkout.place(fields)
    assert response["Location"] == reverse("checkout:thank-you")
    assert list(Payment.objects.order_by("pk").values_list("status", flat=True)) == [
        PaymentStatus.FAILED,
        PaymentStatus.CAPTURED,
    ]


def test_a_replayed_place_order_post_never_charges_twice(checkout, authorize_calls):
    # given a paid checkout
    checkout.details()
    fields = card(CARD_OK)
    checkout.preview(fields)
    first = checkout.place(fields)
    assert first["Location"] == reverse("checkout:thank-you")

    # when the browser replays the same POST (double click, back button, retry)
    second = checkout.place(fields)

    # then nothing more is charged or placed
    assert second.status_code == 302
    assert authorize_calls == [f"payment:{Payment.objects.get().pk}:authorize"]
    assert Purchase.objects.count() == 1
    assert Order.objects.count() == 3


def test_a_replayed_post_while_3ds_is_pending_reuses_the_payment(checkout, authorize_calls, client):
    checkout.details()
    fields = card(CARD_3DS)
    checkout.preview(fields)
    first = checkout.place(fields)
    second = checkout.place(fields)
    assert first["Location"].startswith("/payments/sandbox/3ds/")
    assert second.status_code == 302
    assert Payment.objects.count() == 1
    assert len(authorize_calls) == 1
    # and approving the one challenge still completes the one purchase
    response = client.post(first["Location"], {"outcome": "approve"})
    assert client.get(response["Location"])["Location"] == reverse("checkout:thank-you")
    assert Purchase.objects.count() == 1


def test_placement_failing_after_authorisation_releases_the_money_at_once(
    checkout, monkeypatch, django_capture_on_commit_callbacks, queued
):
    # given placing the purchase fails after the card was authorised (stock sold meanwhile)
    def sold_out(**kwargs):
        raise OutOfStock("Kashmar wool rug", 0)

    monkeypatch.setattr("marketplace.oscar_apps.checkout.mixins.purchase_place", sold_out)

    with django_capture_on_commit_callbacks(execute=True):
        response = checkout.pay(CARD_OK)

    # then the buyer is told, and the authorisation is cancelled there and then
    assert response.status_code == 200
    assert "Kashmar wool rug" in response.content.decode()
    payment = Payment.objects.get()
    assert (payment.status, payment.captured_minor, payment.purchase) == (
        PaymentStatus.CANCELED,
        0,
        None,
    )
    assert SandboxCharge.objects.get().status == "canceled"
    assert_nothing_placed(queued)
    assert only_basket().status == Basket.OPEN


def test_card_numbers_are_never_stored_or_logged(checkout, client, caplog):
    caplog.set_level(logging.DEBUG)
    # given checkouts with a good card, a declined one and a 3-D Secure one
    checkout.pay(CARD_DECLINED)
    fields = card(CARD_OK)
    checkout.preview(fields)
    checkout.place(fields)

    # then no table row, session or log line holds a full card number
    numbers = [n.replace(" ", "") for n in (CARD_OK, CARD_DECLINED)] + [CARD_OK, CARD_DECLINED]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        dump = []
        for table in tables:
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')  # noqa: S608
            dump.extend(row[0] for row in cursor.fetchall())
    assert Payment.objects.count() == 2 and SandboxCharge.objects.count() == 2
    sessions = [str(s.get_decoded()) for s in Session.objects.all()]
    for number in numbers:
        assert not [row for row in dump if number in row]
        assert not [s for s in sessions if number in s]
        assert number not in caplog.text
    assert sorted(Payment.objects.values_list("card_last4", flat=True)) == ["0002", "4242"]


def test_the_preview_cannot_be_reached_without_a_card(checkout):
    checkout.details()
    response = checkout.client.get(reverse("checkout:preview"))
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:payment-details")


def test_with_a_stripe_publishable_key_the_page_hosts_the_payment_element(checkout, settings):
    # given Stripe's publishable key (the secret key unset: the sandbox still charges)
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    page = checkout.details()

    # then the page has the Payment Element's container and its hidden token, no card fields
    html = page.content.decode()
    assert 'id="payment-element" data-publishable-key="pk_test_fake"' in html
    assert 'type="hidden" name="payment_method"' in html
    assert 'name="number"' not in html

    # and a token posted by the element pays like a card (Stripe's test token, in the sandbox)
    fields = {"payment_method": "pm_card_visa"}
    assert checkout.preview(fields).status_code == 200
    response = checkout.place(fields)
    assert response["Location"] == reverse("checkout:thank-you")
    assert Payment.objects.get().status == PaymentStatus.CAPTURED
