"""Stripe's webhook events: verified on the raw body, named in the protocol's terms.

Stripe signs each delivery with ``Stripe-Signature: t=<unix>,v1=<HMAC-SHA256>`` keyed by the
endpoint's secret (``STRIPE_WEBHOOK_SECRET``); ``stripe.Webhook.construct_event`` checks it and
refuses timestamps more than ``TOLERANCE_SECONDS`` away, so a replayed body is useless.

For payment, charge and dispute events ``object_id`` is the PaymentIntent id (our
``Payment.provider_ref``): ``payments.services.provider_event_handle`` re-fetches the payment
through ``StripeGateway.payment_retrieve`` and never trusts the event body for state. Connect and
transfer events (``account.updated``, ``transfer.created``, ``transfer.reversed``) have no name in
``EventType`` yet: they are stored as ``other`` with the account or transfer id as ``object_id``,
acknowledged and kept for the record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import stripe

from payments.interface import EventType, InvalidRequest, NormalizedEvent

NAME = "stripe"
TOLERANCE_SECONDS: Final = 300

#: Stripe's event types the marketplace acts on, by the protocol's name.
EVENT_TYPES: Final[Mapping[str, EventType]] = {
    "payment_intent.requires_action": EventType.PAYMENT_REQUIRES_ACTION,
    "payment_intent.amount_capturable_updated": EventType.PAYMENT_AUTHORIZED,
    "payment_intent.succeeded": EventType.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": EventType.PAYMENT_FAILED,
    "payment_intent.canceled": EventType.PAYMENT_CANCELED,
    "charge.refunded": EventType.CHARGE_REFUNDED,
    "charge.dispute.created": EventType.DISPUTE_CREATED,
    "charge.dispute.closed": EventType.DISPUTE_CLOSED,
}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def event_verify(*, body: bytes, headers: Mapping[str, str], secret: str) -> NormalizedEvent:
    """Verify a Stripe webhook delivery and normalise it. Never touches the database.

    Raises ``InvalidRequest`` when the secret is not configured, the signature is missing, wrong
    or outside the tolerance, or the body is not a Stripe event.
    """
    if not secret:
        raise InvalidRequest("STRIPE_WEBHOOK_SECRET is not set: Stripe events cannot be verified")
    try:
        stripe.Webhook.construct_event(
            body, _header(headers, "stripe-signature"), secret, tolerance=TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as exc:
        raise InvalidRequest(f"stripe event refused: {exc.user_message}") from None
    except ValueError:
        raise InvalidRequest("stripe event refused: the body is not JSON") from None
    try:
        payload: dict[str, Any] = json.loads(body)
        event_id = str(payload["id"])
        raw_type = str(payload["type"])
        obj = payload["data"]["object"]
        object_id = str(obj["id"])
        occurred_at = datetime.fromtimestamp(int(payload["created"]), tz=UTC)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidRequest(f"malformed stripe event: {exc}") from None
    event_type = EVENT_TYPES.get(raw_type, EventType.OTHER)
    if raw_type.startswith("charge."):
        # Charges and disputes name their PaymentIntent; one without (a charge made outside
        # PaymentIntents) is none of ours.
        intent = obj.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        if intent:
            object_id = str(intent)
        else:
            event_type = EventType.OTHER
    return NormalizedEvent(
        provider=NAME,
        event_id=event_id,
        type=event_type.value,
        object_id=object_id,
        occurred_at=occurred_at,
        payload=payload,
    )
