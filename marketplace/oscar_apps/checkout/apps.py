"""Oscar's checkout app (no models), forked to split a basket into one order per merchant and to
take card payments through ``payments``.

Overrides, each a few lines that delegate to ``purchases`` and ``payments``:
- ``session.CheckoutSessionMixin.get_shipping_method``: per-merchant delivery;
- ``mixins.OrderPlacementMixin.handle_order_placement``: ``purchases.services.purchase_place``
  under the payment's lock (``payments.services.payment_purchase_place``), then capture;
- ``views.PaymentDetailsView``: the card form (or Stripe's Payment Element), the charged currency
  on the preview, ``handle_payment`` -> ``payments.services.payment_authorize``; abroad, the
  pre-condition ``check_customs_allows_delivery`` (prohibited lines back to the address, each
  with its reason) and the quote with duties (``purchases.quotes.purchase_quote_landed``), the
  landed cost of each merchant part on the preview;
- ``views.PaymentReturnView`` (new, ``payment-return/<id>/<token>/``): back from 3-D Secure;
- ``views.ShippingMethodView.get_available_shipping_methods`` and ``views.ThankYouView`` (with
  each merchant order's landed cost: ``customs.selectors.checkout.merchant_orders_landed_cost``).
- ``forms.ShippingAddressForm``: postcodes and phones from buyers abroad (``i18n.addresses``).
"""

import oscar.apps.checkout.apps as apps
from django.urls import path
from oscar.core.loading import get_class


class CheckoutConfig(apps.CheckoutConfig):
    name = "marketplace.oscar_apps.checkout"

    def ready(self):
        super().ready()
        self.payment_return_view = get_class("checkout.views", "PaymentReturnView")

    def get_urls(self):
        urls = super().get_urls()
        urls += self.post_process_urls(
            [
                path(
                    "payment-return/<int:pk>/<str:token>/",
                    self.payment_return_view.as_view(),
                    name="payment-return",
                ),
            ]
        )
        return urls
