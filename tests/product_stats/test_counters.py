"""Oscar's product analytics counted in Redis (``product_stats``) and flushed into ProductRecord:
the same figures as Oscar's own receivers, without a PostgreSQL write on the storefront's pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from product_stats import services
from product_stats.services import (
    product_counters_flush,
    product_counters_increment,
    product_counters_pending,
)
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from tests.merchants.factories import UserFactory
from tests.shop import basket_build

pytestmark = pytest.mark.django_db

ProductRecord = get_model("analytics", "ProductRecord")
UserProductView = get_model("analytics", "UserProductView")
ShippingAddress = get_model("order", "ShippingAddress")

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def _record(product) -> tuple[int, int, int]:
    record = ProductRecord.objects.get(product=product)
    return record.num_views, record.num_basket_additions, record.num_purchases


def test_n_product_page_views_write_nothing_to_postgresql_and_flush_as_n_views(bazaar):
    # given a product page, viewed by new anonymous visitors (the first renders, the rest hit)
    _merchant, product = bazaar[0]
    views = 5

    for n in range(views):
        with CaptureQueriesContext(connection) as ctx:
            response = Client().get(product.get_absolute_url())
        # then no view writes to PostgreSQL (the first render stores its thumbnail's size, once)
        assert response.status_code == 200
        writes = _writes(ctx)
        assert [sql for sql in writes if '"thumbnail_kvstore"' not in sql] == []
        assert n == 0 or writes == []

    assert not ProductRecord.objects.filter(product=product).exists()
    assert product_counters_pending()["num_views"] == {product.pk: views}

    # when the counters are flushed
    written = product_counters_flush()

    # then Oscar's record holds exactly the views, and nothing is left pending
    assert written == 1
    assert _record(product) == (views, 0, 0)
    assert product_counters_pending()["num_views"] == {}
    # and a second flush adds nothing; later views add to the record
    assert product_counters_flush() == 0
    Client().get(product.get_absolute_url())
    product_counters_flush()
    assert _record(product) == (views + 1, 0, 0)


def test_basket_additions_and_purchases_are_counted_as_oscar_counts_them(bazaar, iran):
    (_m1, saffron), (_m2, rug), _ = bazaar
    buyer = Client()
    for product in (saffron, saffron, rug):
        added = buyer.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
        assert added.status_code == 302
    basket = basket_build([(saffron, 2), (rug, 1)])

    with CaptureQueriesContext(connection) as ctx:
        purchase_place(
            basket=basket,
            number="410001",
            user=None,
            guest_email="pilgrim@example.com",
            shipping_address=ShippingAddress(
                first_name="Reza", last_name="Karimi", line1="Imam Reza St 12",
                line4="Mashhad", country=iran,
            ),
            billing_address=None,
            shipping_method=MerchantDelivery("IR"),
        )  # fmt: skip
    product_counters_flush()

    assert not [
        sql for sql in _writes(ctx) if 'INTO "analytics_' in sql or 'UPDATE "analytics_' in sql
    ]
    assert _record(saffron) == (0, 2, 2)
    assert _record(rug) == (0, 1, 1)


def test_counts_of_an_existing_record_are_added_to_it(bazaar):
    _merchant, product = bazaar[0]
    ProductRecord.objects.create(product=product, num_views=10, num_basket_additions=3)

    product_counters_increment(field="num_views", counts={product.pk: 4})
    product_counters_increment(field="num_basket_additions", counts={product.pk: 1})
    product_counters_flush()

    assert _record(product) == (14, 4, 0)


def test_counts_of_a_product_deleted_before_the_flush_are_dropped(bazaar):
    (_m1, kept), (_m2, deleted), _ = bazaar
    product_counters_increment(field="num_views", counts={kept.pk: 1, deleted.pk: 2})
    deleted_pk = deleted.pk
    deleted.delete()

    product_counters_flush()

    assert _record(kept) == (1, 0, 0)
    assert not ProductRecord.objects.filter(product_id=deleted_pk).exists()
    assert product_counters_pending()["num_views"] == {}


def test_a_signed_in_visitor_still_gets_oscars_per_user_view_history(bazaar):
    _merchant, product = bazaar[0]
    customer = Client()
    user = UserFactory()
    customer.force_login(user)

    customer.get(product.get_absolute_url())
    product_counters_flush()

    assert UserProductView.objects.filter(user=user, product=product).count() == 1
    assert _record(product) == (1, 0, 0)


def test_an_unknown_counter_is_refused_by_name():
    with pytest.raises(ValueError, match="field: unknown product counter 'num_likes'"):
        product_counters_increment(field="num_likes", counts={1: 1})


def test_with_redis_unreachable_the_product_page_still_answers_and_writes_nothing(
    bazaar, monkeypatch
):
    _merchant, product = bazaar[0]
    monkeypatch.setattr(settings, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setattr(services, "_client", None)

    Client().get(product.get_absolute_url())  # renders the page (and stores its thumbnail)

    with CaptureQueriesContext(connection) as ctx:
        response = Client().get(product.get_absolute_url())

    assert response.status_code == 200
    assert _writes(ctx) == []
    assert not ProductRecord.objects.filter(product=product).exists()


def test_the_flush_runs_every_minute_on_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["product-stats-flush"]
    assert (entry["task"], entry["schedule"]) == ("product_stats.counters_flush", 60)
