"""Cached pages are invalidated per product: a change shows on the next request on every page
showing the product, while pages not showing it stay cached (catalogue migration 0036,
``caching.page_serve``). A stale price or stock is a bug."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from catalogue_imports.services import catalogue_import_run
from marketplace.oscar_apps.catalogue.caching import product_stamps
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from tests.catalogue_imports.files import catalogue_csv, catalogue_row
from tests.customs.factories import hs_codes_ensure
from tests.merchants.factories import MerchantFactory
from tests.search.factories import CategoryFactory, ProductFactory, StockRecordFactory
from tests.shop import basket_build

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ShippingAddress = get_model("order", "ShippingAddress")
StockRecord = get_model("partner", "StockRecord")


def _price(amount: int) -> str:
    with translation.override("en"):
        return currency(Decimal(amount), "IRR")


def _get(url: str) -> tuple[str, bool]:
    """The page for a new anonymous visitor, and whether it came from the cache (a hit costs
    one query and renders nothing)."""
    with CaptureQueriesContext(connection) as ctx:
        response = Client().get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode(), len(ctx.captured_queries) == 1


@pytest.fixture
def shop(db, iran):
    """Saffron (two products) and Carpets (one product, another merchant); every page cached."""
    saffron = CategoryFactory(name="Saffron", name_en="Saffron")
    carpets = CategoryFactory(name="Carpets", name_en="Carpets")
    spice_house = MerchantFactory(name_en="Novin Saffron House")
    carpet_house = MerchantFactory(name_en="Vakil Carpet Bazaar")
    goods = {}
    for key, title, price, category, merchant in (
        ("sargol", "Sargol saffron 4.6 g", 4_500_000, saffron, spice_house),
        ("negin", "Negin saffron 2.3 g", 2_300_000, saffron, spice_house),
        ("rug", "Kashmar wool rug", 30_000_000, carpets, carpet_house),
    ):
        product = ProductFactory(title=title, title_en=title, categories=[category])
        StockRecordFactory(
            product=product, partner=merchant.partner, price=Decimal(price), num_in_stock=7
        )
        goods[key] = product
    urls = {
        "catalogue": "/catalogue/",
        "saffron": saffron.get_absolute_url(),
        "carpets": carpets.get_absolute_url(),
        "search": "/search/?q=saffron",
        **{key: product.get_absolute_url() for key, product in goods.items()},
    }
    for url in urls.values():
        _get(url)
    return {"goods": goods, "urls": urls, "categories": {"saffron": saffron, "carpets": carpets}}


def _checkout(product, quantity: int, iran) -> None:
    purchase_place(
        basket=basket_build([(product, quantity)]),
        number=f"5{product.pk:05d}{quantity}",
        user=None,
        guest_email="pilgrim@example.com",
        shipping_address=ShippingAddress(
            first_name="Reza", last_name="Karimi", line1="Imam Reza St 12", line4="Mashhad",
            country=iran,
        ),
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )  # fmt: skip


def test_a_checkout_re_renders_only_the_pages_showing_what_it_sold(shop, iran):
    urls = shop["urls"]
    assert "In stock (7 available)" in _get(urls["sargol"])[0]

    # when a buyer checks out 2 Sargol saffron
    _checkout(shop["goods"]["sargol"], 2, iran)

    # then its page shows the new stock at once
    html, hit = _get(urls["sargol"])
    assert "In stock (5 available)" in html
    assert not hit
    # and the pages not showing it are still served from the cache
    for page in ("negin", "rug", "carpets"):
        assert _get(urls[page])[1], page
    # and the listings showing it are rendered again
    for page in ("catalogue", "saffron", "search"):
        assert not _get(urls[page])[1], page


def test_stock_sold_out_through_checkout_shows_on_every_listing_at_once(shop, iran):
    urls = shop["urls"]

    _checkout(shop["goods"]["sargol"], 7, iran)

    assert "Unavailable" in _get(urls["sargol"])[0]
    for page in ("catalogue", "saffron", "search"):
        card = _get(urls[page])[0].split("Sargol saffron 4.6 g")[-1]
        assert "Unavailable" in card.split("</article>")[0], page
    assert "In stock (7 available)" in _get(urls["negin"])[0]


def test_a_price_change_shows_at_once_and_leaves_other_product_pages_cached(shop):
    urls = shop["urls"]
    record = StockRecord.objects.get(product=shop["goods"]["sargol"])

    record.price = Decimal(4_900_000)
    record.save()

    for page in ("sargol", "catalogue", "saffron", "search"):
        html, hit = _get(urls[page])
        assert _price(4_900_000) in html, page
        assert _price(4_500_000) not in html, page
        assert not hit
    # the other products' pages do not show it
    assert _get(urls["negin"])[1]
    assert _get(urls["rug"])[1]


def test_a_title_change_shows_at_once_on_its_page_and_in_the_listings(shop):
    urls = shop["urls"]

    Product.objects.filter(pk=shop["goods"]["sargol"].pk).update(
        title="Super Negin saffron", title_en="Super Negin saffron"
    )

    for page in ("sargol", "catalogue", "saffron", "search"):
        html = _get(urls[page])[0]
        assert "Super Negin saffron" in html, page
        assert "Sargol saffron 4.6 g" not in html, page
    assert _get(urls["rug"])[1]


def test_a_category_membership_change_shows_at_once_on_both_category_pages(shop):
    urls = shop["urls"]
    rug = shop["goods"]["rug"]

    ProductCategory.objects.filter(product=rug).update(category=shop["categories"]["saffron"])

    assert "Kashmar wool rug" in _get(urls["saffron"])[0]
    assert "Kashmar wool rug" not in _get(urls["carpets"])[0]
    assert _get(urls["negin"])[1]


def test_a_recommended_products_stock_shows_on_the_page_recommending_it(shop, iran):
    from oscar.core.loading import get_model

    recommendation = get_model("catalogue", "ProductRecommendation")
    negin, sargol = shop["goods"]["negin"], shop["goods"]["sargol"]
    recommendation.objects.create(primary=negin, recommendation=sargol, ranking=1)
    assert "Sargol saffron 4.6 g" in _get(shop["urls"]["negin"])[0]
    assert _get(shop["urls"]["negin"])[1]

    _checkout(sargol, 7, iran)

    html, hit = _get(shop["urls"]["negin"])
    assert not hit
    card = html.split("Sargol saffron 4.6 g")[-1]
    assert "Unavailable" in card.split("</article>")[0]


def test_stock_and_price_changed_by_a_catalogue_import_show_at_once(db):
    hs_codes_ensure()
    CategoryFactory(name="Saffron", name_en="Saffron", name_fa="زعفران")
    merchant = MerchantFactory(slug="zaferan", name_en="Zaferan House")
    rows = [catalogue_row("SAF-1"), catalogue_row("SAF-2")]

    def run(data):
        result = catalogue_import_run(
            file=io.BytesIO(catalogue_csv(data)), filename="catalogue.csv", merchant=merchant
        )
        assert result.failed == 0, result.errors

    run(rows)
    first, second = (
        StockRecord.objects.get(partner=merchant.partner, partner_sku=sku).product
        for sku in ("SAF-1", "SAF-2")
    )
    for product in (first, second):
        assert "In stock (10 available)" in _get(product.get_absolute_url())[0]

    # when a re-import changes the first product's stock
    run([{**rows[0], "stock": "4"}, rows[1]])

    # then its page shows it, and the other product's page is still the cached one
    assert "In stock (4 available)" in _get(first.get_absolute_url())[0]
    assert _get(second.get_absolute_url())[1]

    # and when one changes its price, the page shows the new price
    run([{**rows[0], "stock": "4", "price": "1300000"}, rows[1]])
    html = _get(first.get_absolute_url())[0]
    assert _price(1_300_000) in html
    assert _price(1_250_000) not in html


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_pages_are_rendered_in_one_snapshot_and_checked_the_same_way(iran):
    # given no request-wide transaction, as under gunicorn (a page is then rendered and its
    # product stamps read in one REPEATABLE READ snapshot)
    merchant = MerchantFactory()
    products = []
    for title in ("Sargol saffron 4.6 g", "Kashmar wool rug"):
        product = ProductFactory(title=title, title_en=title)
        StockRecordFactory(
            product=product, partner=merchant.partner, price=Decimal(1_000_000), num_in_stock=7
        )
        products.append(product)
    sargol, rug = products
    for product in products:
        assert "In stock (7 available)" in _get(product.get_absolute_url())[0]
        assert _get(product.get_absolute_url())[1]

    StockRecord.objects.filter(product=sargol).update(num_in_stock=3)

    assert "In stock (3 available)" in _get(sargol.get_absolute_url())[0]
    assert _get(sargol.get_absolute_url())[1]
    assert _get(rug.get_absolute_url())[1]


def test_a_variants_stock_price_or_removal_stamps_its_parent(db):
    # given a parent product with two variants (the parent's card and page show the variants)
    parent = ProductFactory(title="Saffron", title_en="Saffron", structure="parent")
    small, large = (
        ProductFactory(title=title, title_en=title, structure="child", parent=parent)
        for title in ("Saffron 2.3 g", "Saffron 4.6 g")
    )
    record = StockRecordFactory(product=small, price=Decimal(2_300_000), num_in_stock=3)
    ids = [parent.pk, large.pk]
    stamps = [product_stamps(ids)]

    # when a variant's stock changes, then its price, then the other variant is deleted
    StockRecord.objects.filter(pk=record.pk).update(num_in_stock=2)
    stamps.append(product_stamps(ids))
    StockRecord.objects.filter(pk=record.pk).update(price=Decimal(2_400_000))
    stamps.append(product_stamps(ids))
    large.delete()
    stamps.append(product_stamps(ids))

    # then each write stamped the parent anew, and only the deletion the other variant
    assert len({stamp[str(parent.pk)] for stamp in stamps}) == 4
    assert len({stamp[str(ids[1])] for stamp in stamps[:3]}) == 1
    assert stamps[3][str(ids[1])] != stamps[2][str(ids[1])]
