"""The listing and search queries use the indexes of catalogue migration 0034.

PostgreSQL uses an expression index only when the query's expression is identical to the
index's, so a change to the search document in the views without a matching migration would
silently turn every search into a sequential scan. Given a catalogue large enough for the planner
to care, with fresh statistics, the plan must name the index.
"""

from __future__ import annotations

import pytest
from django.db import connection

from marketplace.oscar_apps.search.views import product_list
from tests.search.factories import ProductClassFactory, ProductFactory

pytestmark = pytest.mark.django_db

CATALOGUE_SIZE = 2000


@pytest.fixture(autouse=True)
def _catalogue():
    goods = ProductClassFactory(slug="goods")
    ProductFactory._meta.model.objects.bulk_create(
        ProductFactory.build(
            product_class=goods,
            title_en=f"Pistachio box {number}",
            title_fa=f"جعبه پسته {number}",
            slug=f"pistachio-box-{number}",
        )
        for number in range(CATALOGUE_SIZE)
    )
    ProductFactory(product_class=goods, title_en="Negin saffron", title_fa="زعفران نگین")
    with connection.cursor() as cursor:
        # As autovacuum would: merge the GIN pending list (which the inserts above, and those of
        # earlier rolled-back tests, filled) into the index, then refresh the statistics.
        cursor.execute("SELECT gin_clean_pending_list('catalogue_product_search_gin'::regclass)")
        cursor.execute("ANALYZE catalogue_product")


@pytest.mark.parametrize(
    ("listing", "index"),
    [
        ({"query": "saffron"}, "catalogue_product_search_gin"),
        ({"query": "زعفران نگین", "sort": "newest"}, "catalogue_product_search_gin"),
        ({}, "catalogue_product_browse_idx"),
    ],
)
def test_listing_query_uses_its_index(listing, index):
    plan = product_list(**listing).products[:24].explain()

    assert index in plan, plan
