from oscar.apps.dashboard.catalogue import views

from merchants.dashboard.selectors import dashboard_products, dashboard_stock_alerts


class ProductLookupView(views.ProductLookupView):
    """The JSON product lookup behind the "upselling" picker.

    Oscar returns every public product to any dashboard user (including ``?initial=<pk>`` for a
    product they cannot otherwise see); ours returns only the products the user may see.
    """

    def get_queryset(self):
        return dashboard_products(user=self.request.user, queryset=super().get_queryset())


class StockAlertListView(views.StockAlertListView):
    """Low-stock alerts, of the user's own stock records unless they are an administrator."""

    def get_queryset(self):
        return dashboard_stock_alerts(user=self.request.user, queryset=super().get_queryset())
