"""Checkout to a foreign address (issue #6, item 2): the landed cost shown per merchant order on
the preview, the thank-you page and the confirmation email; under DDP duty and import VAT charged
in the same payment and booked to customs:duties_payable; under DAP an estimate only; prohibited
lines refused with their reasons before anything is charged; the declaration queued once the
capture is booked."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_model

from customs.models import ProductCustomsInfo
from fees.models import OrderLineFees
from ledger.models import Transaction
from marketplace.core.money import Money, format_money
from payments.models import Payment
from purchases.exceptions import DestinationNotServed, ProhibitedAbroad
from purchases.models import MerchantOrder, Purchase
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from purchases.tasks import purchase_confirmation_send
from tests.customs.factories import (
    CARPET,
    SAFFRON,
    WINE,
    abroad_checkout,
    address_abroad,
    merchant_with_goods,
    paid_abroad,
)
from tests.payments.fixtures import CARD_OK, card
from tests.settlement.ledger import assert_ledger_sound, balance, legs
from tests.shop import basket_build

Order = get_model("order", "Order")

pytest_plugins = ["tests.payments.fixtures"]

pytestmark = pytest.mark.django_db

# 2 saffron tins (4,500,000 each, 5 g) and a carpet (30,000,000, 9 kg) to Herat. Shipping abroad is
# 4,000,000 + 1,500,000 per started kg: 5,500,000 for the saffron, 17,500,000 for the carpet.
# Afghanistan (seed rules): DDP, CIF, duty 10% on HS 0910 and 5701, import VAT 10%, no de minimis.
SAFFRON_DUTY = (9_000_000 + 5_500_000) * 10 // 100  # 1,450,000
SAFFRON_IMPORT_VAT = (14_500_000 + SAFFRON_DUTY) * 10 // 100  # 1,595,000
CARPET_DUTY = (30_000_000 + 17_500_000) * 10 // 100  # 4,750,000
CARPET_IMPORT_VAT = (47_500_000 + CARPET_DUTY) * 10 // 100  # 5,225,000
# Pakistan: DAP, duty 30% on 0910, import VAT 18%.
PK_SAFFRON_DUTY = 14_500_000 * 30 // 100  # 4,350,000
PK_SAFFRON_IMPORT_VAT = (14_500_000 + PK_SAFFRON_DUTY) * 18 // 100  # 3,393,000


def irr(amount_minor: int) -> str:
    return format_money(Money(amount_minor, "IRR"), "en")


@pytest.fixture
def goods(rules):
    saffron_house, (saffron,) = merchant_with_goods(SAFFRON)
    carpet_house, (carpet,) = merchant_with_goods(CARPET, name="Vakil Carpet Bazaar")
    return [(saffron_house, saffron), (carpet_house, carpet)]


def warnings(response) -> list[str]:
    """The warnings checkout showed (Oscar's basket messages are info, left out)."""
    return [str(m) for m in response.context["messages"] if m.level_tag == "warning"]


def rows(html: str, css_class: str) -> int:
    return html.count(f'class="{css_class}')


# --- DDP: shown, charged, booked ---------------------------------------------------------------


def test_ddp_preview_shows_each_orders_landed_cost_and_the_charge_includes_it(client, goods):
    checkout = abroad_checkout(client, goods, [2, 1])
    checkout.details()

    response = checkout.preview(card(CARD_OK))

    assert response.status_code == 200
    html = response.content.decode()
    # per merchant part: import duty, import VAT, and the total collected now
    assert rows(html, "landed-cost-duty") == 2
    assert rows(html, "landed-cost landed-cost-ddp") == 2
    assert "collected now (DDP)" in html and "(DAP)" not in html
    for amount in (SAFFRON_DUTY, SAFFRON_IMPORT_VAT, CARPET_DUTY, CARPET_IMPORT_VAT):
        assert irr(amount) in html
    assert irr(SAFFRON_DUTY + SAFFRON_IMPORT_VAT) in html
    assert irr(CARPET_DUTY + CARPET_IMPORT_VAT) in html
    charge = response.context["charge"]
    quote = response.context["quote"]
    assert quote.duty_minor == SAFFRON_DUTY + SAFFRON_IMPORT_VAT + CARPET_DUTY + CARPET_IMPORT_VAT
    assert charge == Money(quote.total_minor, "IRR")
    assert irr(quote.total_minor) in html


def test_ddp_duties_are_charged_in_the_payment_and_booked_to_duties_payable(client, goods):
    saffron_order, carpet_order = paid_abroad(client, goods, [2, 1])

    # charged: the purchase total, duties included, is what the card paid
    purchase = saffron_order.purchase
    payment = Payment.objects.get(purchase=purchase)
    collected = SAFFRON_DUTY + SAFFRON_IMPORT_VAT + CARPET_DUTY + CARPET_IMPORT_VAT
    assert (saffron_order.duty_minor, carpet_order.duty_minor) == (
        SAFFRON_DUTY + SAFFRON_IMPORT_VAT,
        CARPET_DUTY + CARPET_IMPORT_VAT,
    )
    assert purchase.duty_minor == collected
    assert payment.amount_minor == payment.captured_minor == purchase.total_minor
    assert (
        purchase.total_minor
        == sum(
            mo.subtotal_minor
            - mo.discount_minor
            + mo.shipping_minor
            + mo.city_fee_minor
            + mo.vat_minor
            for mo in (saffron_order, carpet_order)
        )
        + collected
    )
    # in the fee snapshots, line by line
    assert sorted(OrderLineFees.objects.values_list("duty_minor", flat=True)) == sorted(
        [SAFFRON_DUTY + SAFFRON_IMPORT_VAT, CARPET_DUTY + CARPET_IMPORT_VAT]
    )
    # booked: customs:duties_payable holds exactly the duties charged
    capture = legs(f"payment:{payment.pk}:captured")
    assert capture["customs:duties_payable:IRR"] == -collected
    assert balance("customs:duties_payable:IRR") == collected
    assert_ledger_sound()


def test_the_thank_you_page_and_the_email_show_the_landed_cost_collected(client, goods):
    checkout = abroad_checkout(client, goods, [2, 1])
    checkout.details()
    fields = card(CARD_OK)
    checkout.preview(fields)
    checkout.place(fields)

    page = client.get(reverse("checkout:thank-you"))
    purchase = Purchase.objects.get()
    purchase_confirmation_send(purchase.pk)

    html = page.content.decode()
    assert rows(html, "landed-cost landed-cost-ddp") == 2
    assert irr(SAFFRON_DUTY + SAFFRON_IMPORT_VAT) in html
    assert irr(CARPET_IMPORT_VAT) in html
    [message] = mail.outbox
    html_part = message.alternatives[0][0]
    with translation.override("en"):
        for body in (message.body, html_part):
            assert "collected now (DDP)" in body
            assert irr(CARPET_DUTY) in body and irr(CARPET_IMPORT_VAT) in body
            assert irr(CARPET_DUTY + CARPET_IMPORT_VAT) in body


# --- DAP: an estimate, not charged ---------------------------------------------------------------


def test_dap_shows_an_estimate_paid_on_delivery_and_charges_no_duties(client, goods):
    saffron_house, saffron = goods[0]
    checkout = abroad_checkout(client, [(saffron_house, saffron)], [2], country_code="PK")
    checkout.details()
    fields = card(CARD_OK)

    preview = checkout.preview(fields).content.decode()
    checkout.place(fields)
    thank_you = client.get(reverse("checkout:thank-you")).content.decode()

    for html in (preview, thank_you):
        assert "estimate, paid on delivery (DAP)" in html and "(DDP)" not in html
        assert irr(PK_SAFFRON_DUTY) in html and irr(PK_SAFFRON_IMPORT_VAT) in html
        assert irr(PK_SAFFRON_DUTY + PK_SAFFRON_IMPORT_VAT) in html
    mo = MerchantOrder.objects.get()
    payment = Payment.objects.get()
    assert mo.duty_minor == mo.purchase.duty_minor == 0
    assert (
        payment.captured_minor
        == mo.total_minor
        == mo.subtotal_minor + mo.shipping_minor + (mo.city_fee_minor)
    )
    assert balance("customs:duties_payable:IRR") == 0
    assert set(OrderLineFees.objects.values_list("duty_minor", flat=True)) == {0}


# --- prohibited goods and destinations we do not serve ------------------------------------------


def test_prohibited_lines_send_the_buyer_back_to_the_address_with_each_line_and_why(
    client, goods, queued
):
    saffron_house, saffron = goods[0]
    _house, (wine,) = merchant_with_goods(WINE, name="Shiraz Cellars")
    checkout = abroad_checkout(client, [(saffron_house, saffron), (_house, wine)], [1, 1])

    response = checkout.address()

    # then they land on the shipping address again, told which line and why
    assert response.redirect_chain[-1][0] == reverse("checkout:shipping-address")
    shown = warnings(response)
    assert shown == [
        "“Shiraz wine” cannot be shipped to AF: Alcoholic beverages may not be imported.",
        "Remove these from your basket, or choose another delivery address.",
    ]
    # and neither the card page, the preview nor placing the order gets any further
    for response in (
        client.get(reverse("checkout:payment-details")),
        checkout.preview(card(CARD_OK)),
        checkout.place(card(CARD_OK)),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("checkout:shipping-address")
    # nothing charged, placed or queued
    assert Payment.objects.count() == 0
    assert (Purchase.objects.count(), Order.objects.count()) == (0, 0)
    assert queued == []


def test_a_destination_without_rules_is_refused_at_the_address(client, goods):
    checkout = abroad_checkout(client, goods[:1], [1], country_code="FR")

    response = checkout.address()

    assert response.redirect_chain[-1][0] == reverse("checkout:shipping-address")
    assert warnings(response) == ["We do not ship to FR yet."]
    assert Payment.objects.count() == 0


def test_placement_refuses_prohibited_goods_and_unserved_destinations_writing_nothing(goods):
    _saffron_house, saffron = goods[0]
    _house, (wine,) = merchant_with_goods(WINE, name="Shiraz Cellars")

    def place(items, country):
        return purchase_place(
            basket=basket_build(items),
            number="900100",
            user=None,
            guest_email="buyer@herat.example",
            shipping_address=address_abroad(country),
            billing_address=None,
            shipping_method=MerchantDelivery(country),
        )

    with pytest.raises(ProhibitedAbroad) as refused:
        place([(saffron, 1), (wine, 2)], "AF")
    with pytest.raises(DestinationNotServed):
        place([(saffron, 1)], "FR")

    assert refused.value.reasons == {"Shiraz wine": ["Alcoholic beverages may not be imported."]}
    assert (Purchase.objects.count(), Order.objects.count()) == (0, 0)


def test_goods_without_customs_data_are_blocked_at_checkout(client, goods):
    ProductCustomsInfo.objects.filter(product=goods[1][1]).delete()
    checkout = abroad_checkout(client, goods, [1, 1])

    response = checkout.address()

    assert response.redirect_chain[-1][0] == reverse("checkout:shipping-address")
    assert warnings(response)[0] == (
        "“Kashmar wool rug” cannot be shipped to AF: This product cannot be shipped abroad yet "
        "(no customs data)."
    )


# --- the declaration, once the capture is booked ----------------------------------------------


def test_the_capture_of_a_cross_border_purchase_queues_one_declaration_per_merchant_order(
    client, goods, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        saffron_order, carpet_order = paid_abroad(client, goods, [1, 1])

    declared = sorted(args for name, args in queued if name == "customs.declaration_create")
    assert declared == [(saffron_order.pk,), (carpet_order.pk,)]
    payment = Payment.objects.get()
    assert Transaction.objects.filter(idempotency_key=f"payment:{payment.pk}:captured").exists()
    assert set(
        saffron_order.purchase.merchant_orders.values_list(
            "settlement__customs_required", flat=True
        )
    ) == {True}


def test_a_domestic_purchase_queues_no_declaration(
    client, bazaar, queued, django_capture_on_commit_callbacks
):
    from tests.payments.fixtures import Checkout

    with django_capture_on_commit_callbacks(execute=True):
        response = Checkout(client, bazaar).pay()

    assert response["Location"] == reverse("checkout:thank-you")
    assert [name for name, _args in queued if name == "customs.declaration_create"] == []
