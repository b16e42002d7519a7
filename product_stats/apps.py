"""Oscar's product analytics counters, counted in Redis instead of PostgreSQL."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductStatsConfig(AppConfig):
    name = "product_stats"
    verbose_name = _("Product statistics")

    def ready(self) -> None:
        """Swap Oscar's product view, basket addition and purchase counters (one SQL write per
        event, on the storefront's hottest pages) for ours (one Redis increment per event)."""
        from oscar.apps.analytics import receivers as oscar_receivers
        from oscar.apps.basket.signals import basket_addition
        from oscar.apps.catalogue.signals import product_viewed
        from oscar.apps.order.signals import order_placed

        from product_stats import receivers

        product_viewed.disconnect(oscar_receivers.receive_product_view)
        basket_addition.disconnect(oscar_receivers.receive_basket_addition)
        order_placed.disconnect(oscar_receivers.receive_order_placed)
        product_viewed.connect(receivers.product_viewed_count, dispatch_uid="product_stats.viewed")
        basket_addition.connect(
            receivers.basket_addition_count, dispatch_uid="product_stats.basket_addition"
        )
        order_placed.connect(receivers.order_placed_count, dispatch_uid="product_stats.order")
