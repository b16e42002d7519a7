"""The last units: many buyers race through checkout (sandbox card) for fewer units than buyers.

Exactly as many purchases as units are placed and charged, every other buyer is refused cleanly
with nothing charged (no capture, no authorisation left holding money), and the stock record's
allocation ends equal to the units, never above the stock.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from payments.models import Payment, PaymentStatus, SandboxCharge
from purchases.models import MerchantOrder, Purchase
from tests.payments.fixtures import CARD_OK, Checkout, card
from tests.reliability.conftest import failures, race, report, scale

Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db(transaction=True)

PRICE = 4_500_000
UNITS = scale(5, 10)


@pytest.fixture
def last_units(iran):
    """One merchant's product with ``UNITS`` units in stock, none allocated."""
    from tests.merchants.factories import MerchantFactory
    from tests.search.factories import ProductFactory, StockRecordFactory

    merchant = MerchantFactory(name_en="Novin Saffron House")
    product = ProductFactory(title="Sargol saffron 4.6 g", title_en="Sargol saffron 4.6 g")
    record = StockRecordFactory(
        product=product,
        partner=merchant.partner,
        price=Decimal(PRICE),
        price_currency="IRR",
        num_in_stock=UNITS,
    )
    return merchant, product, record


def test_buyers_racing_for_the_last_units_get_exactly_the_units_and_nobody_else_pays(
    last_units, settings
):
    merchant, product, record = last_units
    buyers = scale(20, 100, override="RELIABILITY_BUYERS")
    fields = card(CARD_OK)

    # given every buyer at the preview with one unit in their basket
    def ready(n: int) -> Checkout:
        checkout = Checkout(Client(), [(merchant, product)])
        checkout.details(email=f"buyer{n}@example.com")
        response = checkout.preview(fields)
        assert response.status_code == 200, response.content[:300]
        return checkout

    checkouts = race(ready, range(buyers), workers=8)
    assert failures(checkouts) == []

    # when they all press "Place order" at once
    responses = race(lambda checkout: checkout.place(fields), checkouts, workers=min(buyers, 32))

    # then exactly UNITS succeed, the others are told, and nobody gets an error page
    assert failures(responses) == []
    thank_you = reverse("checkout:thank-you")
    succeeded = [r for r in responses if r.status_code == 302 and r["Location"] == thank_you]
    refused = [r for r in responses if r not in succeeded and r.status_code in (200, 302)]
    errors = [r.status_code for r in responses if r.status_code >= 500]

    record.refresh_from_db()
    payments = Payment.objects.all()
    captured = payments.filter(status=PaymentStatus.CAPTURED)
    holding_unplaced = payments.filter(
        status__in=[PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED], purchase__isnull=True
    ).count()
    charges = dict(
        SandboxCharge.objects.values_list("status").annotate(n=Sum(1)).values_list("status", "n")
    )
    shipping = settings.MARKETPLACE_SHIPPING["domestic_per_merchant_minor"]
    violations = (
        len(errors)
        + abs(len(succeeded) - UNITS)
        + abs(Purchase.objects.count() - UNITS)
        + holding_unplaced
        + max(record.num_allocated - record.num_in_stock, 0)
    )
    report(
        "last_units",
        attempts=buyers,
        successes=len(succeeded),
        duplicates=0,
        violations=violations,
        refused=len(refused),
        units=UNITS,
        allocated=record.num_allocated,
        payments_released=payments.filter(status=PaymentStatus.CANCELED).count(),
        payments_declined_before_charge=payments.filter(status=PaymentStatus.FAILED).count(),
        charges_captured=charges.get("captured", 0),
        charges_authorized=charges.get("authorized", 0),
    )
    assert errors == []
    assert len(succeeded) == UNITS
    assert len(refused) == buyers - UNITS
    assert Purchase.objects.count() == UNITS
    assert MerchantOrder.objects.count() == UNITS
    assert Order.objects.count() == UNITS
    assert (record.num_in_stock, record.num_allocated) == (UNITS, UNITS)
    # every purchase charged once, for its total; nothing else charged or left authorised
    assert captured.count() == UNITS
    assert set(captured.values_list("purchase__total_minor", flat=True)) == {PRICE + shipping}
    assert sorted(captured.values_list("captured_minor", flat=True)) == [PRICE + shipping] * UNITS
    assert holding_unplaced == 0
    assert payments.exclude(status=PaymentStatus.CAPTURED).filter(captured_minor__gt=0).count() == 0
    # and each refused buyer has their basket back, open, to change it
    assert Basket.objects.filter(status=Basket.SUBMITTED).count() == UNITS
    assert Basket.objects.filter(status=Basket.FROZEN).count() == 0
    assert charges.get("captured", 0) == UNITS
    assert charges.get("authorized", 0) == 0
