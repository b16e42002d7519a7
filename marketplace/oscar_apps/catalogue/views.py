"""The product page with its recommended and recently viewed products loaded in a fixed number of
queries (Oscar renders each of them with ``render_product``, one set of queries per product), served
from the page cache to anonymous visitors (``caching.py``)."""

from django.db import DatabaseError, connection, transaction
from oscar.apps.catalogue import views
from oscar.core.loading import get_model

from marketplace.oscar_apps.catalogue.caching import page_serve
from marketplace.oscar_apps.search.views import products_with_listing_relations

Product = get_model("catalogue", "Product")

RECOMMENDATIONS_SHOWN = 6  # what Oscar's detail template shows


def products_in_order(ids: list[int]) -> list:
    """Browsable products with ``ids``, in that order, with what product cards read prefetched."""
    found = products_with_listing_relations(Product.objects.browsable().filter(pk__in=ids))
    by_id = {product.pk: product for product in found}
    return [by_id[pk] for pk in ids if pk in by_id]


class ProductDetailView(views.ProductDetailView):
    def get(self, request, *args, **kwargs):
        """Oscar's product page; for anonymous visitors from the page cache when it holds this
        URL, still sending ``product_viewed`` (analytics, the recently viewed cookie).

        A page is stored only as a 200 answer for its exact path, and the key changes with any
        write to the product, so a hit needs none of Oscar's path or visibility checks again.
        """

        def viewed(response):
            self.send_signal(request, response, self.get_object())

        return page_serve(
            request,
            "product",
            lambda: super(ProductDetailView, self).get(request, *args, **kwargs),
            on_hit=viewed,
        )

    def send_signal(self, request, response, product):
        """Oscar's ``product_viewed`` (its analytics view counter, the recently viewed cookie),
        committed without waiting for the disk (``synchronous_commit`` off for that transaction).

        Why: the counter is one ``UPDATE ... SET num_views = num_views + 1`` per view, and each
        view of a product otherwise waits for a WAL flush while holding the counter's row lock,
        which made every product page cost a disk flush, one view at a time. Should PostgreSQL
        crash, the counters may miss the last moment of views; nothing else is written here.
        Inside a caller's transaction it sends the signal as Oscar does. When the counter's
        first row is created by two views at once, Oscar's own recovery needs autocommit, so the
        signal is sent again that way.
        """
        if connection.in_atomic_block:
            return super().send_signal(request, response, product)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                super().send_signal(request, response, product)
        except DatabaseError:
            super().send_signal(request, response, product)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ids = list(
            self.object.primary_recommendations.values_list("recommendation_id", flat=True)[
                :RECOMMENDATIONS_SHOWN
            ]
        )
        ctx["recommended_products"] = products_in_order(ids)
        return ctx
