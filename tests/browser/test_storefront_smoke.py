"""Real-browser smoke: a guest finds a Mashhad product, adds it to the basket and checks out."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Order = get_model("order", "Order")


@pytest.fixture
def saffron(iran):
    from tests.search.factories import ProductFactory, StockRecordFactory

    product = ProductFactory(
        title="Sargol saffron, 4.6 g",
        title_en="Sargol saffron, 4.6 g",
        title_fa="زعفران سرگل، ۴.۶ گرم",
    )
    StockRecordFactory(product=product, price=Decimal("4500000"), num_in_stock=10)
    return product


def test_guest_opens_home_and_product_and_adds_it_to_the_basket(live_server, page, shot, saffron):
    # given the storefront home page
    page.goto(live_server.url + "/")
    shot("home")
    # then the product is listed with its price
    card = page.locator("article.product_pod", has_text="Sargol saffron")
    assert card.count() == 1

    # when the guest opens the product page
    card.locator("h3 a").click()
    page.wait_for_url(f"**{saffron.get_absolute_url()}")
    shot("product")
    assert page.locator("h1").inner_text().strip() == "Sargol saffron, 4.6 g"

    # and adds it to the basket
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/basket/")
    shot("basket")

    # then the basket holds exactly that product, once
    lines = page.locator("#basket_formset .basket-items")
    assert lines.count() == 1
    assert "Sargol saffron" in lines.first.inner_text()
    assert page.locator("#id_form-0-quantity").input_value() == "1"


def test_guest_places_an_order_through_oscars_checkout(
    page, shot, saffron, add_to_basket, guest_checkout
):
    # given a basket with the saffron
    add_to_basket(saffron)

    # when the guest checks out without an account, paying by card
    guest_checkout(email="pilgrim@example.com")

    # then exactly one order exists for the guest, for the saffron, in IRR
    order = Order.objects.get()
    assert order.guest_email == "pilgrim@example.com"
    assert order.currency == "IRR"
    assert [(line.title, line.quantity) for line in order.lines.all()] == [
        ("Sargol saffron, 4.6 g", 1)
    ]
    assert order.number in page.locator("body").inner_text()
