"""Approximate prices on the product page and the product cards, in the buyer's display currency,
through the page and card caches: a buyer never gets a page or card cached for another currency or
an older rate. Persian readers see the prices in Persian digits."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from currencies.selectors import COOKIE_NAME
from tests.currencies.factories import rate_create
from tests.merchants.factories import UserFactory
from tests.search.factories import ProductFactory, StockRecordFactory

pytestmark = pytest.mark.django_db

PRICE = 4_500_000  # IRR


@pytest.fixture
def saffron(db):
    product = ProductFactory(
        title="Sargol saffron", title_en="Sargol saffron", title_fa="زعفران سرگل"
    )
    StockRecordFactory(product=product, price=Decimal(PRICE), num_in_stock=10)
    return product


def visitor(currency: str | None = None, *, language: str = "en", user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if currency is not None:
        client.cookies[COOKIE_NAME] = currency
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def card_of(html: str, title: str = "Sargol saffron") -> str:
    start = html.index(title)
    return html[html.rindex("<article", 0, start) : html.index("</article>", start)]


def price_block(html: str) -> str:
    """The product page's price and availability (Oscar's product_main block)."""
    start = html.index('class="price_color"')
    return html[start : html.index(' availability">', start)]


def approximate(fragment: str) -> str | None:
    match = re.search(r'<p class="approx-price">(.*?)</p>', fragment, re.S)
    assert match, "no approximate-price slot"
    text = re.sub(r"<[^>]+>", "", match.group(1))
    return re.sub(r"[ \t\n]+", " ", text).strip() or None  # no-break spaces kept


def test_the_product_page_shows_the_price_approximately_in_the_buyers_currency(saffron):
    rate_create("USD", 1_000_000)

    html = visitor("USD").get(saffron.get_absolute_url()).content.decode()

    shown = approximate(price_block(html))
    assert shown == "≈\xa04.50\xa0USD (approximate)"
    assert 'data-display-currency="USD"' in price_block(html)
    assert 'title="Approximate, at 1 USD ≈ 1,000,000 IRR. You pay in IRR."' in price_block(html)


def test_a_buyer_looking_at_rials_sees_no_approximate_price(saffron):
    rate_create("USD", 1_000_000)

    html = visitor().get(saffron.get_absolute_url()).content.decode()

    assert approximate(price_block(html)) is None
    assert "IRR4,500,000" in price_block(html)


def test_the_cached_product_page_follows_the_currency_cookie(saffron):
    rate_create("USD", 1_000_000)
    rate_create("AFN", 2_000)  # 1 AFN = 2,000 IRR
    url = saffron.get_absolute_url()

    # the same anonymous page, asked for by buyers looking at different currencies, each twice
    # (the second answer comes from the page cache)
    for _ in range(2):
        usd = visitor("USD").get(url).content.decode()
        afn = visitor("AFN").get(url).content.decode()
        irr = visitor().get(url).content.decode()
        assert approximate(price_block(usd)) == "≈\xa04.50\xa0USD (approximate)"
        assert approximate(price_block(afn)) == "≈\xa02,250.00\xa0AFN (approximate)"
        assert approximate(price_block(irr)) is None

    # one buyer switching currency gets the new one at once
    buyer = visitor("AFN")
    assert "AFN" in approximate(price_block(buyer.get(url).content.decode()))
    buyer.cookies[COOKIE_NAME] = "USD"
    assert "USD" in approximate(price_block(buyer.get(url).content.decode()))


def test_the_product_cards_follow_the_currency_cookie(saffron):
    rate_create("USD", 1_000_000)
    rate_create("AFN", 2_000)

    for _ in range(2):  # rendered, then from the page and card caches
        afn = card_of(visitor("AFN").get("/catalogue/").content.decode())
        usd = card_of(visitor("USD").get("/catalogue/").content.decode())
        irr = card_of(visitor().get("/catalogue/").content.decode())
        assert approximate(afn) == "≈\xa02,250.00\xa0AFN (approximate)"
        assert approximate(usd) == "≈\xa04.50\xa0USD (approximate)"
        assert approximate(irr) is None


def test_a_signed_in_buyers_cached_card_follows_the_currency_cookie(saffron):
    # signed-in buyers get no page cache: the card cache alone must tell currencies apart
    rate_create("USD", 1_000_000)
    rate_create("AFN", 2_000)
    buyer = visitor("USD", user=UserFactory())

    assert "USD" in approximate(card_of(buyer.get("/catalogue/").content.decode()))
    buyer.cookies[COOKIE_NAME] = "AFN"
    assert approximate(card_of(buyer.get("/catalogue/").content.decode())) == (
        "≈\xa02,250.00\xa0AFN (approximate)"
    )
    buyer.cookies[COOKIE_NAME] = "IRR"
    assert approximate(card_of(buyer.get("/catalogue/").content.decode())) is None


def test_a_new_rate_shows_at_once_on_cached_cards_and_pages(saffron):
    rate_create("USD", 1_000_000, hours_old=2)
    url = saffron.get_absolute_url()
    assert "4.50" in approximate(card_of(visitor("USD").get("/catalogue/").content.decode()))
    assert "4.50" in approximate(price_block(visitor("USD").get(url).content.decode()))

    rate_create("USD", 900_000, hours_old=1)  # the rial gained: the newest rate wins

    assert approximate(card_of(visitor("USD").get("/catalogue/").content.decode())) == (
        "≈\xa05.00\xa0USD (approximate)"
    )
    assert approximate(price_block(visitor("USD").get(url).content.decode())) == (
        "≈\xa05.00\xa0USD (approximate)"
    )


def test_a_stale_rate_is_flagged_on_the_card_and_the_page(saffron, settings):
    settings.CURRENCY_RATE_STALE_HOURS = 24
    rate_create("EUR", 1_000_000, hours_old=50)

    card = card_of(visitor("EUR").get("/catalogue/").content.decode())
    page = price_block(visitor("EUR").get(saffron.get_absolute_url()).content.decode())

    for fragment in (card, page):
        assert "display-price-stale-warning" in fragment
        assert "may be out of date" in approximate(fragment)


def test_toman_is_exact_and_in_persian_digits_for_a_persian_reader(saffron):
    html = visitor("IRT", language="fa").get(saffron.get_absolute_url()).content.decode()

    block = price_block(html)
    assert approximate(block) == "۴۵۰٬۰۰۰\xa0تومان"
    # the marketplace price itself in Persian digits and separators
    assert "۴٬۵۰۰٬۰۰۰" in block
    assert "4,500,000" not in block


def test_persian_readers_get_persian_digits_on_cards_the_product_page_and_basket(saffron):
    buyer = visitor(language="fa")
    card = card_of(buyer.get("/catalogue/").content.decode(), "زعفران سرگل")
    assert "۴٬۵۰۰٬۰۰۰" in card and "4,500,000" not in card
    page = buyer.get(saffron.get_absolute_url()).content.decode()
    availability = re.search(r'availability">(.*?)</p>', page, re.S).group(1)
    assert "۱۰" in availability and "10" not in availability  # in stock (10 available)

    buyer.post(f"/basket/add/{saffron.pk}/", {"quantity": 2})
    basket = buyer.get("/basket/").content.decode()
    assert "۹٬۰۰۰٬۰۰۰" in basket
    assert "9,000,000" not in basket


def test_english_readers_keep_latin_digits(saffron):
    html = visitor(language="en").get(saffron.get_absolute_url()).content.decode()
    assert "IRR4,500,000" in price_block(html)
