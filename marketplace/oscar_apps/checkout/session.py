from oscar.apps.checkout import session

from purchases.shipping import Repository


class CheckoutSessionMixin(session.CheckoutSessionMixin):
    def get_shipping_method(self, basket, shipping_address=None, **kwargs):
        """The session's chosen method, priced by our per-merchant repository."""
        code = self.checkout_session.shipping_method_code(basket)
        methods = Repository().get_shipping_methods(
            basket=basket,
            user=self.request.user,
            shipping_addr=shipping_address,
            request=self.request,
        )
        for method in methods:
            if method.code == code:
                return method
        return None
