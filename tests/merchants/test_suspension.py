"""A suspended merchant's goods leave the storefront and cannot be bought, even from old baskets.

Enforced by the partner strategy (``marketplace.oscar_apps.partner.strategy``), the listing filter
(``merchants.selectors.product_filter_trading`` in the search app's ``product_list``) and, at the
last moment, by ``purchases.services.purchase_place``.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags
from oscar.core.loading import get_class, get_model

from merchants import services
from merchants.models import MerchantStatus
from purchases.exceptions import MerchantUnavailable
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from tests.merchants.factories import MerchantFactory
from tests.search.factories import (
    CategoryFactory,
    ChildProductFactory,
    ParentProductFactory,
    PartnerFactory,
    ProductFactory,
    StockRecordFactory,
)

Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Selector = get_class("partner.strategy", "Selector")

pytestmark = pytest.mark.django_db


def goods(partner, title: str, *, categories=()):
    product = ProductFactory(title_en=title, title=title, categories=list(categories))
    StockRecordFactory(product=product, partner=partner, price=Decimal(900_000))
    return product


def shown_titles(response) -> list[str]:
    assert response.status_code == 200
    cards = re.findall(
        r'<h3 class="mt-3">\s*<a href="[^"]*" title="([^"]*)"', response.content.decode()
    )
    return sorted(html.unescape(title) for title in cards)


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", strip_tags(response.content.decode())))


@pytest.fixture
def market(db):
    """A trading merchant, a suspended one, and a partner without a merchant row."""
    saffron = CategoryFactory(name="Saffron")
    trading = MerchantFactory(name_en="Novin Saffron")
    suspended = MerchantFactory(name_en="Shady Saffron", status=MerchantStatus.SUSPENDED)
    plain = PartnerFactory(code="no-merchant")
    return {
        "category": saffron,
        "trading": trading,
        "suspended": suspended,
        "good": goods(trading.partner, "Negin saffron tin", categories=[saffron]),
        "bad": goods(suspended.partner, "Shady saffron tin", categories=[saffron]),
        "plain": goods(plain, "Plain saffron tin", categories=[saffron]),
    }


# --- listing --------------------------------------------------------------------------------


def test_catalogue_category_and_search_hide_a_suspended_merchants_goods(client, market):
    expected = ["Negin saffron tin", "Plain saffron tin"]

    assert shown_titles(client.get("/catalogue/")) == expected
    assert shown_titles(client.get(market["category"].get_absolute_url())) == expected
    assert shown_titles(client.get("/search/", {"q": "saffron"})) == expected


def test_a_parent_whose_variants_a_suspended_merchant_sells_is_hidden(client, market):
    parent = ParentProductFactory(title_en="Shady gift set", title="Shady gift set")
    StockRecordFactory(
        product=ChildProductFactory(parent=parent), partner=market["suspended"].partner
    )

    assert "Shady gift set" not in shown_titles(client.get("/catalogue/"))


def test_suspending_hides_and_reinstating_shows_again(client, market, reviewer):
    merchant = market["trading"]

    services.merchant_suspend(merchant_id=merchant.pk, actor=reviewer, reason="Inspection.")
    assert shown_titles(client.get("/catalogue/")) == ["Plain saffron tin"]
    assert client.get(f"/merchants/{merchant.slug}/").status_code == 404

    services.merchant_reinstate(merchant_id=merchant.pk, actor=reviewer, reason="Passed.")
    assert shown_titles(client.get("/catalogue/")) == ["Negin saffron tin", "Plain saffron tin"]
    assert client.get(f"/merchants/{merchant.slug}/").status_code == 200


# --- strategy -------------------------------------------------------------------------------


def test_the_strategy_refuses_only_goods_of_merchants_not_trading(market):
    strategy = Selector().strategy()

    def available(product) -> bool:
        return strategy.fetch_for_product(product).availability.is_available_to_buy

    assert available(market["good"])
    assert available(market["plain"])  # partners without a merchant keep Oscar's rules
    info = strategy.fetch_for_product(market["bad"])
    assert not info.availability.is_available_to_buy
    assert info.availability.is_purchase_permitted(1) == (False, "its merchant is not trading")
    assert str(info.availability.message) == (
        "Unavailable: this merchant is not trading at the moment"
    )


def test_the_strategy_reads_merchant_statuses_once_then_from_the_cache(market):
    for number in range(10):
        goods(market["suspended"].partner, f"Shady {number}")
        goods(market["trading"].partner, f"Negin {number}")
    # stock records without their partner; product classes joined (Oscar's stock rule reads them)
    products = list(
        Product.objects.select_related("product_class").prefetch_related("stockrecords")
    )

    def verdicts() -> tuple[list[bool], int]:
        strategy = Selector().strategy()  # one per request, as the basket middleware makes
        with CaptureQueriesContext(connection) as queries:
            result = [
                strategy.fetch_for_product(p).availability.is_available_to_buy for p in products
            ]
        return result, len(queries.captured_queries)

    first, first_queries = verdicts()
    second, second_queries = verdicts()

    assert first.count(False) == 11 and first == second
    assert (first_queries, second_queries) == (1, 0)  # then the cache answers


def test_a_status_change_reaches_the_strategy_at_once(market, reviewer):
    product = market["good"]
    assert Selector().strategy().fetch_for_product(product).availability.is_available_to_buy

    services.merchant_suspend(merchant_id=market["trading"].pk, actor=reviewer, reason="Audit.")

    assert not Selector().strategy().fetch_for_product(product).availability.is_available_to_buy


def test_the_strategy_needs_no_query_when_the_merchant_was_joined(market):
    stockrecords = StockRecord.objects.select_related("partner__merchant")
    products = list(
        Product.objects.select_related("product_class").prefetch_related(
            Prefetch("stockrecords", stockrecords)
        )
    )
    strategy = Selector().strategy()

    with CaptureQueriesContext(connection) as queries:
        verdicts = {
            p.title: strategy.fetch_for_product(p).availability.is_available_to_buy
            for p in products
        }

    assert queries.captured_queries == []
    assert verdicts == {
        "Negin saffron tin": True,
        "Shady saffron tin": False,
        "Plain saffron tin": True,
    }


# --- old baskets ----------------------------------------------------------------------------


def test_an_old_basket_line_becomes_unavailable_and_checkout_refuses(
    client, market, reviewer, settings
):
    merchant, product = market["trading"], market["good"]
    response = client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    assert response.status_code == 302
    basket = Basket.objects.get()
    assert basket.num_items == 1

    services.merchant_suspend(merchant_id=merchant.pk, actor=reviewer, reason="Inspection.")

    basket_page = page_text(client.get("/basket/"))
    assert "'Negin saffron tin' is no longer available" in basket_page
    assert "Unavailable: this merchant is not trading at the moment" in basket_page

    checkout = client.get("/checkout/", follow=True)
    assert checkout.redirect_chain[-1][0] == "/basket/"
    assert (
        "'Negin saffron tin' is no longer available to buy (its merchant is not trading)"
        in page_text(checkout)
    )

    basket.strategy = Selector().strategy()
    with pytest.raises(MerchantUnavailable):
        purchase_place(
            basket=basket,
            number="100777",
            user=None,
            guest_email="pilgrim@example.com",
            shipping_address=None,
            billing_address=None,
            shipping_method=MerchantDelivery("IR"),
        )
