"""Oscar's checkout app (no models), forked to split a basket into one order per merchant.

Overrides, each a few lines that delegate to ``purchases``:
- ``session.CheckoutSessionMixin.get_shipping_method``: per-merchant delivery;
- ``mixins.OrderPlacementMixin.handle_order_placement``: ``purchases.services.purchase_place``;
- ``views.ShippingMethodView.get_available_shipping_methods`` and ``views.ThankYouView``.
"""

import oscar.apps.checkout.apps as apps


class CheckoutConfig(apps.CheckoutConfig):
    name = "marketplace.oscar_apps.checkout"
