"""Real browser, in English, three people: a buyer in Baghdad sees the landed cost (duty and
import VAT collected now, DDP) at checkout and pays; the worker declares the order; the merchant
marks it Processing but cannot ship it; the customs officer finds the declaration in /customs/
and releases it; then the merchant ships. Each person has their own browser session."""

from __future__ import annotations

import re
import time

import pytest
from oscar.core.loading import get_model

from customs.models import Declaration
from payments.models import Payment
from purchases.models import Purchase
from tests.customs.factories import (
    SAFFRON,
    country_ensure,
    customs_rules_ensure,
    merchant_staff_create,
    merchant_with_goods,
    officer_create,
)
from tests.shop import iran_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Order = get_model("order", "Order")

BODY_DIRECTION = "() => getComputedStyle(document.body).direction"


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


@pytest.fixture
def english_tab(browser, live_server):
    """``english_tab()``: a fresh browser session (its own cookies) reading the shop in English,
    for another person than the buyer; closed after the test."""
    contexts = []

    def open_tab():
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


def sign_in(tab, live_server, username: str, then: str) -> None:
    """Sign in through the storefront's login form, going on to ``then``."""
    tab.goto(f"{live_server.url}/accounts/login/?next={then}")
    tab.fill("#id_login-username", username)
    tab.fill("#id_login-password", "pw-for-tests")
    tab.locator("#login_form button[name=login_submit]").click()
    tab.wait_for_url(f"**{then}")


def status_change(tab, status: str) -> str:
    """Pick ``status`` in the order page's status form and submit it; the message shown."""
    tab.select_option("#order_status_form select[name=new_status]", status)
    tab.locator("#order_status_form button[type=submit]").click()
    tab.wait_for_load_state()
    return tab.locator(".alert").first.inner_text()


@pytest.fixture
def saffron_house(hs_codes):
    customs_rules_ensure()
    iran_ensure()
    country_ensure("IQ")
    house, (saffron,) = merchant_with_goods(SAFFRON)
    merchant_staff_create(house, username="staff@novin.example")
    officer_create("officer@customs.example")
    return house, saffron


def test_a_buyer_in_baghdad_pays_duties_upfront_and_the_order_ships_after_customs_release(
    live_server, page, english_tab, shot, saffron_house, celery_worker
):
    house, saffron = saffron_house
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])

    # given a buyer in Baghdad with two tins of saffron in the basket
    page.goto(live_server.url + saffron.get_absolute_url())
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate(BODY_DIRECTION) == "ltr"
    for _ in range(2):
        page.locator("#add_to_basket_form button[type=submit]").click()
        page.wait_for_load_state()
    page.goto(live_server.url + "/basket/")
    assert page.locator("#id_form-0-quantity").input_value() == "2"
    shot("basket")

    # when they check out as a guest to an Iraqi address
    page.goto(live_server.url + "/checkout/")
    page.fill("#id_username", "karim@baghdad.example")
    page.check("#id_options_0")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/checkout/shipping-address/")
    page.fill("#id_first_name", "Karim")
    page.fill("#id_last_name", "Al-Jabouri")
    page.fill("#id_line1", "Al-Mansour Street 7")
    page.fill("#id_line4", "Baghdad")
    page.select_option("select#id_country", "IQ")
    shot("shipping-address")
    page.locator("form#new_shipping_address button[type=submit]").click()
    page.wait_for_url("**/checkout/payment-details/")
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_expiry", "12/39")
    page.fill("#id_cvc", "123")
    shot("payment-details")
    page.locator("#view_preview").click()
    page.wait_for_url("**/checkout/preview/")

    # then the preview shows the duty and import VAT, collected now under DDP, in the total
    ddp = page.locator("tr.landed-cost-ddp")
    assert ddp.count() == 1
    assert "collected now (DDP)" in ddp.inner_text()
    assert page.locator("tr.landed-cost-duty td").first.inner_text() == "Import duty (IQ)"
    taxes_shown = int(re.sub(r"\D", "", ddp.locator("td").last.inner_text()))
    shot("preview-landed-cost")

    # when they place the order
    page.locator("#place-order").click()
    page.wait_for_url("**/checkout/thank-you/")
    shot("thank-you")

    # then the card was charged the goods, shipping and duties at once
    purchase = Purchase.objects.get()
    [merchant_order] = purchase.merchant_orders.select_related("order")
    assert merchant_order.duty_minor == taxes_shown > 0
    assert purchase.duty_minor == merchant_order.duty_minor
    assert Payment.objects.get().captured_minor == purchase.total_minor
    assert page.locator("tr.landed-cost-ddp").count() == 1
    order_number = merchant_order.order.number
    assert order_number in page.locator("section.merchant-order").get_attribute("data-order-number")

    # and the worker declares the order; a new merchant's goods wait for an officer
    declaration = wait_for(
        lambda: Declaration.objects.filter(merchant_order=merchant_order).first()
    )
    assert declaration.status == "yellow"

    # when the merchant signs in and opens the order in their dashboard
    merchant = english_tab()
    order_url = f"/dashboard/orders/{order_number}/"
    sign_in(merchant, live_server, "staff@novin.example", order_url)
    shot("merchant-order", merchant)
    line = merchant.locator("tr", has_text=saffron.title)
    assert house.partner.name in line.inner_text()
    assert merchant.locator("#order_status_form").count() == 1

    # then they can start processing it but not ship it before customs releases it
    status_change(merchant, "Processing")
    assert Order.objects.get(number=order_number).status == "Processing"
    shot("merchant-processing", merchant)
    refused = status_change(merchant, "Shipped")
    assert "cannot be marked “Shipped”" in refused
    assert Order.objects.get(number=order_number).status == "Processing"
    shot("merchant-ship-refused", merchant)

    # when the customs officer signs in to the workspace, finds the declaration and releases it
    officer = english_tab()
    sign_in(officer, live_server, "officer@customs.example", "/customs/")
    row = officer.locator("tr", has_text=declaration.number)
    assert row.count() == 1
    shot("customs-queue", officer)
    row.locator(f"a:text-is('{declaration.number}')").click()
    officer.wait_for_url(f"**/customs/declarations/{declaration.pk}/")
    assert order_number in officer.locator("body").inner_text()
    shot("customs-declaration", officer)
    officer.locator("form[data-action=claim] button[type=submit]").click()
    officer.wait_for_load_state()
    shot("customs-claimed", officer)
    officer.locator("form[data-action=release] button[type=submit]").click()
    officer.wait_for_load_state()
    assert "Released: the goods may leave." in officer.locator(".alert").first.inner_text()
    shot("customs-released", officer)
    declaration.refresh_from_db()
    assert declaration.status == "released"

    # then the merchant can ship the order
    merchant.goto(live_server.url + order_url)
    shipped = status_change(merchant, "Shipped")
    assert re.search(r"status.*Shipped", shipped), shipped
    assert Order.objects.get(number=order_number).status == "Shipped"
    shot("merchant-shipped", merchant)
