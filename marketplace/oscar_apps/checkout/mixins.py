import logging

from oscar.apps.checkout import mixins
from oscar.apps.order.exceptions import UnableToPlaceOrder

from payments.exceptions import PaymentsError
from payments.services import (
    payment_capture_quietly,
    payment_purchase_place,
    payment_release_unplaced,
)
from purchases.services import purchase_place

logger = logging.getLogger("oscar.checkout")


class OrderPlacementMixin(mixins.OrderPlacementMixin):
    #: The payment ``handle_payment`` authorised in this request (None: nothing to pay).
    _payment_id = None

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
        """Place one purchase with one order per merchant (``purchases.services.purchase_place``)
        on the payment authorised in ``handle_payment``, then capture it.

        Placement and linking the payment happen in one transaction under the payment's row lock
        (``payments.services.payment_purchase_place``). If placement fails after authorisation the
        authorisation is released at once (the orphan job is the safety net) and the error, a
        subclass of Oscar's UnableToPlaceOrder, is shown on the preview page with the basket
        restored. A capture failure after placement does not fail the checkout: it is retried.
        """

        def place():
            saved_shipping = self.create_shipping_address(user, shipping_address)
            saved_billing = self.create_billing_address(
                user, billing_address, saved_shipping, **kwargs
            )
            purchase = purchase_place(
                basket=basket,
                number=order_number,
                user=user,
                guest_email=self.checkout_session.get_guest_email() or "",
                shipping_address=saved_shipping,
                billing_address=saved_billing,
                shipping_method=shipping_method,
                status=kwargs.get("status") or self.get_initial_order_status(basket),
                request=self.request,
            )
            basket.submit()
            return purchase

        payment_id = self._payment_id
        if payment_id is None:
            return self.handle_successful_purchase(place())
        try:
            purchase = payment_purchase_place(
                payment_id=payment_id, place=place, source="checkout", actor=user
            )
        except Exception as exc:
            self._payment_release(payment_id, reason=str(exc))
            if isinstance(exc, PaymentsError):
                raise UnableToPlaceOrder(str(exc)) from exc
            raise
        payment_capture_quietly(payment_id=payment_id, source="checkout")
        return self.handle_successful_purchase(purchase)

    def _payment_release(self, payment_id, *, reason):
        try:
            payment_release_unplaced(payment_id=payment_id, source="checkout", reason=reason)
        except Exception:
            logger.exception(
                "payment %s: releasing after a failed placement failed; the orphan job retries",
                payment_id,
            )

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
