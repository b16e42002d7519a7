"""Provider events: stored once by id, verified on the raw body, processed from the stored row by
re-fetching the payment, so duplicates and reordering change nothing."""

from __future__ import annotations

import json
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from payments.exceptions import EventNotMatched
from payments.gateways.sandbox import SandboxGateway, webhook_secret
from payments.interface import InvalidRequest
from payments.models import Payment, PaymentStatus, ProviderEvent
from payments.services import provider_event_handle, provider_event_ingest
from payments.signing import headers_sign
from tests.payments.fixtures import CARD_DISPUTED, Checkout, authorize

pytest_plugins = ["tests.payments.fixtures"]

pytestmark = pytest.mark.django_db


def signed(payload: dict, *, secret: str | None = None, timestamp: int | None = None):
    body = json.dumps(payload).encode()
    headers = headers_sign(
        secret=secret or webhook_secret(), msg_id=payload["id"], body=body, timestamp=timestamp
    )
    return body, headers


def event_payload(event_id="evt_test_1", type_="payment.succeeded", object_id="sbx_pi_x"):
    return {
        "id": event_id,
        "type": type_,
        "created": int(time.time()),
        "data": {"object": {"id": object_id}},
    }


def disputed_at_the_processor(frozen_basket, django_capture_on_commit_callbacks):
    """An authorised payment whose charge the processor then captured and saw disputed; the
    processor's events are in the inbox, unprocessed."""
    basket, snapshot = frozen_basket()
    with django_capture_on_commit_callbacks(execute=True):
        payment = authorize(basket, snapshot, CARD_DISPUTED).payment
        gateway = SandboxGateway()
        gateway.payment_capture(provider_ref=payment.provider_ref, amount=None, idempotency_key="c")
        gateway.dispute_open(provider_ref=payment.provider_ref)
    events = list(
        ProviderEvent.objects.filter(object_id=payment.provider_ref).order_by("occurred_at", "pk")
    )
    assert [e.type for e in events] == [
        "payment.authorized",
        "payment.succeeded",
        "dispute.created",
    ]
    return payment, events


def test_duplicated_and_reordered_events_end_in_the_same_state(
    frozen_basket, django_capture_on_commit_callbacks, queued
):
    # given two payments the processor captured and then saw disputed
    first, first_events = disputed_at_the_processor(
        frozen_basket, django_capture_on_commit_callbacks
    )
    second, second_events = disputed_at_the_processor(
        frozen_basket, django_capture_on_commit_callbacks
    )

    # when the first's events are processed in order, the second's in reverse, each twice
    for event in first_events + first_events:
        provider_event_handle(event_id=event.pk)
    outcomes = [provider_event_handle(event_id=e.pk) for e in reversed(second_events * 2)]

    # then both end disputed with the whole amount captured, having walked the same steps
    for payment in (first, second):
        payment.refresh_from_db()
        assert (payment.status, payment.captured_minor) == (
            PaymentStatus.DISPUTED,
            payment.amount_minor,
        )
        assert list(payment.events.values_list("from_status", "to_status")) == [
            ("", "created"),
            ("created", "authorized"),
            ("authorized", "captured"),
            ("captured", "disputed"),
        ]
    assert outcomes == ["done", "done", "done", "already", "already", "already"]
    assert ProviderEvent.objects.filter(processed_at__isnull=True).count() == 0


def test_a_duplicate_delivery_is_stored_once_and_queued_once(
    frozen_basket, django_capture_on_commit_callbacks, queued
):
    body, headers = signed(event_payload())
    with django_capture_on_commit_callbacks(execute=True):
        first = provider_event_ingest(provider="sandbox", body=body, headers=headers)
        second = provider_event_ingest(provider="sandbox", body=body, headers=headers)
    assert first[1] is True and second[1] is False
    assert first[0].pk == second[0].pk
    assert ProviderEvent.objects.count() == 1
    assert queued == [("payments.provider_event_process", (first[0].pk,))]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(
            lambda body, headers: (body, {**headers, "webhook-timestamp": "1"}), id="stale"
        ),
        pytest.param(lambda body, headers: (body + b" ", headers), id="tampered-body"),
        pytest.param(
            lambda body, headers: (
                body,
                headers_sign(secret="whsec_bm90LW91cnM=", msg_id="evt_test_1", body=body),
            ),
            id="wrong-secret",
        ),
        pytest.param(lambda body, headers: (body, {}), id="unsigned"),
    ],
)
def test_a_stale_or_wrongly_signed_event_is_rejected_with_nothing_stored(
    client, spoil, django_capture_on_commit_callbacks, queued
):
    body, headers = spoil(*signed(event_payload()))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("payments:webhook", args=["sandbox"]),
            data=body,
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 400
    assert ProviderEvent.objects.count() == 0
    assert queued == []


def test_a_stale_event_correctly_signed_long_ago_is_refused():
    old = int(time.time()) - 3600
    body, headers = signed({**event_payload(), "created": old}, timestamp=old)
    with pytest.raises(InvalidRequest, match="tolerance"):
        provider_event_ingest(provider="sandbox", body=body, headers=headers)
    assert ProviderEvent.objects.count() == 0


def test_a_signed_event_through_the_webhook_endpoint_is_stored_and_queued(
    client, django_capture_on_commit_callbacks, queued
):
    body, headers = signed(event_payload(event_id="evt_endpoint"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("payments:webhook", args=["sandbox"]),
            data=body,
            content_type="application/json",
            headers=headers,
        )
        again = client.post(
            reverse("payments:webhook", args=["sandbox"]),
            data=body,
            content_type="application/json",
            headers=headers,
        )
    assert (response.status_code, response.content) == (200, b"stored")
    assert (again.status_code, again.content) == (200, b"duplicate")
    event = ProviderEvent.objects.get()
    assert (event.provider, event.event_id, event.type) == (
        "sandbox",
        "evt_endpoint",
        "payment.succeeded",
    )
    assert queued == [("payments.provider_event_process", (event.pk,))]


def test_an_unconfigured_provider_is_not_found(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = client.post(
        reverse("payments:webhook", args=["stripe"]), data=b"{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_an_event_for_a_payment_not_known_yet_waits_for_a_retry(queued):
    body, headers = signed(event_payload(object_id="sbx_pi_unknown"))
    event, _ = provider_event_ingest(provider="sandbox", body=body, headers=headers)
    with pytest.raises(EventNotMatched):
        provider_event_handle(event_id=event.pk)
    event.refresh_from_db()
    assert (event.processed_at, event.attempts) == (None, 1)


def test_events_of_other_types_are_acknowledged_and_ignored(queued):
    body, headers = signed(event_payload(type_="customer.created"))
    event, _ = provider_event_ingest(provider="sandbox", body=body, headers=headers)
    assert event.type == "other"
    assert provider_event_handle(event_id=event.pk) == "ignored"
    event.refresh_from_db()
    assert event.processed_at is not None


@pytest.fixture
def empty_queue():
    """No messages left over from other tests in the broker before the worker starts."""
    from marketplace.celery import app

    app.control.purge()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_dispute_card_is_captured_then_disputed_through_a_real_worker(
    empty_queue, celery_worker, bazaar, client
):
    # given a guest paying with the card that is disputed after payment
    response = Checkout(client, bazaar).pay(CARD_DISPUTED)
    assert response["Location"] == reverse("checkout:thank-you")
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.CAPTURED

    # when the worker processes the sandbox's events, the bank's dispute among them
    disputed = wait_for(lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.DISPUTED)

    # then the payment is disputed, from the processor's events alone
    assert disputed, list(ProviderEvent.objects.values_list("type", "processed_at", "last_error"))
    assert wait_for(lambda: not ProviderEvent.objects.filter(processed_at__isnull=True).exists())
    types = sorted(ProviderEvent.objects.values_list("type", flat=True))
    assert types == ["dispute.created", "payment.authorized", "payment.succeeded"]
    event = payment.events.get(to_status=PaymentStatus.DISPUTED)
    assert event.source.startswith("event:evt_sbx_")

    # and when the bank decides it (management command), the decision arrives the same way
    call_command("sandbox_dispute", payment.reference, close="lost")
    assert wait_for(lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.DISPUTE_LOST)
