"""Content-Security-Policy: django-csp's middleware, plus Stripe's origins while Stripe is the
active gateway (its Payment Element is a script and iframes from js.stripe.com that call
api.stripe.com). With the sandbox gateway the policy names no third party at all."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

from payments.gateways import gateway_name_active

STRIPE_SOURCES = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


class MarketplaceCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and gateway_name_active() == "stripe":
            update = dict(parts.update or {})
            for directive, sources in STRIPE_SOURCES.items():
                update[directive] = [*update.get(directive, []), *sources]
            parts.update = update
        return parts
