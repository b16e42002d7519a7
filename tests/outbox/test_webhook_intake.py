"""Webhook intake stores each event once and queues it once through the outbox, in one statement;
a duplicate delivery answers 200 and writes and queues nothing; a forged one writes nothing."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.urls import reverse

from outbox.models import OutboxMessage
from payments.gateways.sandbox import webhook_secret
from payments.models import ProviderEvent
from payments.signing import headers_sign

pytestmark = pytest.mark.django_db(transaction=True)


def delivery(event_id: str, *, secret: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "id": event_id,
            "type": "payment.succeeded",
            "created": int(time.time()),
            "data": {"object": {"id": "sbx_pi_intake", "status": "captured"}},
        }
    ).encode()
    headers = headers_sign(secret=secret or webhook_secret(), msg_id=event_id, body=body)
    return body, headers


def post(client, body: bytes, headers: dict[str, str]):
    return client.post(
        reverse("payments:webhook", kwargs={"provider": "sandbox"}),
        body,
        content_type="application/json",
        headers=headers,
    )


def test_a_new_event_is_stored_and_queued_once_and_a_redelivery_changes_nothing(client, queue):
    event_id = f"evt_intake_{uuid.uuid4().hex}"
    body, headers = delivery(event_id)

    try:
        first = post(client, body, headers)
        second = post(client, body, headers)

        assert (first.status_code, first.content) == (200, b"stored")
        assert (second.status_code, second.content) == (200, b"duplicate")
        event = ProviderEvent.objects.get()
        assert (event.event_id, event.type, event.object_id) == (
            event_id,
            "payment.succeeded",
            "sbx_pi_intake",
        )
        assert event.payload["data"]["object"]["status"] == "captured"
        message = OutboxMessage.objects.get()
        assert (message.task_name, message.args, message.kwargs) == (
            "payments.provider_event_process",
            [event.pk],
            {},
        )
        assert message.sent_at is not None  # published after the statement, once
        assert queue.task_ids().count(message.celery_task_id) == 1
    finally:
        queue.remove({f"outbox-{pk}" for pk in OutboxMessage.objects.values_list("pk", flat=True)})


def test_a_forged_delivery_is_refused_and_nothing_is_stored_or_queued(client, queue):
    queued_before = queue.task_ids()
    body, headers = delivery(f"evt_forged_{uuid.uuid4().hex}", secret="whsec_bm90LW91cnM=")

    response = post(client, body, headers)

    assert response.status_code == 400
    assert ProviderEvent.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert queue.task_ids() == queued_before
