"""Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import pytest


@pytest.fixture
def guest_checkout(page, live_server, shot):
    """Drive Oscar's checkout as a guest from a filled basket to the thank-you page.

    ``guest_checkout(email=..., name=("Reza", "Karimi"), card="4242 4242 4242 4242")`` pays with
    the sandbox gateway's card; screenshots are taken of the address, preview and thank-you pages.
    """

    def run(
        *,
        email: str = "pilgrim@example.com",
        name: tuple[str, str] = ("Reza", "Karimi"),
        line1: str = "Imam Reza Street 12",
        city: str = "Mashhad",
        country: str = "IR",
        card: str = "4242 4242 4242 4242",
    ) -> None:
        page.goto(live_server.url + "/checkout/")
        page.fill("#id_username", email)
        page.check("#id_options_0")  # "I am a new customer and want to checkout as a guest"
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url("**/checkout/shipping-address/")
        page.fill("#id_first_name", name[0])
        page.fill("#id_last_name", name[1])
        page.fill("#id_line1", line1)
        page.fill("#id_line4", city)
        if page.locator("select#id_country").count():  # Oscar hides it when one country ships
            page.select_option("select#id_country", country)
        shot("shipping-address")
        page.locator("form#new_shipping_address button[type=submit]").click()
        page.wait_for_url("**/checkout/payment-details/")
        page.fill("#id_number", card)
        page.fill("#id_expiry", "12/39")
        page.fill("#id_cvc", "123")
        page.locator("#view_preview").click()
        page.wait_for_url("**/checkout/preview/")
        shot("preview")
        page.locator("#place-order").click()
        page.wait_for_url("**/checkout/thank-you/")
        shot("thank-you")

    return run


@pytest.fixture
def add_to_basket(page, live_server):
    def add(product) -> None:
        page.goto(live_server.url + product.get_absolute_url())
        page.locator("#add_to_basket_form button[type=submit]").click()
        page.wait_for_load_state()

    return add
