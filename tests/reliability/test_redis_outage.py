"""Redis (the Celery broker) stops during checkout (issue #8): orders are still placed and paid,
the work they queue waits in PostgreSQL (the transactional outbox), and once Redis is back the
relay publishes it and the worker does all of it, once: confirmation emails, webhook processing,
customs declarations, exactly as in a run without the outage.

A private redis-server on port 6391 is the broker (the shared Redis keeps the cache); a real
Celery worker (threads of this process) consumes from it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse

from customs.models import Declaration
from ledger.models import Transaction
from marketplace.celery import app
from outbox.models import OutboxMessage
from outbox.services import outbox_relay_run_once
from payments.models import Payment, PaymentStatus, ProviderEvent
from purchases.models import Purchase
from tests.payments.fixtures import CARD_OK, card

pytestmark = pytest.mark.django_db(transaction=True)

PORT = 6391
BROKER_URL = f"redis://127.0.0.1:{PORT}/0"
FULL = os.environ.get("RELIABILITY_FULL", "") not in ("", "0")
CHECKOUTS = 40 if FULL else 6
BASELINE = 2


class PrivateRedis:
    """A redis-server of our own on ``PORT`` that the test may stop and start (never the shared
    one). Nothing is persisted: what it held is gone when it stops, as in a real crash."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(shutil.which("redis-server") or "redis-server", "--port", str(PORT)),
                *("--save", "", "--appendonly", "no", "--bind", "127.0.0.1"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {PORT}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def _reset_broker_pools() -> None:
    # Celery caches its producer pool per app: make it follow the broker URL the test sets.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(settings) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    redis_server = PrivateRedis()
    redis_server.start()
    real = app.conf.broker_url
    app.conf.broker_url = BROKER_URL
    _reset_broker_pools()
    # The relay may take over a row at once; no grace period left to the request's own publish.
    settings.OUTBOX_RELAY_GRACE_SECONDS = 0
    try:
        yield redis_server
    finally:
        app.conf.broker_url = real
        _reset_broker_pools()
        redis_server.stop()


@contextmanager
def worker(django_db_blocker) -> Iterator[None]:
    from celery.contrib.testing.worker import start_worker

    with (
        django_db_blocker.unblock(),
        start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="ERROR"
        ),
    ):
        yield


@pytest.fixture
def goods(_hs_codes_and_rules):
    """Two merchants' goods (saffron, a carpet) with plenty in stock, shipped to Herat."""
    from oscar.core.loading import get_model

    from tests.customs.factories import CARPET, SAFFRON, country_ensure, merchant_with_goods

    country_ensure("AF")
    saffron_house, (saffron,) = merchant_with_goods(SAFFRON)
    carpet_house, (carpet,) = merchant_with_goods(CARPET, name="Vakil Carpet Bazaar")
    get_model("partner", "StockRecord").objects.update(num_in_stock=10_000)
    return [(saffron_house, saffron), (carpet_house, carpet)]


@pytest.fixture
def _hs_codes_and_rules(db):
    from tests.customs.factories import customs_rules_ensure, hs_codes_ensure, risk_rules_off

    hs_codes_ensure()
    customs_rules_ensure()
    risk_rules_off()


def checkout(goods, n: int) -> Purchase:
    """One guest's checkout to Herat, paid with the sandbox card; returns the purchase."""
    from tests.customs.factories import abroad_checkout

    email = f"buyer{n}@herat.example"
    flow = abroad_checkout(Client(), goods, [1, 1])
    flow.address(email=email)
    flow.client.get(reverse("checkout:payment-details"))
    fields = card(CARD_OK)
    assert flow.preview(fields).status_code == 200
    response = flow.place(fields)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("checkout:thank-you")
    return Purchase.objects.get(guest_email=email)


def effects(purchase: Purchase) -> dict[str, object]:
    """What a purchase's queued work leaves behind, counted so that a duplicate shows."""
    payment = Payment.objects.get(purchase=purchase)
    events = ProviderEvent.objects.filter(object_id=payment.provider_ref)
    return {
        "paid": payment.status == PaymentStatus.CAPTURED,
        "emails": sum(purchase.email in message.to for message in mail.outbox),
        "confirmation_recorded": Purchase.objects.get(pk=purchase.pk).confirmation_sent_at
        is not None,
        "declarations": Declaration.objects.filter(merchant_order__purchase=purchase).count(),
        "events": events.count(),
        "events_unprocessed": events.filter(processed_at__isnull=True).count(),
        "ledger": sorted(
            key.split(":", 2)[2]
            for key in Transaction.objects.filter(
                idempotency_key__startswith=f"payment:{payment.pk}:"
            ).values_list("idempotency_key", flat=True)
        ),
    }


def settled(purchases: list[Purchase], expected: dict[str, object]) -> bool:
    return all(effects(p) == expected for p in purchases)


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def test_checkouts_during_a_redis_outage_are_placed_paid_and_their_work_done_once(
    broker, goods, django_db_blocker
):
    # given a run without an outage, the reference for what each purchase's work leaves behind
    with worker(django_db_blocker):
        baseline = [checkout(goods, n) for n in range(BASELINE)]
        assert wait_until(
            lambda: (
                all(effects(p)["emails"] == 1 and effects(p)["declarations"] == 2 for p in baseline)
                and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
            ),
            60,
        ), [effects(p) for p in baseline]
        time.sleep(1)  # anything queued late (webhook processing) settles too
    expected = effects(baseline[0])
    assert expected["paid"] and expected["emails"] == 1 and expected["declarations"] == 2
    assert expected["events_unprocessed"] == 0
    assert all(effects(p) == expected for p in baseline)
    last_before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    # when Redis stops and buyers keep checking out
    broker.stop()
    outage = [checkout(goods, BASELINE + n) for n in range(CHECKOUTS)]

    # then every order is placed and paid, and the work they queued waits in PostgreSQL
    placed = len(outage)
    paid = Payment.objects.filter(purchase__in=outage, status=PaymentStatus.CAPTURED).count()
    during = OutboxMessage.objects.filter(pk__gt=last_before)
    queued_during_outage = during.count()
    assert not during.filter(sent_at__isnull=False).exists()  # nothing reached the broker
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert queued_during_outage >= 3 * CHECKOUTS  # an email and two declarations at least
    assert all(effects(p)["emails"] == 0 for p in outage)
    # a relay pass while the broker is down publishes nothing and loses nothing
    assert outbox_relay_run_once(batch_size=500).sent == 0
    assert during.filter(sent_at__isnull=True).count() == queued_during_outage

    # when Redis is back: the relay publishes everything and the worker does the work
    broker.start()
    _reset_broker_pools()
    delivered_after = 0
    with worker(django_db_blocker):
        deadline = time.monotonic() + 120
        while pending.exists() and time.monotonic() < deadline:
            delivered_after += outbox_relay_run_once(batch_size=100).sent
            time.sleep(0.3)
        done = wait_until(lambda: settled(outage, expected), 120)
        time.sleep(1)  # a duplicate delivery would show in the effects now
        outcomes = [effects(p) for p in outage]
    connections.close_all()

    lost = sum(
        outcome["emails"] == 0
        or outcome["declarations"] < 2
        or outcome["events_unprocessed"] > 0
        or not outcome["confirmation_recorded"]
        for outcome in outcomes
    )
    duplicates = sum(
        max(int(outcome["emails"]) - 1, 0) + max(int(outcome["declarations"]) - 2, 0)
        for outcome in outcomes
    )
    print(  # noqa: T201 - the suite's output is these figures
        f"\nRELIABILITY redis-outage: checkouts={CHECKOUTS} placed={placed} paid={paid} "
        f"queued_during_outage={queued_during_outage} delivered_after={delivered_after} "
        f"lost={lost} duplicates={duplicates}",
        flush=True,
    )
    assert (placed, paid) == (CHECKOUTS, CHECKOUTS)
    assert delivered_after >= queued_during_outage
    assert not pending.exists()
    assert done, [o for o in outcomes if o != expected][:3]
    assert (lost, duplicates) == (0, 0)
    assert outcomes == [expected] * CHECKOUTS
    assert len(mail.outbox) == BASELINE + CHECKOUTS
