"""The product page costs a bounded number of SQL queries, whatever the catalogue around it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from tests.merchants.factories import MerchantFactory
from tests.search.factories import ProductFactory, StockRecordFactory

pytestmark = pytest.mark.django_db

ProductRecommendation = get_model("catalogue", "ProductRecommendation")


def _goods(title: str, merchants: int = 1):
    product = ProductFactory(title=title, title_en=title)
    for _ in range(merchants):
        StockRecordFactory(
            product=product, partner=MerchantFactory().partner, price=Decimal(1_000_000)
        )
    return product


def _queries(client, product, *, history=()) -> tuple[int, str]:
    client.cookies.clear()
    for seen in history:  # the recently viewed products cookie
        client.get(seen.get_absolute_url())
    client.get(product.get_absolute_url())  # warm caches (site, categories, merchant statuses)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _recommend(product, others):
    for ranking, other in enumerate(others):
        ProductRecommendation.objects.create(primary=product, recommendation=other, ranking=ranking)


def test_product_page_queries_do_not_grow_with_the_catalogue_or_recommendations(client):
    # given a product with 2 recommendations in a catalogue of 5 products
    small = _goods("Sargol saffron")
    _recommend(small, [_goods(f"Small shop item {i}") for i in range(2)])
    for i in range(2):
        _goods(f"Filler {i}")
    small_count, small_html = _queries(client, small)

    # and a product with 8 recommendations, each sold by two merchants, in a larger catalogue
    large = _goods("Kashmar rug", merchants=2)
    _recommend(large, [_goods(f"Big shop item {i}", merchants=2) for i in range(8)])
    for i in range(20):
        _goods(f"More filler {i}")
    large_count, large_html = _queries(client, large)

    # then both pages show their recommendations and cost the same number of queries
    assert "Small shop item 1" in small_html
    assert "Big shop item 7" in large_html
    assert small_count == large_count
    assert large_count <= 30


def test_product_page_queries_do_not_grow_with_the_recently_viewed_products(client):
    product = _goods("Sargol saffron")
    seen = [_goods(f"Seen {i}", merchants=2) for i in range(8)]

    one_count, one_html = _queries(client, product, history=seen[:1])
    eight_count, eight_html = _queries(client, product, history=seen)

    # Oscar's partial shows the six most recent
    assert "Seen 0" in one_html
    assert [f"Seen {i}" in eight_html for i in range(8)] == [False] * 2 + [True] * 6
    assert one_count == eight_count
