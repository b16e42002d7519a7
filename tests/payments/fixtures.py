"""Fixtures and helpers of the payments tests (tests/payments/conftest.py belongs to the Stripe fake).

A test module loads the fixtures with ``pytest_plugins = ["tests.payments.fixtures"]`` and imports
the constants and helpers it uses by name. ``Checkout`` drives Oscar's
checkout steps with Django's test client, the way tests/browser/test_split_checkout.py does in a
browser.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from marketplace.core.money import Money
from payments.gateways.sandbox import SandboxGateway
from payments.models import Payment
from tests.shop import PRICES

__all__ = [
    "CARD_3DS",
    "CARD_DECLINED",
    "CARD_DISPUTED",
    "CARD_INSUFFICIENT",
    "CARD_OK",
    "Checkout",
    "authorize",
    "authorize_calls",
    "card",
    "checkout",
    "frozen_basket",
    "payments",
    "queued",
]

Country = get_model("address", "Country")
Basket = get_model("basket", "Basket")
ShippingAddress = get_model("order", "ShippingAddress")

CARD_OK = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"
CARD_INSUFFICIENT = "4000 0000 0000 9995"
CARD_3DS = "4000 0027 6000 3184"
CARD_DISPUTED = "4000 0000 0000 0259"


def card(number: str = CARD_OK, expiry: str = "12/39", cvc: str = "123") -> dict[str, str]:
    """The card fields as the payment-details form posts them."""
    return {"number": number, "expiry": expiry, "cvc": cvc, "name": "Zahra Ahmadi"}


class Checkout:
    """Oscar's checkout, step by step, as a guest, through the test client."""

    def __init__(
        self, client: Any, goods: list[tuple[Any, Any]], quantities: list[int] | None = None
    ) -> None:
        self.client = client
        self.goods = goods
        self.quantities = quantities or [1] * len(goods)

    def basket(self) -> None:
        for (_merchant, product), quantity in zip(self.goods, self.quantities, strict=True):
            response = self.client.post(
                reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity}
            )
            assert response.status_code == 302, response.content[:500]

    def details(self, email: str = "pilgrim@example.com") -> Any:
        """Basket filled, guest email and address given: the payment-details page."""
        self.basket()
        response = self.client.post(
            reverse("checkout:index"), {"username": email, "options": "anonymous"}
        )
        assert response.status_code == 302, response.content[:500]
        response = self.client.post(
            reverse("checkout:shipping-address"),
            {
                "first_name": "Zahra",
                "last_name": "Ahmadi",
                "line1": "Ferdowsi Blvd 3",
                "line4": "Mashhad",
                "country": "IR",
            },
        )
        assert response.status_code == 302, response.content[:500]
        response = self.client.get(reverse("checkout:shipping-method"), follow=True)
        assert response.redirect_chain[-1][0] == reverse("checkout:payment-details")
        return response

    def preview(self, fields: dict[str, str]) -> Any:
        return self.client.post(reverse("checkout:preview"), fields)

    def place(self, fields: dict[str, str]) -> Any:
        return self.client.post(reverse("checkout:preview"), {"action": "place_order", **fields})

    def pay(self, number: str = CARD_OK) -> Any:
        """All steps up to and including "Place order" with ``number``."""
        self.details()
        fields = card(number)
        response = self.preview(fields)
        assert response.status_code == 200, response.content[:500]
        return self.place(fields)

    @staticmethod
    def challenge_token(url: str) -> str:
        match = re.search(r"/payments/sandbox/3ds/([^/]+)/", url)
        assert match, url
        return match.group(1)

    def total(self, settings: Any) -> int:
        shipping = settings.MARKETPLACE_SHIPPING["domestic_per_merchant_minor"]
        goods = sum(p * q for p, q in zip(PRICES, self.quantities, strict=True))
        return goods + len(self.goods) * shipping


@pytest.fixture
def checkout(client, bazaar):
    return Checkout(client, bazaar)


@pytest.fixture
def authorize_calls(monkeypatch):
    """The idempotency keys of every call to the sandbox's ``payment_authorize``."""
    calls: list[str] = []
    original = SandboxGateway.payment_authorize

    def spy(self, *, request):
        calls.append(request.idempotency_key)
        return original(self, request=request)

    monkeypatch.setattr(SandboxGateway, "payment_authorize", spy)
    return calls


@pytest.fixture
def queued(monkeypatch):
    """Tasks sent to the broker, as (task name, args), instead of sending them."""
    from celery.app.task import Task

    sent: list[tuple[str, tuple]] = []

    def record(self, args=None, kwargs=None, **options):
        sent.append((self.name, tuple(args or ())))

    monkeypatch.setattr(Task, "apply_async", record)
    return sent


@pytest.fixture
def frozen_basket(bazaar):
    """``frozen_basket()`` -> a frozen three-merchant basket as checkout leaves it, plus the
    checkout snapshot a payment for it would carry."""

    from payments.services import checkout_snapshot
    from tests.shop import basket_build

    def make():
        basket = basket_build([(product, 1) for _merchant, product in bazaar])
        basket.freeze()
        address = ShippingAddress(
            first_name="Reza",
            last_name="Karimi",
            line1="Imam Reza St 12",
            line4="Mashhad",
            country_id="IR",
        )
        snapshot = checkout_snapshot(
            user=None,
            guest_email="pilgrim@example.com",
            shipping_address=address,
            billing_address=None,
            shipping_method_code="merchant-delivery",
            order_status=None,
        )
        return basket, snapshot

    return make


def authorize(basket: Any, snapshot: dict, number: str = CARD_OK, reference: str | None = None):
    """``payment_authorize`` for a basket's quote total with a sandbox card."""
    from marketplace.oscar_apps.checkout.forms import CardForm
    from payments.services import payment_authorize
    from purchases.quotes import purchase_quote_build

    quote = purchase_quote_build(basket=basket, country_code="IR")
    form = CardForm(card(number))
    assert form.is_valid(), form.errors
    return payment_authorize(
        basket=basket,
        reference=reference or str(100000 + basket.pk),
        amount=Money(quote.total_minor, quote.currency),
        payment_method=form.payment_method_input(),
        return_url=lambda payment: f"http://testserver/checkout/payment-return/{payment.pk}/x/",
        checkout=snapshot,
    )


def payments() -> list[Payment]:
    return list(Payment.objects.order_by("pk"))
