"""Whole catalogue, category, search and product pages cached for anonymous visitors
(``marketplace/oscar_apps/catalogue/caching.py``): the same HTML as rendered, per-visitor parts
filled in, and any change to what a page shows visible on the next request."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from marketplace.oscar_apps.catalogue.caching import content_versions, product_stamps
from merchants.models import MerchantStatus
from merchants.services import merchant_suspend
from product_stats.services import product_counters_flush
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from tests.merchants.factories import MerchantFactory, UserFactory, municipal_staff_user
from tests.search.factories import CategoryFactory, ProductFactory, StockRecordFactory
from tests.shop import basket_build

pytestmark = pytest.mark.django_db

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductRecord = get_model("analytics", "ProductRecord")
ShippingAddress = get_model("order", "ShippingAddress")
StockRecord = get_model("partner", "StockRecord")

_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')
_CREATED = re.compile(r'(<meta name="created" content=")[^"]*(")')
_NONCE = re.compile(r'( nonce=")[^"]*(")')


def _en(text: str) -> str:
    """``text`` as the English pages print it (Oscar's en catalogue says "cart")."""
    with translation.override("en"):
        return gettext(text)


def _price(amount: int) -> str:
    with translation.override("en"):
        return currency(Decimal(amount), "IRR")


def _normalised(html: str) -> str:
    """The page without what differs on every request: the masked CSRF token, the time and the
    Content-Security-Policy nonce."""
    return _NONCE.sub(r"\1-\2", _CREATED.sub(r"\1-\2", _TOKEN.sub(r"\1-\2", html)))


def _get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _get(client, url)
    return len(ctx.captured_queries)


@pytest.fixture
def shop(db):
    """A category with two products of one approved merchant; the URLs of every cached page."""
    saffron = CategoryFactory(name="Saffron", name_en="Saffron")
    merchant = MerchantFactory(name_en="Novin Saffron House")
    products = []
    for title, price in (("Sargol saffron 4.6 g", 4_500_000), ("Negin saffron 2.3 g", 2_300_000)):
        product = ProductFactory(title=title, title_en=title, categories=[saffron])
        StockRecordFactory(
            product=product, partner=merchant.partner, price=Decimal(price), num_in_stock=7
        )
        products.append(product)
    return {
        "merchant": merchant,
        "products": products,
        "urls": {
            "catalogue": "/catalogue/",
            "category": saffron.get_absolute_url(),
            "search": "/search/?q=saffron",
            "product": products[0].get_absolute_url(),
        },
    }


@pytest.mark.parametrize("page", ["catalogue", "category", "search", "product"])
def test_a_cached_page_is_the_same_html_as_the_page_rendered(client, settings, shop, page):
    url = shop["urls"][page]
    settings.CATALOGUE_PAGE_CACHE = False
    rendered = _get(client, url)
    settings.CATALOGUE_PAGE_CACHE = True

    first = _get(Client(), url)  # renders and stores
    served = _get(Client(), url)  # from the cache

    assert "\x00" not in first + served
    assert _normalised(first) == _normalised(rendered)
    assert _normalised(served) == _normalised(rendered)
    assert "Sargol saffron 4.6 g" in served


@pytest.mark.parametrize("page", ["catalogue", "category", "search", "product"])
def test_a_cached_page_costs_one_query(shop, page):
    url = shop["urls"][page]
    _get(Client(), url)

    queries = _queries(Client(), url)

    # the content versions and the stamps of the products shown, in one query; the product
    # page's view is counted in Redis (product_stats), its product row not loaded
    assert queries == 1


def test_each_visitor_gets_their_own_csrf_token_and_cookie_and_it_is_accepted(shop):
    url = shop["urls"]["catalogue"]
    _get(Client(), url)
    buyer = Client(enforce_csrf_checks=True)

    response = buyer.get(url)
    tokens = set(
        re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    )
    product = shop["products"][0]
    added = buyer.post(
        f"/basket/add/{product.pk}/", {"quantity": 1, "csrfmiddlewaretoken": tokens.pop()}
    )

    assert "csrftoken" in response.cookies
    assert not tokens  # one token in the whole page, as rendered
    assert added.status_code == 302
    assert _en("Your basket is empty.") not in _get(buyer, url)


def test_a_visitor_with_a_basket_sees_their_basket_and_the_next_visitor_an_empty_one(shop):
    url = shop["urls"]["category"]
    product = shop["products"][1]
    _get(Client(), url)
    buyer = Client()
    buyer.get(product.get_absolute_url())
    buyer.post(f"/basket/add/{product.pk}/", {"quantity": 2})

    theirs = _get(buyer, url)
    next_visitor = _get(Client(), url)

    total = _price(2 * 2_300_000)
    assert total in theirs
    assert _en("Your basket is empty.") not in theirs
    assert total not in next_visitor
    assert _en("Your basket is empty.") in next_visitor


def test_a_signed_in_customer_gets_the_page_rendered_for_them(shop):
    url = shop["urls"]["catalogue"]
    _get(Client(), url)
    customer = Client()
    customer.force_login(UserFactory())

    html = _get(customer, url)

    assert 'id="logout_link"' in html
    assert 'id="login_link"' not in html


def test_a_waiting_message_is_shown_and_the_page_not_taken_from_the_cache(shop):
    url = shop["urls"]["catalogue"]
    product = shop["products"][0]
    _get(Client(), url)
    buyer = Client()
    buyer.get(product.get_absolute_url())
    buyer.post(f"/basket/add/{product.pk}/", {"quantity": 1})  # queues "... has been added"

    shown = _get(buyer, url)
    next_time = _get(buyer, url)

    added = f"<strong>{product.get_title()}</strong>"
    assert added in shown
    assert "alert-success" in shown
    assert added not in next_time
    assert added not in _get(Client(), url)


def test_the_product_page_from_the_cache_still_counts_the_view_and_remembers_it(shop):
    product, other = shop["products"]
    _get(Client(), product.get_absolute_url())
    visitor = Client()

    visitor.get(other.get_absolute_url())
    response = visitor.get(product.get_absolute_url())  # from the cache
    html = response.content.decode()
    product_counters_flush()

    assert ProductRecord.objects.get(product=product).num_views == 2
    assert str(other.pk) in response.cookies["oscar_history"].value
    assert "Products you recently viewed" in html
    assert other.get_title() in html.split("Products you recently viewed")[1]
    assert "Products you recently viewed" not in _get(Client(), product.get_absolute_url())


def test_the_language_is_part_of_the_key(shop):
    product = shop["products"][0]
    Product.objects.filter(pk=product.pk).update(title_fa="زعفران سرگل")
    url = shop["urls"]["catalogue"]

    english = _get(Client(), url, HTTP_ACCEPT_LANGUAGE="en")
    persian = _get(Client(), url, HTTP_ACCEPT_LANGUAGE="fa")

    assert "Sargol saffron 4.6 g" in english
    assert "زعفران سرگل" in persian
    assert "زعفران سرگل" not in english


# --- a change shows at once ---------------------------------------------------------------


@pytest.mark.parametrize("page", ["catalogue", "category", "search", "product"])
def test_a_price_saved_shows_at_once(shop, page):
    url = shop["urls"][page]
    assert _price(4_500_000) in _get(Client(), url)
    record = StockRecord.objects.get(product=shop["products"][0])

    record.price = Decimal(4_900_000)
    record.save()
    html = _get(Client(), url)

    assert _price(4_900_000) in html
    assert _price(4_500_000) not in html


@pytest.mark.parametrize("page", ["catalogue", "category", "search", "product"])
def test_a_price_changed_by_queryset_update_shows_at_once(shop, page):
    url = shop["urls"][page]
    assert _price(4_500_000) in _get(Client(), url)

    StockRecord.objects.filter(product=shop["products"][0]).update(price=Decimal(3_900_000))
    html = _get(Client(), url)

    assert _price(3_900_000) in html
    assert _price(4_500_000) not in html


def test_stock_changed_by_queryset_update_shows_at_once(shop):
    url = shop["urls"]["product"]
    assert "In stock (7 available)" in _get(Client(), url)

    StockRecord.objects.filter(product=shop["products"][0]).update(num_in_stock=3)

    assert "In stock (3 available)" in _get(Client(), url)


def test_stock_allocated_by_checkout_shows_at_once(shop, iran):
    product = shop["products"][0]
    url = shop["urls"]["product"]
    assert "In stock (7 available)" in _get(Client(), url)
    basket = basket_build([(product, 2)])

    purchase_place(
        basket=basket,
        number="300001",
        user=None,
        guest_email="pilgrim@example.com",
        shipping_address=ShippingAddress(
            first_name="Reza", last_name="Karimi", line1="Imam Reza St 12", line4="Mashhad",
            country=iran,
        ),
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )  # fmt: skip

    assert StockRecord.objects.get(product=product).num_allocated == 2
    assert "In stock (5 available)" in _get(Client(), url)


def test_stock_sold_out_shows_at_once_on_every_page(shop):
    pages = shop["urls"]
    for url in pages.values():
        _get(Client(), url)

    StockRecord.objects.filter(product=shop["products"][0]).update(num_in_stock=0)

    assert "Unavailable" in _get(Client(), pages["product"])
    for page in ("catalogue", "category", "search"):
        card = _get(Client(), pages[page]).split("Sargol saffron 4.6 g")[-1]
        assert "Unavailable" in card.split("</article>")[0]


def test_a_suspended_merchants_goods_leave_the_listings_at_once(shop):
    pages = shop["urls"]
    for url in pages.values():
        assert "Sargol saffron 4.6 g" in _get(Client(), url)
    staff = municipal_staff_user()

    merchant_suspend(merchant_id=shop["merchant"].pk, actor=staff, reason="Licence expired")

    assert shop["merchant"].__class__.objects.get().status == MerchantStatus.SUSPENDED
    for page in ("catalogue", "category", "search"):
        assert "Sargol saffron 4.6 g" not in _get(Client(), pages[page])
    assert "Unavailable" in _get(Client(), pages["product"])


def test_a_merchant_suspended_by_queryset_update_shows_at_once(shop):
    url = shop["urls"]["catalogue"]
    assert "Sargol saffron 4.6 g" in _get(Client(), url)

    shop["merchant"].__class__.objects.update(status=MerchantStatus.SUSPENDED)

    assert "Sargol saffron 4.6 g" not in _get(Client(), url)


def test_a_category_renamed_by_queryset_update_shows_in_the_menus_at_once(shop):
    url = shop["urls"]["catalogue"]
    assert "Saffron" in _get(Client(), url)

    Category.objects.filter(name="Saffron").update(name="Saffron and spices")

    assert _get(Client(), url).count("Saffron and spices") >= 2  # navigation and side menus


def test_a_product_hidden_by_queryset_update_leaves_its_cached_page(shop):
    product = shop["products"][0]
    url = shop["urls"]["product"]
    _get(Client(), url)

    Product.objects.filter(pk=product.pk).update(is_public=False)

    assert Client().get(url).status_code == 404


# --- the content version ------------------------------------------------------------------


def test_the_content_versions_change_with_every_write_and_not_with_reads(shop):
    product = shop["products"][0]
    record = StockRecord.objects.get(product=product)
    before = content_versions()
    stamp = product_stamps([product.pk])

    list(StockRecord.objects.all())
    unchanged = (content_versions(), product_stamps([product.pk]))
    StockRecord.objects.filter(pk=record.pk).update(num_in_stock=5)
    after_stock = (content_versions(), product_stamps([product.pk]))
    record.refresh_from_db()
    record.price = Decimal(4_000_000)
    record.save()
    after_price = (content_versions(), product_stamps([product.pk]))

    assert unchanged == (before, stamp)
    # a stock change stamps the product only: what the listings hold and their order stay
    assert after_stock[0] == before
    assert after_stock[1] != stamp
    # a price change stamps the product and the listings (price order), not the rest
    assert after_price[1] != after_stock[1]
    assert after_price[0]["listing"] != before["listing"]
    assert after_price[0]["catalogue"] == before["catalogue"]
    assert after_price[0]["category"] == before["category"]


def test_a_rolled_back_write_never_brings_a_stamp_back(shop):
    product = shop["products"][0]
    before = product_stamps([product.pk])
    try:
        with transaction.atomic():
            StockRecord.objects.update(num_in_stock=1)
            inside = product_stamps([product.pk])
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert product_stamps([product.pk]) == before

    StockRecord.objects.update(num_in_stock=2)

    assert product_stamps([product.pk]) not in (before, inside)
