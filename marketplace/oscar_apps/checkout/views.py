from oscar.apps.checkout import views

from purchases.models import Purchase
from purchases.selectors import purchase_with_parts
from purchases.shipping import Repository


class ShippingMethodView(views.ShippingMethodView):
    def get_available_shipping_methods(self):
        return Repository().get_shipping_methods(
            basket=self.request.basket,
            user=self.request.user,
            shipping_addr=self.get_shipping_address(self.request.basket),
            request=self.request,
        )


class ThankYouView(views.ThankYouView):
    """Shows the whole purchase: one confirmation with each merchant's part."""

    template_name = "oscar/checkout/thank_you.html"

    def get_context_data(self, *args, **kwargs):
        ctx = super().get_context_data(*args, **kwargs)
        purchase_id = self.request.session.get("checkout_purchase_id")
        merchant_order = getattr(self.object, "merchant_order", None)
        if merchant_order is not None:
            purchase_id = merchant_order.purchase_id
        if purchase_id is not None:
            try:
                purchase = purchase_with_parts(purchase_id=purchase_id)
            except Purchase.DoesNotExist:
                return ctx
            ctx["purchase"] = purchase
            ctx["parts"] = list(purchase.merchant_orders.all())
        return ctx
