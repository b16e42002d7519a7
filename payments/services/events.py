"""Incoming provider events (webhooks): verify, store by unique id first, then process.

The event body is never trusted for state: processing re-fetches the payment from the processor
and moves it forward through the transition table, so duplicated, reordered or stale events all
end in the processor's current state and change nothing once we are there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from django.db import connection
from django.db.models import F
from django.utils import timezone

from outbox.models import OutboxMessage
from outbox.services import outbox_message_insert_sql, outbox_message_publish_on_commit
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

    Returns the stored row and whether it is new; a new one is queued (through the outbox) for
    ``provider_event_process``. A duplicate delivery stores and queues nothing; the row returned
    for it carries the event's fields and the stored id, not its processing state (call
    ``refresh_from_db()`` for that). Raises ``InvalidRequest`` (bad signature, stale timestamp,
    malformed body: nothing stored, nothing queued) and ``ImproperlyConfigured`` for a provider
    that is not configured.

    The hot path of webhook intake: the event and its outbox message are written by one
    statement (``INSERT ... ON CONFLICT DO NOTHING``, atomic even in autocommit), so a new event
    costs one round trip plus the publish, and a duplicate one round trip.
    """
    gateway = gateway_by_name(provider)
    event = gateway.event_verify(body=body, headers=headers)
    row = ProviderEvent(
        provider=event.provider,
        event_id=event.event_id,
        type=event.type,
        object_id=event.object_id,
        occurred_at=event.occurred_at,
        payload=dict(event.payload),
        received_at=timezone.now(),
    )
    from payments.tasks import provider_event_process

    outbox_sql, outbox_params = outbox_message_insert_sql(
        task_name=provider_event_process.name,
        args_sql="jsonb_build_array(event.id)",
        source="event",
    )
    table = ProviderEvent._meta.db_table
    # Table names come from the models and values go as parameters.
    sql = (
        f"WITH event AS (INSERT INTO {table} (provider, event_id, type, object_id, occurred_at, "  # noqa: S608
        "payload, received_at, attempts, last_error) VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, "
        "0, '') ON CONFLICT (provider, event_id) DO NOTHING RETURNING id), "
        f"message AS ({outbox_sql}) "
        "SELECT event.id, message.id FROM event, message "
        f"UNION ALL SELECT existing.id, NULL FROM {table} existing "
        "WHERE existing.provider = %s AND existing.event_id = %s "
        "AND NOT EXISTS (SELECT 1 FROM event)"
    )
    params = [
        row.provider,
        row.event_id,
        row.type,
        row.object_id,
        row.occurred_at,
        json.dumps(row.payload),
        row.received_at,
        *outbox_params,
        row.provider,
        row.event_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        # Inserted by a concurrent delivery that committed after this statement's snapshot.
        return ProviderEvent.objects.get(provider=row.provider, event_id=row.event_id), False
    row.pk, message_id = found
    if message_id is None:
        return row, False
    outbox_message_publish_on_commit(
        message=OutboxMessage(
            pk=message_id, task_name=provider_event_process.name, args=[row.pk], kwargs={}
        )
    )
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
