"""Hooks: declarations to a customs system, status changes to merchants' systems (outbound), and
the customs system's status callbacks (inbound). See ``customs.models.hooks``."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from customs.conf import setting
from customs.ecn23 import declaration_ecn23_json
from customs.exceptions import CustomsError
from customs.models import (
    STATUS_RANK,
    Declaration,
    DeclarationEvent,
    DeclarationQuery,
    DeclarationStatus,
    DeliveryKind,
    DeliveryStatus,
    EventAction,
    InboundEvent,
    InboundOutcome,
    Lane,
    OutboundDelivery,
)
from customs.signing import signed_headers, verify
from marketplace.core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

S = DeclarationStatus
USER_AGENT = "mashhad-marketplace-customs/1.0"

#: Inbound callback types and the status each moves a declaration to ("accepted" moves none,
#: "lane_assigned" moves to the lane in its data).
INBOUND_TYPES: dict[str, str | None] = {
    "accepted": None,
    "lane_assigned": "",
    "query_raised": S.QUERIED,
    "held": S.HELD,
    "released": S.RELEASED,
    "rejected": S.REJECTED,
    "exited": S.EXITED,
}


class DeliveryRetryable(Exception):
    """A delivery attempt failed in a way worth retrying (timeout, connection, 5xx, 408, 429)."""


class PayloadInvalid(CustomsError):
    """A verified callback whose body is not a status update we understand; nothing stored."""


def _send_on_commit(delivery_id: int) -> None:
    from customs.tasks import outbound_deliver

    enqueue_on_commit(outbound_deliver, delivery_id)


def _json(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# --- outbound ---------------------------------------------------------------------------------


def declaration_delivery_queue(*, declaration: Declaration) -> OutboundDelivery:
    """Write the pending delivery of a declaration's e-CN23 to ``CUSTOMS_HTTP_URL`` and queue it on
    commit. Idempotent: one delivery per declaration (message id ``declaration-<id>``)."""
    message_id = f"declaration-{declaration.pk}"
    delivery, created = OutboundDelivery.objects.get_or_create(
        message_id=message_id,
        defaults={
            "kind": DeliveryKind.DECLARATION,
            "declaration": declaration,
            "url": setting("CUSTOMS_HTTP_URL"),
            "event_type": "declaration.submitted",
            "body": declaration_ecn23_json(declaration=declaration),
        },
    )
    if created:
        _send_on_commit(delivery.pk)
    return delivery


def merchant_notifications_queue(
    *, declaration: Declaration, event: DeclarationEvent
) -> list[OutboundDelivery]:
    """For each active subscription of the declaration's merchant, write a pending status-change
    delivery and queue it on commit. Idempotent per (event, subscription)."""
    deliveries = []
    subscriptions = declaration.merchant.customs_subscriptions.filter(active=True)
    for subscription in subscriptions:
        body = _json(
            {
                "type": "declaration.status_changed",
                "timestamp": event.created_at.astimezone(UTC).isoformat(),
                "data": {
                    "declaration": declaration.number,
                    "merchant_order": declaration.merchant_order.order.number,
                    "from": event.from_status,
                    "to": event.to_status,
                    "lane": declaration.lane,
                    # Selectivity criteria stay confidential: lane reasons are not sent.
                    "reason": "" if event.source == "selectivity" else event.reason,
                },
            }
        )
        delivery, created = OutboundDelivery.objects.get_or_create(
            message_id=f"declaration-{declaration.pk}-event-{event.pk}-sub-{subscription.pk}",
            defaults={
                "kind": DeliveryKind.MERCHANT_STATUS,
                "declaration": declaration,
                "subscription": subscription,
                "url": subscription.url,
                "event_type": "declaration.status_changed",
                "body": body,
            },
        )
        if created:
            _send_on_commit(delivery.pk)
        deliveries.append(delivery)
    return deliveries


def _secret_for(delivery: OutboundDelivery) -> str:
    if delivery.kind == DeliveryKind.MERCHANT_STATUS:
        assert delivery.subscription is not None
        return delivery.subscription.secret
    return str(setting("CUSTOMS_HTTP_SECRET"))


def _record(delivery_id: int, **fields: Any) -> None:
    OutboundDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        attempts=F("attempts") + 1, updated_at=timezone.now(), **fields
    )


def outbound_delivery_attempt(*, delivery_id: int) -> str:
    """POST a pending delivery once, signed (Standard Webhooks headers, a fresh timestamp, the
    same ``webhook-id``) with ``Idempotency-Key`` = its message id, within
    ``CUSTOMS_HTTP_TIMEOUT_SECONDS``. No row is locked during the call.

    Returns ``delivered`` (2xx), ``dead`` (any other answer that retrying cannot fix: 3xx, 4xx but
    408 and 429; recorded with the reason) or the current status of a delivery no longer pending.
    Raises ``DeliveryRetryable`` for timeouts, connection errors, 5xx, 408 and 429 (the attempt is
    counted and its error recorded).
    """
    delivery = OutboundDelivery.objects.select_related("subscription").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return str(delivery.status)
    headers = {
        **signed_headers(
            secret=_secret_for(delivery), message_id=delivery.message_id, body=delivery.body
        ),
        "Idempotency-Key": delivery.message_id,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    try:
        response = requests.post(
            delivery.url,
            data=delivery.body.encode("utf-8"),
            headers=headers,
            timeout=float(setting("CUSTOMS_HTTP_TIMEOUT_SECONDS")),
            allow_redirects=False,
        )
    except (requests.Timeout, requests.ConnectionError) as exc:
        _record(
            delivery_id, last_status_code=None, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise DeliveryRetryable(str(exc)) from exc
    code = response.status_code
    if 200 <= code < 300:
        _record(
            delivery_id,
            status=DeliveryStatus.DELIVERED,
            last_status_code=code,
            last_error="",
            delivered_at=timezone.now(),
        )
        return DeliveryStatus.DELIVERED
    error = f"HTTP {code}: {response.text[:500]}"
    if code >= 500 or code in (408, 429):
        _record(delivery_id, last_status_code=code, last_error=error)
        raise DeliveryRetryable(error)
    _record(delivery_id, status=DeliveryStatus.DEAD, last_status_code=code, last_error=error)
    logger.warning("delivery %s refused: %s", delivery.message_id, error)
    return DeliveryStatus.DEAD


def outbound_delivery_give_up(*, delivery_id: int, error: str) -> None:
    """After the last retry: the delivery joins the dead-letter list with the last error."""
    OutboundDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.DEAD, last_error=error[:2000], updated_at=timezone.now()
    )
    logger.error("delivery %s dead after retries: %s", delivery_id, error)


def outbound_delivery_retry(*, delivery_id: int) -> OutboundDelivery:
    """Take a dead delivery off the dead-letter list and queue it again (same message id, so the
    receiver can deduplicate). A delivery that is not dead is returned unchanged."""
    with transaction.atomic():
        updated = OutboundDelivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.DEAD
        ).update(status=DeliveryStatus.PENDING, updated_at=timezone.now())
        if updated:
            _send_on_commit(delivery_id)
    return OutboundDelivery.objects.get(pk=delivery_id)


# --- inbound ----------------------------------------------------------------------------------


def inbound_event_ingest(*, body: bytes, headers: Mapping[str, str]) -> tuple[InboundEvent, bool]:
    """Verify a customs-system callback on its raw body and store it under its ``webhook-id``.

    Returns the stored event and whether it is new; a new one is queued for
    ``customs.inbound_event_process`` on commit. A replayed id returns the stored row and queues
    nothing. Raises ``SignatureInvalid`` (bad or missing signature, timestamp older or newer than
    5 minutes) or ``PayloadInvalid`` (not a status update we know); nothing is stored then.
    """
    payload = verify(secret=str(setting("CUSTOMS_HOOK_SECRET")), body=body, headers=headers)
    lowered = {key.lower(): value for key, value in headers.items()}
    event_id = lowered["webhook-id"][:120]
    event_type = payload.get("type")
    data = payload.get("data")
    if event_type not in INBOUND_TYPES:
        raise PayloadInvalid(
            f"unknown type {event_type!r}; expected one of {sorted(INBOUND_TYPES)}"
        )
    if not isinstance(data, dict) or not isinstance(data.get("declaration"), str):
        raise PayloadInvalid("data.declaration (the declaration number) is required")
    sent_at = datetime.fromtimestamp(int(lowered["webhook-timestamp"]), tz=UTC)
    existing = InboundEvent.objects.filter(event_id=event_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                event_id=event_id,
                type=event_type,
                declaration_number=data["declaration"][:40],
                payload=payload,
                sent_at=sent_at,
            )
            from customs.tasks import inbound_event_process

            enqueue_on_commit(inbound_event_process, event.pk)
    except IntegrityError:
        return InboundEvent.objects.get(event_id=event_id), False
    return event, True


def _finish(event: InboundEvent, outcome: str, detail: str) -> str:
    event.outcome = outcome
    event.detail = detail[:255]
    event.processed_at = timezone.now()
    event.save(update_fields=["outcome", "detail", "processed_at"])
    if outcome == InboundOutcome.IGNORED:
        logger.info("customs event %s ignored: %s", event.event_id, detail)
    return outcome


def inbound_event_process(*, event_id: int) -> str:
    """Apply a stored callback to its declaration; return the outcome (``applied``/``ignored``).

    Never moves a declaration backwards: an update whose status ranks at or below the current one
    (``STATUS_RANK``), or that the transition table cannot reach, is ignored, as is one for an
    unknown declaration; the event row says why. ``released`` tells settlement, ``rejected``
    refunds the merchant order. Idempotent: a processed event returns its outcome.
    """
    from customs.services.declarations import (
        declaration_lock,
        reject_apply,
        release_apply,
        transition,
    )

    with transaction.atomic():
        event = InboundEvent.objects.select_for_update().get(pk=event_id)
        if event.processed_at is not None:
            return str(event.outcome)
        data = event.payload.get("data") or {}
        reason = str(data.get("reason") or "")[:2000]
        source = f"hook:{event.event_id}"[:64]
        found = Declaration.objects.filter(number=event.declaration_number).first()
        if found is None:
            return _finish(event, InboundOutcome.IGNORED, "unknown declaration")
        declaration = declaration_lock(found.pk)
        if event.type == "accepted":
            if declaration.external_ref:
                return _finish(event, InboundOutcome.IGNORED, "already accepted")
            reference = str(data.get("reference") or event.event_id)[:64]
            declaration.external_ref = reference
            declaration.save(update_fields=["external_ref", "updated_at"])
            from customs.services.declarations import event_append

            event_append(
                declaration,
                action=EventAction.CALLBACK,
                source=source,
                reason=reason or _("Accepted by the customs system."),
                after={"external_ref": reference},
            )
            return _finish(event, InboundOutcome.APPLIED, "accepted")
        target = INBOUND_TYPES[event.type]
        if event.type == "lane_assigned":
            target = str(data.get("lane") or "")
            if target not in Lane.values:
                return _finish(event, InboundOutcome.IGNORED, f"unknown lane {target!r}")
        assert target
        current = declaration.status
        if STATUS_RANK[target] <= STATUS_RANK[current]:
            return _finish(
                event, InboundOutcome.IGNORED, f"out of order: {current} is past {target}"
            )
        from customs.services.declarations import _reachable

        if target not in _reachable(current):
            return _finish(event, InboundOutcome.IGNORED, f"{target} cannot follow {current}")
        if target == S.RELEASED:
            release_apply(declaration, reason=reason, source=source, allow_skip=True)
        elif target == S.REJECTED:
            reject_apply(
                declaration,
                reason=reason or _("Rejected by the customs system."),
                source=source,
                allow_skip=True,
            )
        else:
            transition(declaration, target, reason=reason, source=source, allow_skip=True)
            if target == S.QUERIED:
                DeclarationQuery.objects.create(
                    declaration=declaration,
                    question=reason or _("The customs system asks for more information."),
                )
        return _finish(event, InboundOutcome.APPLIED, f"{current} → {target}")
