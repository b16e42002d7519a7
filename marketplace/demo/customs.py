"""The demo's cross-border order: the foreign buyer in Herat buys saffron and a carpet, pays duty
and import VAT at checkout (Afghanistan is DDP in the seed rules), and both merchant orders'
declarations wait in the customs officer's queue at ``/customs/``.

It goes through the real services, as ``marketplace.demo.orders`` does: a basket of the demo goods
owned by the demo buyer in Herat, quoted as checkout quotes it (``purchase_quote_landed``: the
duties included), authorised with the sandbox's test card, placed from the payment's checkout
snapshot and captured (``payment_complete``), which books the capture (duties to
``customs:duties_payable``) and queues the declarations; they are also created here at once
(``customs.services.declaration_create`` is idempotent), so they are in the queue whether or not
a worker runs. The merchants have moved the orders to "Processing"; "Shipped" waits for customs.

Idempotent: the purchase is numbered ``HERAT-1001``; once it exists nothing is written.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model

logger = logging.getLogger(__name__)

ShippingAddress = get_model("order", "ShippingAddress")

BUYER_EMAIL = "buyer.herat@demo.mashhad.example"
KIND = "demo customs orders"
NUMBER = "HERAT-1001"
COUNTRY = "AF"
#: (merchant slug, index of the product in data.PRODUCTS[slug], quantity): a tin of saffron
#: (NOV-003) and a 2 × 3 m hand-knotted carpet (CRP-001).
ITEMS: tuple[tuple[str, int, int], ...] = (("novin-saffron", 2, 1), ("ferdowsi-carpets", 0, 1))
#: Where the merchants have taken their orders: prepared, waiting for customs to ship.
STATUS = "Processing"


def _pay_and_place(buyer: Any) -> Any:
    """Authorise the checkout total (duties included) with the sandbox card, place, capture."""
    from marketplace.core.money import Money
    from marketplace.demo.orders import _basket
    from payments.interface import CardDetails, PaymentMethodInput
    from payments.services import checkout_snapshot, payment_authorize, payment_complete
    from purchases.quotes import purchase_quote_landed

    basket = _basket(buyer, ITEMS)
    basket.freeze()
    address = ShippingAddress(
        first_name=buyer.first_name,
        last_name=buyer.last_name,
        line1="Jade-ye Walayat 14",
        line4="Herat",
        postcode="3001",
        country_id=COUNTRY,
    )
    snapshot = checkout_snapshot(
        user=buyer,
        guest_email="",
        shipping_address=address,
        billing_address=None,
        shipping_method_code="merchant-delivery",
        order_status=None,
    )
    quote = purchase_quote_landed(basket=basket, country_code=COUNTRY).quote
    outcome = payment_authorize(
        basket=basket,
        reference=NUMBER,
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


def demo_customs_load(result: Any) -> None:
    """Place the Herat purchase once, declare its merchant orders and leave the declarations in
    the officer's queue; a second run changes nothing.

    Skipped (with a warning) without the sandbox gateway, the demo buyer in Herat, or the seed
    customs rules for Afghanistan.
    """
    from customs.selectors import destination_rules_effective_on
    from customs.services import declaration_create
    from marketplace.demo.services import CREATED, UNCHANGED
    from payments.gateways import gateway_name_active
    from purchases.models import Purchase

    if Purchase.objects.filter(number=NUMBER).exists():
        result.record(KIND, UNCHANGED)
        return
    if gateway_name_active() != "sandbox":
        logger.warning("demo customs order skipped: it is paid with the sandbox gateway")
        return
    buyer = get_user_model().objects.filter(email=BUYER_EMAIL).first()
    if buyer is None:
        logger.warning("demo customs order skipped: the demo buyer %s is missing", BUYER_EMAIL)
        return
    if destination_rules_effective_on(country=COUNTRY, at=timezone.now()) is None:
        logger.warning("demo customs order skipped: no customs rules for %s", COUNTRY)
        return
    purchase = _pay_and_place(buyer)
    for merchant_order in purchase.merchant_orders.select_related("order").order_by("sequence"):
        declaration_create(merchant_order_id=merchant_order.pk)
        if STATUS in merchant_order.order.available_statuses():
            merchant_order.order.set_status(STATUS)
    result.record(KIND, CREATED)
