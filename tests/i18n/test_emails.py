"""Emails in the buyer's language: the language of the checkout is kept with the purchase, and the
confirmation and refund emails are written in it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from payments.services import payment_refund
from payments.tasks import refund_buyer_notify
from purchases.models import Purchase
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from purchases.tasks import purchase_confirmation_send
from tests.merchants.factories import UserFactory
from tests.payments.fixtures import CARD_OK, Checkout
from tests.shop import basket_build

pytest_plugins = ["tests.payments.fixtures"]

pytestmark = pytest.mark.django_db


def checkout_in(client, bazaar, language: str) -> Purchase:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = Checkout(client, bazaar, quantities=[1, 1, 1]).pay(CARD_OK)
    assert response.status_code == 302
    return Purchase.objects.get()


def test_a_persian_buyer_gets_the_confirmation_in_persian(client, bazaar, queued):
    purchase = checkout_in(client, bazaar, "fa")
    assert purchase.language == "fa"

    purchase_confirmation_send(purchase.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"خرید {purchase.number} شما از بازارچه مشهد"
    assert f"از خرید شما با شماره {purchase.number} سپاسگزاریم." in message.body
    assert "جمع سفارش" in message.body
    assert "مجموع پرداختی" in message.body
    total = translation.override("fa")
    with total:
        from purchases.templatetags.purchase_tags import money_minor

        assert money_minor(purchase.total_minor, "IRR") in message.body
    html = message.alternatives[0][0]
    assert f"از خرید شما با شماره {purchase.number} سپاسگزاریم." in html
    assert "Thank you" not in message.body + html


def test_an_english_buyer_gets_the_confirmation_in_english(client, bazaar, queued):
    purchase = checkout_in(client, bazaar, "en")
    assert purchase.language == "en"

    purchase_confirmation_send(purchase.pk)

    message = mail.outbox[0]
    assert message.subject == f"Your Mashhad marketplace purchase {purchase.number}"
    assert f"Thank you for your purchase {purchase.number}." in message.body
    assert f"Paid in total: IRR{purchase.total_minor:,}" in message.body


def test_a_purchase_without_a_language_is_written_in_the_default_one(bazaar, settings, queued):
    settings.LANGUAGE_CODE = "fa"
    basket = basket_build([(bazaar[0][1], 1)])
    with translation.override("xx-unknown"):
        purchase = purchase_place(
            basket=basket,
            number="200001",
            user=None,
            guest_email="pilgrim@example.com",
            shipping_address=None,
            billing_address=None,
            shipping_method=MerchantDelivery("IR"),
        )
    assert purchase.language == ""

    purchase_confirmation_send(purchase.pk)

    assert mail.outbox[0].subject == "خرید 200001 شما از بازارچه مشهد"


def test_the_refund_email_is_in_the_buyers_language(
    client, bazaar, queued, django_capture_on_commit_callbacks
):
    purchase = checkout_in(client, bazaar, "fa")
    part = purchase.merchant_orders.order_by("sequence").first()
    admin = UserFactory(username="admin@example.com", is_superuser=True, is_staff=True)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(merchant_order_id=part.pk, reason="damaged", requested_by=admin)

    refund_buyer_notify(refund.pk)

    message = mail.outbox[-1]
    assert message.subject == f"بازپرداخت سفارش {part.order.number} شما"
    assert f"بخشی از سفارش {part.order.number} شما را بازپرداخت کردیم." in message.body
    assert "مبلغ بازپرداخت" in message.body
