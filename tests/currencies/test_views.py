"""Choosing a display currency, and approximate prices in the basket and at payment."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from currencies.selectors import COOKIE_NAME
from tests.currencies.factories import rate_create
from tests.payments.fixtures import CARD_OK, Checkout, card

pytest_plugins = ["tests.payments.fixtures"]

pytestmark = pytest.mark.django_db


def test_a_buyer_picks_a_currency_and_returns_to_the_page(client):
    response = client.post(
        reverse("currencies:set"), {"currency": "USD", "next": "/catalogue/?page=2"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/catalogue/?page=2"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie.value == "USD"
    assert cookie["samesite"] == "Lax" and cookie["httponly"]


def test_a_plain_link_works_too(client):
    response = client.get(reverse("currencies:set"), {"currency": "irt", "next": "/basket/"})
    assert response["Location"] == "/basket/"
    assert response.cookies[COOKIE_NAME].value == "IRT"


@pytest.mark.parametrize("bad", ["XYZ", "GBP", "", "<script>", "U" * 300])
def test_an_unsupported_currency_clears_the_choice(client, bad):
    client.cookies[COOKIE_NAME] = "USD"
    response = client.post(reverse("currencies:set"), {"currency": bad, "next": "/"})
    assert response.status_code == 302
    assert response.cookies[COOKIE_NAME].value == ""
    assert response.cookies[COOKIE_NAME]["max-age"] == 0


def test_next_must_stay_on_this_site(client):
    response = client.post(
        reverse("currencies:set"), {"currency": "USD", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize("bad", ["XYZ", "", "%00", "USD;EUR"])
def test_a_bad_currency_cookie_shows_the_marketplace_currency_only(client, bazaar, bad):
    rate_create("USD", 1_000_000)
    client.cookies[COOKIE_NAME] = bad
    client.post(reverse("basket:add", kwargs={"pk": bazaar[0][1].pk}), {"quantity": 1})
    response = client.get(reverse("basket:summary"))
    assert response.status_code == 200
    assert b"display-price" not in response.content


def basket_with_saffron(client, bazaar):
    client.post(reverse("basket:add", kwargs={"pk": bazaar[0][1].pk}), {"quantity": 1})
    return client.get(reverse("basket:summary")).content.decode()


def approximate_in(html: str) -> str:
    match = re.search(r'<div id="basket-order-total-display">(.*?)</div>', html, re.S)
    assert match, "the basket has no display-currency slot"
    return match.group(1).strip()


def test_the_basket_total_is_shown_approximately_in_the_buyers_currency(client, bazaar, settings):
    rate_create("USD", 1_000_000)
    client.cookies[COOKIE_NAME] = "USD"
    html = basket_with_saffron(client, bazaar)
    shown = approximate_in(html)
    total = 4_500_000 + settings.MARKETPLACE_SHIPPING["domestic_per_merchant_minor"]
    assert f"<bdi>≈\xa0{total / 1_000_000:.2f}\xa0USD</bdi>" in shown
    assert "(approximate)" in shown
    assert 'title="Approximate, at 1 USD ≈ 1,000,000 IRR. You pay in IRR."' in shown
    assert "may be out of date" not in shown


def test_a_stale_rate_is_shown_with_a_warning(client, bazaar, settings):
    settings.CURRENCY_RATE_STALE_HOURS = 24
    rate = rate_create("EUR", 1_160_000, hours_old=50)
    client.cookies[COOKIE_NAME] = "EUR"
    shown = approximate_in(basket_with_saffron(client, bazaar))
    assert "display-price-stale-warning" in shown
    with translation.override("en"):
        from i18n.formatting import date_format

        day = date_format(rate.effective_at)
    assert f"rate of {day}, may be out of date" in shown


def test_without_a_rate_nothing_is_shown(client, bazaar):
    client.cookies[COOKIE_NAME] = "TRY"
    assert approximate_in(basket_with_saffron(client, bazaar)) == ""


def test_toman_is_shown_exactly_in_persian(client, bazaar, settings):
    client.cookies[COOKIE_NAME] = "IRT"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fa"
    shown = approximate_in(basket_with_saffron(client, bazaar))
    total = 4_500_000 + settings.MARKETPLACE_SHIPPING["domestic_per_merchant_minor"]
    assert f"{total // 10:,}".translate(str.maketrans("0123456789,", "۰۱۲۳۴۵۶۷۸۹٬")) in shown
    assert "تومان" in shown and "≈" not in shown


def test_at_payment_the_charged_currency_is_stated_plainly(client, bazaar, settings):
    rate_create("USD", 1_000_000)
    client.cookies[COOKIE_NAME] = "USD"
    checkout = Checkout(client, bazaar)
    page = checkout.details().content.decode()
    total = checkout.total(settings)
    assert f"You will be charged {total:,}\xa0IRR." in page
    assert "Amounts in USD (≈\xa0" in page
    assert "the charge is in IRR" in page
    preview = checkout.preview(card(CARD_OK)).content.decode()
    assert 'id="charge-currency-notice"' in preview
    assert f"You will be charged {total:,}\xa0IRR." in preview


def test_a_buyer_looking_at_rials_gets_no_extra_notice(client, bazaar):
    page = Checkout(client, bazaar).details().content.decode()
    assert 'id="charge-summary"' in page
    assert 'id="charge-currency-notice"' not in page


def test_the_price_tags_convert_oscar_amounts_and_minor_units():
    from decimal import Decimal

    rate_create("AFN", 14_500)
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE_NAME] = "AFN"
    template = Template(
        "{% load currency_display %}[{% approx_price price 'IRR' %}]"
        "[{% approx_price_minor 1450000 'IRR' %}][{% approx_price 'x' 'IRR' %}]"
        "[{% approx_price price 'USD' %}]"
    )
    with translation.override("en"):
        html = template.render(Context({"request": request, "price": Decimal("2900000")}))
    assert "<bdi>≈\xa0200.00\xa0AFN</bdi>" in html
    assert "<bdi>≈\xa0100.00\xa0AFN</bdi>" in html
    assert html.endswith("[][]")


def test_the_header_switchers_keep_the_page_and_show_the_choices(rf):
    from django.template.loader import render_to_string

    request = rf.get("/catalogue/?page=2&language=ru")
    request.COOKIES[COOKIE_NAME] = "AFN"
    with translation.override("fa"):
        html = render_to_string("i18n/partials/switchers.html", request=request)
    assert html.count('<input name="next" type="hidden" value="/catalogue/?page=2">') == 2
    assert '<option value="AFN" selected>' in html
    assert '<option value="IRT">IRT · تومان</option>' in html
    assert '<option value="fa" lang="fa" selected>فارسی</option>' in html
    assert f'action="{reverse("currencies:set")}"' in html
