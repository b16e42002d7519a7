"""Hooks: the HTTP customs backend's signed deliveries (a real local server; retries through a
real Celery worker; the dead-letter list), the inbound status callbacks (bad signatures, stale
timestamps, replays, out-of-order and unknown declarations change nothing), and status
notifications to merchants' systems."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import jsonschema
import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from customs.models import (
    Declaration,
    DeclarationEvent,
    DeclarationQuery,
    InboundEvent,
    MerchantWebhookSubscription,
    OutboundDelivery,
)
from customs.services import (
    declaration_claim,
    declaration_create,
    declaration_release,
    inbound_event_process,
    outbound_delivery_attempt,
    outbound_delivery_retry,
)
from customs.services.hooks import DeliveryRetryable
from customs.signing import secret_generate
from settlement.models import MerchantOrderSettlement
from tests.customs.factories import SAFFRON, foreign_purchase, merchant_with_goods
from tests.customs.hookserver import HookServer
from tests.customs.test_declarations import SCHEMA_PATH

HTTP_SECRET = "whsec_" + "c2VjcmV0LWZvci1vdXRib3VuZC1kZWxpdmVyaWVzLTEyMzQ="
HOOK_SECRET = "whsec_" + "c2VjcmV0LWZvci1pbmJvdW5kLWNhbGxiYWNrcy0xMjM0NTY="


@pytest.fixture
def http_backend(settings):
    settings.CUSTOMS_BACKEND = "http"
    settings.CUSTOMS_HTTP_URL = "http://127.0.0.1:9/unused"
    settings.CUSTOMS_HTTP_SECRET = HTTP_SECRET
    settings.CUSTOMS_HOOK_SECRET = HOOK_SECRET
    settings.CUSTOMS_HTTP_TIMEOUT_SECONDS = 2.0
    return settings


def submitted(*, quantity=1):
    """A declaration handed to the HTTP backend (submitted, no lane)."""
    _merchant, (saffron,) = merchant_with_goods(SAFFRON)
    [merchant_order] = foreign_purchase([(saffron, quantity)])
    return declaration_create(merchant_order_id=merchant_order.pk)


def snapshot(declaration):
    fresh = Declaration.objects.get(pk=declaration.pk)
    return (
        fresh.status,
        fresh.lane,
        fresh.external_ref,
        DeclarationEvent.objects.filter(declaration=declaration).count(),
    )


# --- Inbound callbacks -------------------------------------------------------------------------


def callback(client, payload, *, secret=HOOK_SECRET, event_id="evt_1", at=None, tamper=None):
    body = json.dumps(payload)
    moment = at or datetime.now(UTC)
    headers = {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, moment, body),
    }
    if tamper:
        headers.update(tamper)
    return client.post(
        reverse("customs:hook-status"), body, content_type="application/json", headers=headers
    )


def update(kind, declaration, **data):
    return {
        "type": kind,
        "timestamp": datetime.now(UTC).isoformat(),
        "data": {"declaration": declaration.number, **data},
    }


@pytest.mark.django_db
def test_a_signed_lane_update_is_stored_then_applied(rules, http_backend, client):
    declaration = submitted()
    assert (declaration.status, declaration.lane) == ("submitted", "")

    response = callback(client, update("lane_assigned", declaration, lane="yellow"))

    assert response.status_code == 202
    assert response.json() == {"id": "evt_1", "status": "accepted"}
    stored = InboundEvent.objects.get()
    assert (stored.type, stored.declaration_number, stored.outcome) == (
        "lane_assigned",
        declaration.number,
        "pending",
    )
    assert inbound_event_process(event_id=stored.pk) == "applied"
    assert snapshot(declaration)[:2] == ("yellow", "yellow")
    event = DeclarationEvent.objects.get(declaration=declaration, to_status="yellow")
    assert (event.actor, event.source) == (None, "hook:evt_1")
    assert inbound_event_process(event_id=stored.pk) == "applied"  # idempotent
    assert DeclarationEvent.objects.filter(declaration=declaration, to_status="yellow").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("wrong secret", {"secret": "whsec_" + "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZw=="}),
        ("stale timestamp", {"at": timedelta(minutes=-6)}),
        ("future timestamp", {"at": timedelta(minutes=6)}),
        ("tampered id", {"tamper": {"webhook-id": "evt_other"}}),
        ("garbled signature", {"tamper": {"webhook-signature": "v1"}}),
        ("no signature", {"tamper": {"webhook-signature": ""}}),
    ],
)
def test_bad_signatures_and_stale_timestamps_are_refused_and_nothing_changes(
    rules, http_backend, client, case, kwargs
):
    declaration = submitted()
    before = snapshot(declaration)
    if "at" in kwargs:  # an offset from now, taken when the test runs
        kwargs = {"at": datetime.now(UTC) + kwargs["at"]}

    response = callback(client, update("released", declaration), **kwargs)

    assert response.status_code == 401, case
    assert response.json()["error"] == "signature"
    assert not InboundEvent.objects.exists()
    assert snapshot(declaration) == before


@pytest.mark.django_db
def test_a_replayed_event_id_is_answered_but_not_applied_twice(rules, http_backend, client):
    declaration = submitted()
    payload = update("lane_assigned", declaration, lane="red")
    first = callback(client, payload, event_id="evt_replay")
    inbound_event_process(event_id=InboundEvent.objects.get().pk)
    after_first = snapshot(declaration)

    again = callback(client, payload, event_id="evt_replay")

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["status"] == "duplicate"
    assert InboundEvent.objects.count() == 1
    assert snapshot(declaration) == after_first


@pytest.mark.django_db
def test_out_of_order_updates_never_move_a_declaration_backwards(rules, http_backend, client):
    declaration = submitted()
    for event_id, payload in [
        ("evt_2", update("released", declaration, reason="cleared")),  # arrives first
        ("evt_1", update("lane_assigned", declaration, lane="yellow")),  # sent earlier
        ("evt_3", update("held", declaration)),
        ("evt_4", update("rejected", declaration, reason="late")),  # same rank as released
    ]:
        assert callback(client, payload, event_id=event_id).status_code == 202
    outcomes = {
        event.event_id: inbound_event_process(event_id=event.pk)
        for event in InboundEvent.objects.order_by("pk")
    }

    assert outcomes == {
        "evt_2": "applied",
        "evt_1": "ignored",
        "evt_3": "ignored",
        "evt_4": "ignored",
    }
    assert (
        InboundEvent.objects.get(event_id="evt_1").detail == "out of order: released is past yellow"
    )
    fresh = Declaration.objects.get(pk=declaration.pk)
    assert fresh.status == "released"
    assert list(
        DeclarationEvent.objects.filter(declaration=declaration, action="status").values_list(
            "from_status", "to_status"
        )
    ) == [("submitted", "released")]
    # A release from the customs system tells settlement too.
    hold = MerchantOrderSettlement.objects.get(merchant_order_id=declaration.merchant_order_id)
    assert hold.customs_released_at == fresh.released_at


@pytest.mark.django_db
def test_an_unknown_declaration_or_lane_is_stored_and_ignored(rules, http_backend, client):
    declaration = submitted()
    before = snapshot(declaration)
    callback(client, {"type": "released", "data": {"declaration": "CN23-nope"}}, event_id="e1")
    callback(client, update("lane_assigned", declaration, lane="purple"), event_id="e2")

    results = [inbound_event_process(event_id=e.pk) for e in InboundEvent.objects.order_by("pk")]

    assert results == ["ignored", "ignored"]
    assert list(InboundEvent.objects.order_by("pk").values_list("detail", flat=True)) == [
        "unknown declaration",
        "unknown lane 'purple'",
    ]
    assert snapshot(declaration) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"type": "teleported", "data": {"declaration": "CN23-1"}},
        {"type": "released"},
        {"type": "released", "data": {"declaration": 7}},
        ["released"],
    ],
)
def test_a_well_signed_body_we_do_not_understand_is_refused(rules, http_backend, client, payload):
    response = callback(client, payload)

    assert response.status_code in (400, 401)
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_the_endpoint_is_off_without_a_secret(rules, http_backend, client, settings):
    settings.CUSTOMS_HOOK_SECRET = ""
    declaration = submitted()

    assert callback(client, update("released", declaration)).status_code == 404
    assert client.get(reverse("customs:hook-status")).status_code in (404, 405)


@pytest.mark.django_db
def test_acceptance_and_a_query_from_the_customs_system(rules, http_backend, client):
    declaration = submitted()
    callback(client, update("accepted", declaration, reference="ASY-77"), event_id="a1")
    callback(client, update("accepted", declaration, reference="ASY-78"), event_id="a2")
    callback(
        client, update("query_raised", declaration, reason="Certificate of origin?"), event_id="q1"
    )

    results = [inbound_event_process(event_id=e.pk) for e in InboundEvent.objects.order_by("pk")]

    assert results == ["applied", "ignored", "applied"]
    fresh = Declaration.objects.get(pk=declaration.pk)
    assert (fresh.external_ref, fresh.status) == ("ASY-77", "queried")
    query = DeclarationQuery.objects.get()
    assert (query.question, query.asked_by) == ("Certificate of origin?", None)


# --- Outbound: a real local server -------------------------------------------------------------


@pytest.mark.django_db
def test_delivery_is_signed_with_an_idempotency_key_and_carries_the_ecn23(rules, http_backend):
    with HookServer([200]) as server:
        http_backend.CUSTOMS_HTTP_URL = server.url
        declaration = submitted(quantity=2)
        delivery = OutboundDelivery.objects.get(declaration=declaration)

        assert outbound_delivery_attempt(delivery_id=delivery.pk) == "delivered"
        assert outbound_delivery_attempt(delivery_id=delivery.pk) == "delivered"  # no resend

    [request] = server.received
    headers = request["headers"]
    assert headers["idempotency-key"] == headers["webhook-id"] == f"declaration-{declaration.pk}"
    assert headers["content-type"] == "application/json"
    document = Webhook(HTTP_SECRET).verify(request["body"], headers)
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))
    assert document["Declaration"]["FunctionalReferenceID"] == declaration.number
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None


@pytest.mark.django_db
def test_a_4xx_is_not_retried_and_lands_in_the_dead_letter_list(rules, http_backend, client):
    with HookServer([422]) as server:
        http_backend.CUSTOMS_HTTP_URL = server.url
        declaration = submitted()
        delivery = OutboundDelivery.objects.get(declaration=declaration)

        assert outbound_delivery_attempt(delivery_id=delivery.pk) == "dead"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("dead", 1, 422)
    assert "HTTP 422" in delivery.last_error
    from tests.merchants.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(reverse("customs:dead-letters"))
    assert [d.pk for d in page.context["deliveries"]] == [delivery.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("statuses", [[500], [503], [429], [408]])
def test_5xx_408_and_429_are_retryable(rules, http_backend, statuses):
    with HookServer(statuses) as server:
        http_backend.CUSTOMS_HTTP_URL = server.url
        delivery = OutboundDelivery.objects.get(declaration=submitted())

        with pytest.raises(DeliveryRetryable):
            outbound_delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "pending",
        1,
        statuses[0],
    )


@pytest.mark.django_db
def test_timeouts_and_refused_connections_are_retryable(rules, http_backend):
    with HookServer([200], delay=1.5) as server:
        http_backend.CUSTOMS_HTTP_URL = server.url
        http_backend.CUSTOMS_HTTP_TIMEOUT_SECONDS = 0.3
        slow = OutboundDelivery.objects.get(declaration=submitted())
        with pytest.raises(DeliveryRetryable):
            outbound_delivery_attempt(delivery_id=slow.pk)

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    http_backend.CUSTOMS_HTTP_URL = f"http://127.0.0.1:{closed_port}/"
    refused = OutboundDelivery.objects.get(declaration=submitted())
    with pytest.raises(DeliveryRetryable):
        outbound_delivery_attempt(delivery_id=refused.pk)

    assert {d.status for d in OutboundDelivery.objects.all()} == {"pending"}
    assert "Timeout" in OutboundDelivery.objects.get(pk=slow.pk).last_error


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_worker_retries_with_exponential_backoff_until_delivered(
    hs_codes, http_backend, celery_worker
):
    from tests.customs.factories import customs_rules_ensure, risk_rules_off

    customs_rules_ensure()
    risk_rules_off()
    http_backend.CUSTOMS_HTTP_RETRY_BASE_SECONDS = 0.5
    http_backend.CUSTOMS_HTTP_MAX_RETRIES = 4
    with HookServer([503, 502, 200]) as server:
        http_backend.CUSTOMS_HTTP_URL = server.url
        declaration = submitted()  # commits: the delivery task is queued on commit

        assert _wait_for(
            lambda: OutboundDelivery.objects.get(declaration=declaration).status == "delivered"
        )

    received = server.received
    assert len(received) == 3
    assert {r["headers"]["webhook-id"] for r in received} == {f"declaration-{declaration.pk}"}
    assert {r["headers"]["idempotency-key"] for r in received} == {f"declaration-{declaration.pk}"}
    gaps = [b["at"] - a["at"] for a, b in pairwise(received)]
    assert gaps[0] >= 0.45 and gaps[1] >= 0.95  # 0.5 s, then 1 s
    for request in received:
        Webhook(HTTP_SECRET).verify(request["body"], request["headers"])
    delivery = OutboundDelivery.objects.get(declaration=declaration)
    assert (delivery.attempts, delivery.last_status_code) == (3, 200)


@pytest.mark.django_db(transaction=True)
def test_after_the_last_retry_it_is_dead_and_an_admin_retry_delivers_it(
    hs_codes, http_backend, celery_worker
):
    from tests.customs.factories import customs_rules_ensure, risk_rules_off

    customs_rules_ensure()
    risk_rules_off()
    http_backend.CUSTOMS_HTTP_RETRY_BASE_SECONDS = 0.1
    http_backend.CUSTOMS_HTTP_MAX_RETRIES = 2
    with HookServer([500, 500, 500, 200]) as server:
        http_backend.CUSTOMS_HTTP_URL = server.url
        declaration = submitted()
        delivery = OutboundDelivery.objects.get(declaration=declaration)
        assert _wait_for(lambda: OutboundDelivery.objects.get(pk=delivery.pk).status == "dead")
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.last_status_code) == (3, 500)
        assert len(server.received) == 3

        outbound_delivery_retry(delivery_id=delivery.pk)  # what the admin action and page call

        assert _wait_for(lambda: OutboundDelivery.objects.get(pk=delivery.pk).status == "delivered")
    assert len(server.received) == 4


@pytest.mark.django_db
def test_the_admin_action_requeues_dead_deliveries(rules, http_backend, admin_client):
    with HookServer([400]) as server:
        http_backend.CUSTOMS_HTTP_URL = server.url
        delivery = OutboundDelivery.objects.get(declaration=submitted())
        outbound_delivery_attempt(delivery_id=delivery.pk)

    response = admin_client.post(
        reverse("admin:customs_outbounddelivery_changelist"),
        {"action": "deliveries_retry", "_selected_action": [delivery.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert OutboundDelivery.objects.get(pk=delivery.pk).status == "pending"


# --- Merchants' systems --------------------------------------------------------------------------


@pytest.mark.django_db
def test_status_changes_are_sent_to_subscribed_merchant_systems(rules, settings, officer):
    from customs.models import RiskRule

    RiskRule.objects.create(name="all", kind="destination", lane="yellow", country="AF")
    secret = secret_generate()
    merchant, (saffron,) = merchant_with_goods(SAFFRON)
    with HookServer([200]) as server:
        MerchantWebhookSubscription.objects.create(merchant=merchant, url=server.url, secret=secret)
        MerchantWebhookSubscription.objects.create(
            merchant=merchant, url=server.url, secret=secret, active=False
        )
        [merchant_order] = foreign_purchase([(saffron, 1)])
        declaration = declaration_create(merchant_order_id=merchant_order.pk)
        declaration_claim(declaration_id=declaration.pk, actor=officer)
        declaration_release(declaration_id=declaration.pk, actor=officer, reason="fine")

        deliveries = list(OutboundDelivery.objects.filter(kind="merchant_status").order_by("pk"))
        for delivery in deliveries:
            assert outbound_delivery_attempt(delivery_id=delivery.pk) == "delivered"

    bodies = [Webhook(secret).verify(r["body"], r["headers"]) for r in server.received]
    assert [(b["data"]["from"], b["data"]["to"]) for b in bodies] == [
        ("submitted", "yellow"),
        ("yellow", "released"),
    ]
    assert all(b["type"] == "declaration.status_changed" for b in bodies)
    assert bodies[0]["data"]["reason"] == ""  # selectivity reasons stay confidential
    assert bodies[1]["data"]["reason"] == "fine"
    assert bodies[1]["data"]["merchant_order"] == merchant_order.order.number
