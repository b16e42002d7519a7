"""The fees a buyer pays at checkout: quoted, charged, shown, and frozen with the order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from oscar.core.loading import get_model

from fees.models import FeeKind, FeePayer, FeeRule, OrderLineFees
from fees.services import FeeRuleTerms, fee_rule_change
from payments.models import Payment, PaymentStatus
from purchases.models import MerchantOrder, Purchase
from purchases.quotes import purchase_quote_build
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from purchases.tasks import purchase_confirmation_send
from tests.fees.factories import FeeRuleFactory, standard_rules
from tests.payments.fixtures import CARD_OK, Checkout, card
from tests.shop import basket_build

ShippingAddress = get_model("order", "ShippingAddress")

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.payments.fixtures"]

CITY_FEE = "City fee / عوارض شهرداری"
SHIPPING = 600_000  # domestic, per merchant (settings.MARKETPLACE_SHIPPING)


def address(country_id="IR"):
    return ShippingAddress(
        first_name="Reza",
        last_name="Karimi",
        line1="Imam Reza St 12",
        line4="Mashhad",
        country_id=country_id,
    )


def place(basket, number="100231"):
    return purchase_place(
        basket=basket,
        number=number,
        user=None,
        guest_email="pilgrim@example.com",
        shipping_address=address(),
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )


@pytest.fixture
def rules(bazaar):
    """The demo's general rules, plus: the carpet merchant pays a city fee of 0.5% (buyer), the
    saffron house a fixed 10,000 rials per unit deducted from it."""
    (saffron_house, _), (carpet_bazaar, _), _ = bazaar
    general = standard_rules()
    carpets = FeeRuleFactory(
        kind=FeeKind.MUNICIPAL_FEE, merchant=carpet_bazaar, rate_bp=50, payer=FeePayer.BUYER
    )
    saffron = FeeRuleFactory(
        kind=FeeKind.MUNICIPAL_FEE,
        merchant=saffron_house,
        rate_bp=0,
        fixed_minor=10_000,
        payer=FeePayer.MERCHANT,
    )
    return {"general": general, "carpets": carpets, "saffron": saffron}


def test_placing_a_purchase_charges_city_fee_and_vat_and_freezes_each_lines_fees(bazaar, rules):
    # given saffron x2 (4.5M), a rug (30M) and pistachios x3 (2M) from three merchants
    (_, saffron), (_, rug), (_, pistachios) = bazaar
    basket = basket_build([(saffron, 2), (rug, 1), (pistachios, 3)])

    # when the purchase is placed
    purchase = place(basket)

    # then each merchant order adds its buyer-paid city fee and VAT to goods and shipping
    parts = list(purchase.merchant_orders.select_related("order").order_by("sequence"))
    assert [(p.subtotal_minor, p.city_fee_minor, p.vat_minor, p.duty_minor) for p in parts] == [
        (9_000_000, 0, 900_000, 0),  # the saffron house pays its city fee itself
        (30_000_000, 150_000, 3_000_000, 0),  # 0.5% for the carpet merchant
        (6_000_000, 60_000, 600_000, 0),
    ]
    assert [p.total_minor for p in parts] == [
        9_000_000 + SHIPPING + 900_000,
        30_000_000 + SHIPPING + 150_000 + 3_000_000,
        6_000_000 + SHIPPING + 60_000 + 600_000,
    ]
    assert (purchase.city_fee_minor, purchase.vat_minor, purchase.duty_minor) == (
        210_000,
        4_500_000,
        0,
    )
    assert purchase.total_minor == 45_000_000 + 3 * SHIPPING + 210_000 + 4_500_000
    assert purchase.total_minor == sum(p.total_minor for p in parts)
    # and Oscar's orders carry the same totals, with VAT as their tax
    assert [p.order.total_incl_tax for p in parts] == [Decimal(p.total_minor) for p in parts]
    assert [p.order.total_excl_tax for p in parts] == [
        Decimal(p.total_minor - p.vat_minor) for p in parts
    ]
    # and every order line has its frozen breakdown, adding up to what the buyer paid
    fees = list(OrderLineFees.objects.order_by("merchant_order__sequence"))
    assert [
        (
            f.line.title,
            f.base_minor,
            f.commission_minor,
            f.municipal_fee_minor,
            f.municipal_fee_payer,
            f.city_fee_minor,
            f.vat_minor,
            f.gross_minor,
            f.merchant_net_minor,
        )
        for f in fees
    ] == [
        (saffron.title, 9_000_000, 720_000, 20_000, "merchant", 0, 900_000, 9_900_000, 8_260_000),
        (
            rug.title,
            30_000_000,
            2_400_000,
            150_000,
            "buyer",
            150_000,
            3_000_000,
            33_150_000,
            27_600_000,
        ),
        (
            pistachios.title,
            6_000_000,
            480_000,
            60_000,
            "buyer",
            60_000,
            600_000,
            6_660_000,
            5_520_000,
        ),
    ]
    for part in parts:
        assert sum(f.gross_minor for f in part.line_fees.all()) + part.shipping_minor == (
            part.total_minor
        )
    # and the rules applied are recorded with them
    saffron_rules = fees[0].rules
    assert saffron_rules["municipal_fee"]["rule"] == rules["saffron"].pk
    assert saffron_rules["municipal_fee"]["fixed_minor"] == 10_000
    assert saffron_rules["commission"]["min_minor"] == 50_000
    assert saffron_rules["vat"]["rate_bp"] == 1000
    assert saffron_rules["domestic"] is True


def test_changing_a_rule_after_checkout_changes_nothing_of_the_order(bazaar, rules):
    # given a placed purchase under the 1% city fee
    (_, _), (_, _), (_, pistachios) = bazaar
    purchase = place(basket_build([(pistachios, 3)]))
    part = purchase.merchant_orders.get()
    before = list(OrderLineFees.objects.values())
    totals = (part.city_fee_minor, part.vat_minor, part.total_minor, purchase.total_minor)

    # when finance raises the general city fee to 2%
    general_city_fee = FeeRule.objects.get(kind=FeeKind.MUNICIPAL_FEE, merchant__isnull=True)
    successor = fee_rule_change(
        rule_id=general_city_fee.pk,
        actor=None,
        terms=FeeRuleTerms(rate_bp=200, payer=FeePayer.BUYER),
    )

    # then the order keeps what it was charged with, rules included
    part.refresh_from_db()
    purchase.refresh_from_db()
    assert list(OrderLineFees.objects.values()) == before
    assert (part.city_fee_minor, part.vat_minor, part.total_minor, purchase.total_minor) == totals
    assert before[0]["rules"]["municipal_fee"]["rule"] == general_city_fee.pk
    # while a new basket pays the new rate
    quote = purchase_quote_build(basket=basket_build([(pistachios, 1)]), country_code="IR")
    assert quote.city_fee_minor == 40_000
    assert quote.merchants[0].line_fees[0].rules["municipal_fee"]["rule"] == successor.pk


def test_an_export_pays_no_vat_and_shows_no_vat_line(bazaar, rules):
    (_, _), (_, rug), _ = bazaar
    basket = basket_build([(rug, 1)])

    quote = purchase_quote_build(basket=basket, country_code="TR")

    assert (quote.vat_minor, quote.city_fee_minor) == (0, 150_000)
    html = render_to_string("purchases/partials/quote_parts.html", {"quote": quote})
    assert CITY_FEE in html
    assert "VAT" not in html
    domestic = purchase_quote_build(basket=basket, country_code="IR")
    assert "VAT" in render_to_string("purchases/partials/quote_parts.html", {"quote": domestic})


def test_without_rules_nothing_is_added_and_no_fee_line_is_shown(bazaar):
    (_, saffron), _, _ = bazaar

    purchase = place(basket_build([(saffron, 1)]))

    assert (purchase.city_fee_minor, purchase.vat_minor) == (0, 0)
    assert purchase.total_minor == 4_500_000 + SHIPPING
    line_fees = OrderLineFees.objects.get()
    assert (line_fees.commission_minor, line_fees.merchant_net_minor) == (0, 4_500_000)
    html = render_to_string(
        "purchases/partials/parts.html",
        {"purchase": purchase, "parts": list(purchase.merchant_orders.all())},
    )
    assert CITY_FEE not in html
    assert "VAT" not in html


def test_the_buyer_sees_city_fee_and_vat_and_pays_exactly_the_total_with_them(
    client, bazaar, django_capture_on_commit_callbacks, queued
):
    # given the demo's general rules (commission 8%, city fee 1% paid by the buyer, VAT 10%)
    standard_rules()
    checkout = Checkout(client, bazaar)
    city_fee = 45_000 + 300_000 + 20_000
    vat = 450_000 + 3_000_000 + 200_000
    total = 36_500_000 + 3 * SHIPPING + city_fee + vat

    # when the guest reaches the preview
    checkout.details()
    fields = card(CARD_OK)
    preview = checkout.preview(fields).content.decode()

    # then it shows the city fee and VAT per merchant and for the whole, and the amount charged
    assert f"Your card will be charged IRR{total:,} in IRR." in preview
    assert 'id="basket-city-fee"' in preview
    assert 'id="basket-vat"' in preview
    assert preview.count(CITY_FEE) == 1 + 3  # the totals, then each merchant's part
    assert "IRR300,000" in preview  # the rug's city fee
    assert "IRR3,000,000" in preview  # the rug's VAT

    # when they place the order
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout.place(fields)

    # then the card is charged exactly the purchase total, fees included
    assert response["Location"] == reverse("checkout:thank-you")
    purchase = Purchase.objects.get()
    payment = Payment.objects.get()
    assert (purchase.city_fee_minor, purchase.vat_minor, purchase.total_minor) == (
        city_fee,
        vat,
        total,
    )
    assert (payment.status, payment.amount_minor, payment.captured_minor) == (
        PaymentStatus.CAPTURED,
        total,
        total,
    )
    assert OrderLineFees.objects.count() == 3
    # and the thank-you page lists the fee lines per merchant order and for the purchase
    page = client.get(response["Location"]).content.decode()
    assert page.count(CITY_FEE) == 3 + 1
    assert "IRR20,000" in page  # the pistachios' city fee
    assert 'class="purchase-vat"' in page
    # and so does the confirmation email, in text and HTML
    purchase_confirmation_send(purchase.pk)
    (message,) = mail.outbox
    assert f"{CITY_FEE}: IRR{city_fee:,}" in message.body
    assert f"VAT: IRR{vat:,}" in message.body
    assert f"{CITY_FEE}: IRR300,000" in message.body
    html = message.alternatives[0][0]
    assert html.count(CITY_FEE) == 4
    assert MerchantOrder.objects.filter(city_fee_minor__gt=0).count() == 3


def test_the_basket_page_estimates_fees_for_a_domestic_delivery(client, bazaar):
    standard_rules()
    (_, saffron), _, _ = bazaar
    client.post(reverse("basket:add", kwargs={"pk": saffron.pk}), {"quantity": 1})

    page = client.get(reverse("basket:summary")).content.decode()

    assert CITY_FEE in page
    assert 'id="basket-vat"' in page
    assert 'id="basket-order-total"' in page
