"""The one ``stripe.StripeClient`` of the adapter, and Stripe's errors in the protocol's terms.

Timeouts: ``CONNECT_TIMEOUT`` to open a connection, ``READ_TIMEOUT`` for an answer, and at most
``MAX_NETWORK_RETRIES`` retries by the SDK (timeouts, connection errors, 409, 5xx), each with the
same ``Idempotency-Key`` and a backoff of 0.5 s, 1 s. The worst case, about 3 × 15 s + 2 s, stays
under ``payments.services.lifecycle.IN_FLIGHT`` (60 s), so a second submit never calls Stripe while
the first may still be answering.
"""

from __future__ import annotations

from functools import lru_cache

import stripe
from django.conf import settings

from payments.interface import CardDeclined, GatewayError, InvalidRequest, PaymentResult

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 12.0
MAX_NETWORK_RETRIES = 2


def client_create(
    *,
    timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    max_network_retries: int = MAX_NETWORK_RETRIES,
) -> stripe.StripeClient:
    """A Stripe client for ``STRIPE_SECRET_KEY``, sent to ``STRIPE_API_BASE`` when set (the local
    fake), with explicit timeouts and network retries. Clients are shared per configuration (the
    requests session is per thread inside the SDK)."""
    return _client(
        settings.STRIPE_SECRET_KEY,
        getattr(settings, "STRIPE_API_BASE", "") or "",
        timeout,
        max_network_retries,
    )


@lru_cache(maxsize=8)
def _client(
    api_key: str, api_base: str, timeout: tuple[float, float], max_network_retries: int
) -> stripe.StripeClient:
    base = api_base.rstrip("/")
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base, "connect": base, "files": base} if base else None,
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def error_translate(
    exc: stripe.StripeError, *, result: PaymentResult | None = None
) -> GatewayError:
    """Stripe's exception as ours: ``CardDeclined`` (402), ``InvalidRequest`` (400, 404, an
    idempotency conflict), ``GatewayError(retryable=True)`` for timeouts, connection errors, 409,
    429 and 5xx, ``GatewayError(retryable=False)`` for the rest (401, 403)."""
    # Stripe leaves out the error fields that do not apply.
    error = exc.error
    message = exc.user_message or str(exc)
    if isinstance(exc, stripe.CardError):
        decline_code = getattr(error, "decline_code", None) or exc.code or "card_declined"
        return CardDeclined(decline_code=decline_code, user_message=message, result=result)
    if isinstance(exc, stripe.RateLimitError):
        return GatewayError(f"stripe: {message}", retryable=True, code="rate_limit")
    if isinstance(exc, stripe.IdempotencyError):
        return InvalidRequest(f"stripe: {message}", param="idempotency_key")
    if isinstance(exc, stripe.InvalidRequestError):
        return InvalidRequest(f"stripe: {message}", param=getattr(error, "param", None) or "")
    if isinstance(exc, stripe.APIConnectionError):
        return GatewayError(f"stripe: {message}", retryable=exc.should_retry, code="connection")
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return GatewayError(f"stripe: {message}", retryable=False, code="authentication")
    status = exc.http_status
    retryable = status is None or status >= 500 or status == 409
    return GatewayError(f"stripe: {message}", retryable=retryable, code="api_error")
