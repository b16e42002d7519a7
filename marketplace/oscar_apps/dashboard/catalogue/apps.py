"""Oscar's catalogue dashboard with merchant staff scoped to their own products and stock.

Overrides (see ``marketplace/oscar_apps/README.md``): ``utils.partner_product_visibility_q``
(used by Oscar's product list, edit, delete and bulk actions) delegates to
``merchants.dashboard.selectors``; ``views.ProductLookupView`` and ``views.StockAlertListView``
are scoped the same way, and merchant staff may open the stock alerts of their own stock.
"""

from oscar.apps.dashboard.catalogue import apps
from oscar.core.loading import get_class


class CatalogueDashboardConfig(apps.CatalogueDashboardConfig):
    name = "marketplace.oscar_apps.dashboard.catalogue"

    def configure_permissions(self):
        super().configure_permissions()
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        self.permissions_map["stock-alert-list"] = (
            DashboardPermission.get("partner", "view_stockalert"),
            DashboardPermission.partner_dashboard_access,
        )
