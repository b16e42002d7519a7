"""Real browser, in Persian: a Mashhad resident switches the shop to Persian, signs in, buys from
two merchants with the sandbox card and finds the order in their history, dated in the Jalali
calendar. Every page reads right to left (computed style, not just the attribute)."""

from __future__ import annotations

import jdatetime
import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from purchases.models import Purchase
from tests.fees.factories import standard_rules
from tests.merchants.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Order = get_model("order", "Order")

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
JALALI_MONTHS = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
]
BODY_DIRECTION = "() => getComputedStyle(document.body).direction"


def assert_persian_rtl(page) -> None:
    """The page is served in Persian and laid out right to left."""
    assert page.locator("html").get_attribute("lang") == "fa", page.url
    assert page.evaluate(BODY_DIRECTION) == "rtl", page.url


def test_a_persian_speaking_resident_buys_from_two_merchants_right_to_left(
    live_server, page, shot, bazaar
):
    # given the demo's fees (city fee 1% and VAT 10%, both paid by the buyer) and a resident's account
    standard_rules()
    UserFactory(username="maryam@example.ir", first_name="مریم", last_name="رضایی")
    (saffron_house, saffron), (carpet_bazaar, rug), _ = bazaar
    for product, persian in ((saffron, "زعفران سرگل ۴٫۶ گرمی"), (rug, "قالیچه پشمی کاشمر")):
        product.title_fa = persian
        product.save()

    # when the resident opens the shop and picks Persian in the language menu
    page.goto(live_server.url + "/")
    shown = page.url  # the home page is the catalogue
    page.select_option("#language-select", "fa")
    page.locator("#language_selector button[type=submit]").click()
    page.wait_for_load_state()
    # then the same page comes back in Persian, right to left
    assert page.url == shown
    assert_persian_rtl(page)
    assert page.locator("#language-select").input_value() == "fa"
    assert page.locator("article.product_pod").count() == 3
    shot("home")

    # when they sign in
    page.goto(live_server.url + "/accounts/login/")
    assert_persian_rtl(page)
    assert "ورود" in page.locator("#login_form").inner_text()  # "Log In"
    page.fill("#id_login-username", "maryam@example.ir")
    page.fill("#id_login-password", "pw-for-tests")
    shot("sign-in")
    page.locator("#login_form button[name=login_submit]").click()
    page.wait_for_url(shown)
    assert_persian_rtl(page)

    # and open each merchant's product from the home page and add it to the basket
    for product in (saffron, rug):
        page.locator("article.product_pod", has_text=product.title_fa).locator("h3 a").click()
        page.wait_for_url(f"**{product.get_absolute_url()}")
        assert_persian_rtl(page)
        assert page.locator("h1").inner_text().strip() == product.title_fa
        shot(f"product-{product.pk}")
        page.locator("#add_to_basket_form button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(live_server.url + "/")

    page.goto(live_server.url + "/basket/")
    assert_persian_rtl(page)
    assert "سبد خرید" in page.locator("h1").inner_text()  # "Basket"
    lines = page.locator("#basket_formset .basket-items")
    assert lines.count() == 2
    assert {lines.nth(i).locator("h3 a").inner_text().strip() for i in range(2)} == {
        saffron.title_fa,
        rug.title_fa,
    }
    shot("basket")

    # and check out: a signed-in buyer goes straight to the address
    page.locator("#content_inner a[href='/checkout/']").first.click()
    page.wait_for_url("**/checkout/shipping-address/")
    assert_persian_rtl(page)
    page.fill("#id_first_name", "مریم")
    page.fill("#id_last_name", "رضایی")
    page.fill("#id_line1", "بلوار وکیل‌آباد، پلاک ۱۲")
    page.fill("#id_line4", "مشهد")
    page.fill("#id_postcode", "۹۱۷۷۹۴۸۹۷۴")  # Persian digits, as a Persian keyboard types them
    shot("shipping-address")
    page.locator("form#new_shipping_address button[type=submit]").click()
    page.wait_for_url("**/checkout/payment-details/")
    assert_persian_rtl(page)
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_expiry", "12/39")
    page.fill("#id_cvc", "123")
    shot("payment-details")
    page.locator("#view_preview").click()
    page.wait_for_url("**/checkout/preview/")
    assert_persian_rtl(page)
    # the preview shows each merchant's city fee on its own line, in Persian
    assert "عوارض شهرداری" in page.locator("body").inner_text()
    shot("preview")
    page.locator("#place-order").click()
    page.wait_for_url("**/checkout/thank-you/")

    # then one purchase holds one order per merchant, confirmed in Persian, right to left
    assert_persian_rtl(page)
    purchase = Purchase.objects.get()
    assert purchase.user.username == "maryam@example.ir"
    assert purchase.city_fee_minor > 0
    orders = list(purchase.merchant_orders.select_related("order").order_by("sequence"))
    assert [(mo.partner.name, mo.order.number) for mo in orders] == [
        (saffron_house.partner.name, f"{purchase.number}-1"),
        (carpet_bazaar.partner.name, f"{purchase.number}-2"),
    ]
    # the address typed in Persian is kept as typed, its postcode in Latin digits, dashed
    address = orders[0].order.shipping_address
    assert (address.line4, address.postcode) == ("مشهد", "91779-48974")
    assert page.locator("section.merchant-order").count() == 2
    city_fee = page.locator("#purchase-fees .purchase-city-fee")
    assert "عوارض شهرداری" in city_fee.inner_text()
    assert page.locator("section.merchant-order .merchant-order-city-fee").count() == 2
    assert purchase.number in page.locator("#purchase-confirmation").inner_text()
    shot("thank-you")

    # and the order history lists both orders, dated in the Jalali calendar with Persian digits
    page.goto(live_server.url + "/accounts/orders/")
    assert_persian_rtl(page)
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    history = page.locator("table").inner_text()
    assert str(today.year).translate(PERSIAN_DIGITS) in history
    assert JALALI_MONTHS[today.month - 1] in history
    assert str(timezone.localdate().year) not in history  # no Gregorian year
    for mo in orders:
        assert page.locator("a", has_text=mo.order.number).count() == 1
    shot("order-history")
