from oscar.apps.checkout import mixins

from purchases.services import purchase_place


class OrderPlacementMixin(mixins.OrderPlacementMixin):
    def handle_order_placement(
        self,
        order_number,
        user,
        basket,
        shipping_address,
        shipping_method,
        shipping_charge,
        billing_address,
        order_total,
        surcharges=None,
        **kwargs,
    ):
        """Place one purchase with one order per merchant (``purchases.services.purchase_place``).

        Raises the purchase errors (subclasses of Oscar's UnableToPlaceOrder), which Oscar's
        checkout shows on the preview page with the basket restored.
        """
        shipping_address = self.create_shipping_address(user, shipping_address)
        billing_address = self.create_billing_address(
            user, billing_address, shipping_address, **kwargs
        )
        purchase = purchase_place(
            basket=basket,
            number=order_number,
            user=user,
            guest_email=self.checkout_session.get_guest_email() or "",
            shipping_address=shipping_address,
            billing_address=billing_address,
            shipping_method=shipping_method,
            status=kwargs.get("status") or self.get_initial_order_status(basket),
            request=self.request,
        )
        basket.submit()
        return self.handle_successful_purchase(purchase)

    def handle_successful_purchase(self, purchase):
        """One confirmation (queued by the service) for the purchase; the thank-you page shows it."""
        parts = list(purchase.merchant_orders.select_related("order").order_by("sequence"))
        self.checkout_session.flush()
        self.request.session["checkout_purchase_id"] = purchase.pk
        self.request.session["checkout_order_id"] = parts[0].order.pk
        response = mixins.HttpResponseRedirect(self.get_success_url())
        for part in parts:
            self.send_signal(self.request, response, part.order)
        return response
