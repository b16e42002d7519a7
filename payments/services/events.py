"""Incoming provider events (webhooks): verify, store by unique id first, then process.

The event body is never trusted for state: processing re-fetches the payment from the processor
and moves it forward through the transition table, so duplicated, reordered or stale events all
end in the processor's current state and change nothing once we are there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marketplace.core.tasks import enqueue_on_commit
from payments.exceptions import EventNotMatched
from payments.gateways import gateway_by_name
from payments.interface import PAYMENT_EVENT_TYPES
from payments.models import Payment, ProviderEvent
from payments.services.lifecycle import payment_result_apply

logger = logging.getLogger(__name__)


def provider_event_ingest(
    *, provider: str, body: bytes, headers: Mapping[str, str]
) -> tuple[ProviderEvent, bool]:
    """Verify an incoming event on its raw body and store it under (provider, event id).

    Returns the stored row and whether it is new; a new one is queued for
    ``provider_event_process`` once stored. A duplicate delivery is a no-op. Raises
    ``InvalidRequest`` (bad signature, stale timestamp, malformed body: nothing stored, nothing
    queued) and ``ImproperlyConfigured`` for a provider that is not configured.
    """
    gateway = gateway_by_name(provider)
    event = gateway.event_verify(body=body, headers=headers)
    with transaction.atomic():
        existing = ProviderEvent.objects.filter(
            provider=event.provider, event_id=event.event_id
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                row = ProviderEvent.objects.create(
                    provider=event.provider,
                    event_id=event.event_id,
                    type=event.type,
                    object_id=event.object_id,
                    occurred_at=event.occurred_at,
                    payload=dict(event.payload),
                )
        except IntegrityError:
            return ProviderEvent.objects.get(
                provider=event.provider, event_id=event.event_id
            ), False
        from payments.tasks import provider_event_process

        enqueue_on_commit(provider_event_process, row.pk)
    return row, True


def provider_event_handle(*, event_id: int) -> str:
    """Process one stored event (``event_id`` is the ``ProviderEvent`` primary key).

    Payment, charge and dispute events: re-fetch the payment from the processor and apply it
    (``payment_result_apply``); other types are acknowledged and ignored. Returns "done",
    "ignored" or "already". Raises ``EventNotMatched`` when no payment has the event's provider
    reference yet (the caller retries), and ``GatewayError`` from the processor.
    """
    row = ProviderEvent.objects.get(pk=event_id)
    if row.processed_at is not None:
        return "already"
    ProviderEvent.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    if row.type not in PAYMENT_EVENT_TYPES:
        _processed(row.pk)
        return "ignored"
    payment = Payment.objects.filter(gateway=row.provider, provider_ref=row.object_id).first()
    if payment is None:
        raise EventNotMatched(f"no {row.provider} payment {row.object_id!r} (yet)")
    result = gateway_by_name(row.provider).payment_retrieve(provider_ref=row.object_id)
    payment_result_apply(
        payment_id=payment.pk,
        result=result,
        source=f"event:{row.event_id}"[:128],
        reason=row.type,
    )
    _processed(row.pk)
    return "done"


def provider_event_fail(*, event_id: int, error: str, final: bool) -> None:
    """Record why processing failed; ``final`` marks it processed so it is not tried again."""
    updates: dict[str, object] = {"last_error": error[:2000]}
    if final:
        updates["processed_at"] = timezone.now()
    ProviderEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(**updates)


def _processed(event_id: int) -> None:
    ProviderEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
        processed_at=timezone.now(), last_error=""
    )
