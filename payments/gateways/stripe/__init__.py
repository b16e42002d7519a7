"""The Stripe adapter: the only package of the marketplace that imports ``stripe``.

- ``gateway``: ``StripeGateway`` (the ``payments.interface.Gateway`` protocol) and
  ``gateway_create()``, which the registry (``payments.gateways``) calls when Stripe is active;
- ``client``: the one ``stripe.StripeClient`` (explicit timeouts, network retries, the local fake
  through ``STRIPE_API_BASE``) and Stripe's errors in the protocol's terms;
- ``currencies``: which currencies Stripe charges and how amounts cross (zero- and three-decimal);
- ``events``: webhook verification and Stripe's event types by the protocol's names.
"""

from payments.gateways.stripe.gateway import StripeGateway, gateway_create

__all__ = ["StripeGateway", "gateway_create"]
