"""Demo purchases paid with the sandbox card, delivered and settled, so balances show.

Each demo purchase goes through the real services: a basket of the demo goods owned by the demo
resident buyer, authorised with the sandbox's test card (``payments.services.payment_authorize``),
placed from the payment's checkout snapshot and captured (``payment_complete``, as the 3-D Secure
return does), which posts the capture and the processor fee to the ledger. Merchant orders are
then walked along the order status pipeline as merchant staff would; the first purchases were
delivered long enough ago that their return window has passed, so ``manage.py settle`` releases
them and pays the merchants out; the last ones are still held or not delivered yet.

Idempotent: purchases are numbered ``DEMO-<n>``; one that exists is left as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from marketplace.demo import data

logger = logging.getLogger(__name__)

Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")

BUYER_EMAIL = "resident@demo.mashhad.example"
KIND = "demo orders"
NUMBER_PREFIX = "DEMO-"


@dataclass(frozen=True)
class DemoPurchase:
    number: str
    # (merchant slug, index of the product in data.PRODUCTS[slug], quantity)
    items: tuple[tuple[str, int, int], ...]
    # Days ago it was delivered (None: shipped, not delivered yet).
    delivered_days_ago: int | None


PURCHASES: tuple[DemoPurchase, ...] = (
    DemoPurchase(
        "DEMO-1001", (("novin-saffron", 0, 2), ("golestan-pistachio", 0, 1)), delivered_days_ago=20
    ),
    DemoPurchase(
        "DEMO-1002", (("haj-ali-nabat", 0, 3), ("novin-saffron", 1, 1)), delivered_days_ago=15
    ),
    DemoPurchase("DEMO-1003", (("ferdowsi-carpets", 0, 1),), delivered_days_ago=12),
    DemoPurchase(
        "DEMO-1004", (("golestan-pistachio", 1, 2), ("haj-ali-nabat", 1, 1)), delivered_days_ago=2
    ),
    DemoPurchase("DEMO-1005", (("novin-saffron", 0, 1),), delivered_days_ago=None),
)

#: The pipeline walked to "Delivered" (settings.OSCAR_ORDER_STATUS_PIPELINE).
DELIVERY_PATH = ("Processing", "Shipped", "Delivered")


def _product(slug: str, index: int) -> Any:
    spec = data.PRODUCTS[slug][index]
    return Product.objects.get(upc=data.UPC_PREFIX + spec.sku)


def _basket(buyer: Any, items: tuple[tuple[str, int, int], ...]) -> Any:
    Selector = get_class("partner.strategy", "Selector")
    Applicator = get_class("offer.applicator", "Applicator")
    basket = Basket.objects.create(owner=buyer)
    basket.strategy = Selector().strategy(user=buyer)
    for slug, index, quantity in items:
        basket.add_product(_product(slug, index), quantity)
    basket = Basket.objects.get(pk=basket.pk)
    basket.strategy = Selector().strategy(user=buyer)
    Applicator().apply(basket, user=buyer)
    return basket


def _pay_and_place(spec: DemoPurchase, buyer: Any) -> Any:
    """Authorise the sandbox test card for the basket, place the purchase, capture."""
    from marketplace.core.money import Money
    from payments.interface import CardDetails, PaymentMethodInput
    from payments.services import checkout_snapshot, payment_authorize, payment_complete
    from purchases.quotes import purchase_quote_build

    basket = _basket(buyer, spec.items)
    basket.freeze()
    address = ShippingAddress(
        first_name=buyer.first_name,
        last_name=buyer.last_name,
        line1="Imam Reza Blvd 101",
        line4="Mashhad",
        country_id=settings.MARKETPLACE_SHIPPING["domestic_country"],
    )
    snapshot = checkout_snapshot(
        user=buyer,
        guest_email="",
        shipping_address=address,
        billing_address=None,
        shipping_method_code="merchant-delivery",
        order_status=None,
    )
    quote = purchase_quote_build(basket=basket, country_code=address.country_id)
    outcome = payment_authorize(
        basket=basket,
        reference=spec.number,
        amount=Money(quote.total_minor, quote.currency),
        payment_method=PaymentMethodInput(
            card=CardDetails(
                number="4242424242424242",
                exp_month=12,
                exp_year=timezone.now().year + 5,
                cvc="123",
                name=f"{buyer.first_name} {buyer.last_name}",
            )
        ),
        return_url=lambda payment: f"/checkout/payment-return/{payment.pk}/demo/",
        user=buyer,
        checkout=snapshot,
        customer_email=buyer.email,
    )
    return payment_complete(payment_id=outcome.payment.pk, source="demo")


def _deliver(purchase: Any, days_ago: int | None) -> None:
    """Walk each merchant order along the pipeline as merchant staff would; a delivery is
    recorded ``days_ago`` days back."""
    from settlement.services import merchant_order_delivered

    now = timezone.now()
    for mo in purchase.merchant_orders.select_related("order"):
        if days_ago is not None:
            merchant_order_delivered(merchant_order_id=mo.pk, at=now - timedelta(days=days_ago))
        path = DELIVERY_PATH if days_ago is not None else DELIVERY_PATH[:-1]
        for status in path:
            if status in mo.order.available_statuses():
                mo.order.set_status(status)


def demo_orders_load(result: Any) -> None:
    """Place and settle the demo's paid orders once; a second run changes nothing.

    Needs the sandbox gateway (``PAYMENTS_GATEWAY`` sandbox or automatic without Stripe keys);
    with another gateway active the demo orders are skipped, and so they are when the demo buyer
    is missing.
    """
    from marketplace.demo.services import CREATED, UNCHANGED
    from payments.gateways import gateway_name_active
    from purchases.models import Purchase

    existing = set(
        Purchase.objects.filter(number__startswith=NUMBER_PREFIX).values_list("number", flat=True)
    )
    todo = [spec for spec in PURCHASES if spec.number not in existing]
    result.record(KIND, UNCHANGED, len(PURCHASES) - len(todo))
    if not todo:
        return
    if gateway_name_active() != "sandbox":
        logger.warning("demo orders skipped: they are paid with the sandbox gateway")
        return
    buyer = get_user_model().objects.filter(email=BUYER_EMAIL).first()
    if buyer is None:
        logger.warning("demo orders skipped: the demo buyer %s is missing", BUYER_EMAIL)
        return
    for spec in todo:
        purchase = _pay_and_place(spec, buyer)
        _deliver(purchase, spec.delivered_days_ago)
        result.record(KIND, CREATED)
