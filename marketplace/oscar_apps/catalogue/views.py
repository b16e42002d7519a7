"""The product page with its recommended and recently viewed products loaded in a fixed number of
queries (Oscar renders each of them with ``render_product``, one set of queries per product), served
from the page cache to anonymous visitors (``caching.py``)."""

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

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ids = list(
            self.object.primary_recommendations.values_list("recommendation_id", flat=True)[
                :RECOMMENDATIONS_SHOWN
            ]
        )
        ctx["recommended_products"] = products_in_order(ids)
        return ctx
