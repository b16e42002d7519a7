"""The product page with its recommended and recently viewed products loaded in a fixed number of
queries (Oscar renders each of them with ``render_product``, one set of queries per product), served
from the page cache to anonymous visitors (``caching.py``)."""

from django.db.models import Prefetch
from oscar.apps.catalogue import views
from oscar.core.loading import get_model

from marketplace.oscar_apps.catalogue.caching import (
    PRODUCT_VERSIONS,
    page_products_add,
    page_serve,
)
from marketplace.oscar_apps.search.views import products_with_listing_relations

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

RECOMMENDATIONS_SHOWN = 6  # what Oscar's detail template shows


def products_in_order(ids: list[int]) -> list:
    """Browsable products with ``ids``, in that order, with what product cards read prefetched."""
    found = products_with_listing_relations(Product.objects.browsable().filter(pk__in=ids))
    by_id = {product.pk: product for product in found}
    return [by_id[pk] for pk in ids if pk in by_id]


class ProductDetailView(views.ProductDetailView):
    def get(self, request, *args, **kwargs):
        """Oscar's product page; for anonymous visitors from the page cache when it holds this
        URL, still sending ``product_viewed`` (the view counter, the recently viewed cookie).

        A page is stored only as a 200 answer for its exact path, and it is served only while
        the product and every product it shows are unchanged (``caching.page_serve``), so a hit
        needs none of Oscar's path or visibility checks again, nor the product row: the signal's
        receivers (``product_stats``' counter in Redis, Oscar's history cookie) read its id only.
        """

        def viewed(response):
            self.send_signal(request, response, Product(pk=int(kwargs["pk"])))

        return page_serve(
            request,
            "product",
            lambda: super(ProductDetailView, self).get(request, *args, **kwargs),
            versions=PRODUCT_VERSIONS,
            on_hit=viewed,
        )

    def get_queryset(self):
        """Oscar's product with what its page reads loaded with it: the product class (template
        choice, stock tracking), the parent, and the stock records with partner and merchant
        (price, availability, the merchant's trading status), instead of one query per use."""
        stockrecords = StockRecord.objects.select_related("partner__merchant")
        return (
            super()
            .get_queryset()
            .select_related("product_class", "parent")
            .prefetch_related(Prefetch("stockrecords", queryset=stockrecords))
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ids = list(
            self.object.primary_recommendations.values_list("recommendation_id", flat=True)[
                :RECOMMENDATIONS_SHOWN
            ]
        )
        ctx["recommended_products"] = products_in_order(ids)
        # the page shows this product (a variant: its parent too) and its recommendations (their
        # cards add themselves); a stock change of a variant stamps its parent as well
        page_products_add(self.request, [self.object.pk, self.object.parent_id])
        return ctx
