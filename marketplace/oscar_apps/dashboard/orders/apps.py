"""Oscar's orders dashboard with merchant staff scoped to their own single-merchant orders.

Overrides (see ``marketplace/oscar_apps/README.md``) the five views that call Oscar's
``queryset_orders_for_user``, which lets partner staff see any order holding one of their lines
together with every other merchant's lines (Oscar #2240). Ours delegate to
``merchants.dashboard.selectors.dashboard_orders`` and ``dashboard_order_lines``.

The order list and detail views also change an order's status through
``views.AtomicStatusEventHandler`` (``handler_class``): the status and what its receivers record
(settlement starts a delivered merchant order's hold) commit together, and a cross-border
merchant order cannot be marked "Shipped" before customs released it
(``customs.selectors.order_shipment_check``: refused with a message, nothing changed).
"""

from oscar.apps.dashboard.orders import apps


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    name = "marketplace.oscar_apps.dashboard.orders"
