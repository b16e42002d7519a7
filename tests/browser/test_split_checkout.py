"""Real browser: a guest buys from three merchants at once and gets one purchase, three orders."""

import pytest
from oscar.core.loading import get_model

from purchases.models import Purchase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Order = get_model("order", "Order")


def test_a_guest_checks_out_three_merchants_goods_as_one_purchase(
    live_server, page, shot, bazaar, settings, add_to_basket, guest_checkout
):
    # given the guest adds one product of each merchant to the basket
    for _merchant, product in bazaar:
        add_to_basket(product)
    page.goto(live_server.url + "/basket/")
    shot("basket")
    assert page.locator("#basket_formset .basket-items").count() == 3

    # when they check out once, as a guest, paying by card
    guest_checkout(name=("Zahra", "Ahmadi"), line1="Ferdowsi Blvd 3")

    # then one purchase holds three merchant orders, and the confirmation shows each part
    purchase = Purchase.objects.get()
    numbers = [f"{purchase.number}-{n}" for n in (1, 2, 3)]
    assert sorted(Order.objects.values_list("number", flat=True)) == numbers
    parts = page.locator("section.merchant-order")
    assert parts.count() == 3
    shown = [parts.nth(i).get_attribute("data-order-number") for i in range(3)]
    assert shown == numbers
    for i, (merchant, product) in enumerate(bazaar):
        text = parts.nth(i).inner_text()
        assert merchant.partner.name in text
        assert product.title in text
    shipping = settings.MARKETPLACE_SHIPPING["domestic_per_merchant_minor"]
    assert purchase.total_minor == 4_500_000 + 30_000_000 + 2_000_000 + 3 * shipping
    assert purchase.number in page.locator("#purchase-confirmation").inner_text()
