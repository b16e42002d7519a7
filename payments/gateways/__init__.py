"""The gateway registry: which card processor the marketplace uses.

``PAYMENTS_GATEWAY`` names it ("sandbox" or "stripe"); empty means automatic: Stripe when
``STRIPE_SECRET_KEY`` is set, otherwise the offline sandbox. A payment keeps the name of the
gateway that took it and is always served by that one (``gateway_by_name(payment.gateway)``).
"""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from payments.interface import Gateway

KNOWN = ("sandbox", "stripe")


def gateway_name_active() -> str:
    """The name of the gateway new payments go to."""
    name = (getattr(settings, "PAYMENTS_GATEWAY", "") or "").strip().lower()
    if not name:
        name = "stripe" if getattr(settings, "STRIPE_SECRET_KEY", "") else "sandbox"
    if name not in KNOWN:
        raise ImproperlyConfigured(
            f"PAYMENTS_GATEWAY must be one of {', '.join(KNOWN)} or empty (automatic), got {name!r}"
        )
    return name


def gateway_by_name(name: str) -> Gateway:
    """The gateway called ``name``. The Stripe adapter is imported lazily, only when asked for.

    Raises ImproperlyConfigured for an unknown name, for Stripe without ``STRIPE_SECRET_KEY``, or
    when the Stripe adapter (``payments/gateways/stripe/``) is not installed.
    """
    if name == "sandbox":
        from payments.gateways.sandbox import SandboxGateway

        return SandboxGateway()
    if name == "stripe":
        if not getattr(settings, "STRIPE_SECRET_KEY", ""):
            raise ImproperlyConfigured(
                "PAYMENTS_GATEWAY is stripe but STRIPE_SECRET_KEY is not set"
            )
        try:
            module = importlib.import_module("payments.gateways.stripe")
        except ModuleNotFoundError as exc:
            if exc.name not in ("payments.gateways.stripe",):
                raise
            raise ImproperlyConfigured(
                "STRIPE_SECRET_KEY is set but the Stripe adapter (payments/gateways/stripe/) is "
                "not installed yet; unset STRIPE_SECRET_KEY or set PAYMENTS_GATEWAY=sandbox"
            ) from exc
        factory = getattr(module, "gateway_create", None)
        if factory is None:
            raise ImproperlyConfigured(
                "payments.gateways.stripe must define gateway_create() -> Gateway"
            )
        return factory()
    raise ImproperlyConfigured(f"unknown payments gateway {name!r}; known: {', '.join(KNOWN)}")


def gateway_get() -> Gateway:
    """The active gateway (see the module docstring)."""
    return gateway_by_name(gateway_name_active())
