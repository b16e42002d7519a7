"""Real browser: a guest buys from three merchants at once and gets one purchase, three orders."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from purchases.models import Purchase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Country = get_model("address", "Country")
Order = get_model("order", "Order")


@pytest.fixture
def bazaar(db):
    from tests.merchants.factories import MerchantFactory
    from tests.search.factories import ProductFactory, StockRecordFactory

    Country.objects.update_or_create(
        iso_3166_1_a2="IR",
        defaults={
            "iso_3166_1_a3": "IRN",
            "iso_3166_1_numeric": "364",
            "printable_name": "Iran",
            "name": "Islamic Republic of Iran",
            "is_shipping_country": True,
        },
    )
    goods = []
    for merchant_name, title, price in [
        ("Novin Saffron House", "Sargol saffron 4.6 g", 4_500_000),
        ("Vakil Carpet Bazaar", "Kashmar wool rug", 30_000_000),
        ("Golestan Pistachio Roastery", "Akbari pistachios 500 g", 2_000_000),
    ]:
        merchant = MerchantFactory(name_en=merchant_name)
        product = ProductFactory(title=title, title_en=title)
        StockRecordFactory(
            product=product, partner=merchant.partner, price=Decimal(price), num_in_stock=5
        )
        goods.append((merchant, product))
    return goods


def test_a_guest_checks_out_three_merchants_goods_as_one_purchase(
    live_server, page, shot, bazaar, settings
):
    # given the guest adds one product of each merchant to the basket
    for _merchant, product in bazaar:
        page.goto(live_server.url + product.get_absolute_url())
        page.locator("#add_to_basket_form button[type=submit]").click()
        page.wait_for_load_state()
    page.goto(live_server.url + "/basket/")
    shot("basket")
    assert page.locator("#basket_formset .basket-items").count() == 3

    # when they check out once, as a guest
    page.goto(live_server.url + "/checkout/")
    page.fill("#id_username", "pilgrim@example.com")
    page.check("#id_options_0")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/checkout/shipping-address/")
    page.fill("#id_first_name", "Zahra")
    page.fill("#id_last_name", "Ahmadi")
    page.fill("#id_line1", "Ferdowsi Blvd 3")
    page.fill("#id_line4", "Mashhad")
    if page.locator("select#id_country").count():
        page.select_option("select#id_country", "IR")
    page.locator("form#new_shipping_address button[type=submit]").click()
    page.wait_for_url("**/checkout/payment-details/")
    # the sandbox gateway's card that always succeeds
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_expiry", "12/39")
    page.fill("#id_cvc", "123")
    page.locator("#view_preview").click()
    page.wait_for_url("**/checkout/preview/")
    shot("preview")
    page.locator("#place-order").click()
    page.wait_for_url("**/checkout/thank-you/")
    shot("thank-you")

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
