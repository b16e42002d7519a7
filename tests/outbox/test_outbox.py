"""Queued work goes through the outbox: written in the caller's transaction, published after it
commits, kept in PostgreSQL while the broker is down and published by the relay when it is back.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone

from marketplace.core.tasks import enqueue_on_commit
from outbox.models import OutboxMessage
from outbox.services import outbox_prune, outbox_relay_run_once
from tests.outbox.conftest import count, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key() -> str:
    return f"outbox-test-{uuid.uuid4()}"


@pytest.fixture
def counter():
    client = redis.Redis.from_url(settings.REDIS_URL)
    return lambda key: int(client.get(key) or 0)


@pytest.fixture
def no_grace(settings):
    """The relay may take over a row at once (no grace period left to the fast path)."""
    settings.OUTBOX_RELAY_GRACE_SECONDS = 0


def test_a_rolled_back_transaction_writes_no_row_and_publishes_nothing(key, queue):
    queued_before = queue.task_ids()

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(count, key)
        raise RuntimeError("the request failed")

    assert OutboxMessage.objects.count() == 0
    assert queue.task_ids() == queued_before


def test_a_committed_transaction_writes_one_row_and_the_task_runs_once(
    celery_worker, key, counter, no_grace
):
    with transaction.atomic():
        enqueue_on_commit(count, key)
        # written with the caller's rows, not published yet
        message = OutboxMessage.objects.get()
        assert (message.task_name, message.args, message.sent_at) == (
            "tests.outbox.count",
            [key],
            None,
        )

    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 1
    assert wait_for(lambda: counter(key) == 1)

    # the relay finds nothing left to publish, and the task does not run again
    call_command("outbox_relay", "--once")
    time.sleep(1)
    assert counter(key) == 1


def test_outside_a_transaction_the_row_is_written_and_published_at_once(
    celery_worker, key, counter
):
    enqueue_on_commit(
        count,
        key,
    )

    message = OutboxMessage.objects.get()
    assert message.sent_at is not None
    assert wait_for(lambda: counter(key) == 1)


def test_arguments_that_are_not_json_are_refused_before_commit_and_nothing_is_kept(key):
    with pytest.raises(TypeError), transaction.atomic():
        Site.objects.create(domain="refused.example", name="refused")
        enqueue_on_commit(count, object())

    assert OutboxMessage.objects.count() == 0
    assert not Site.objects.filter(domain="refused.example").exists()


def test_an_unreachable_broker_does_not_fail_the_commit_and_the_work_stays_pending(
    broker_down, key, queue
):
    queued_before = queue.task_ids()
    started = time.monotonic()

    with transaction.atomic():
        Site.objects.create(domain="shop.example", name="order placed")
        enqueue_on_commit(count, key)

    elapsed = time.monotonic() - started
    # the commit stands and the work is kept, not lost
    assert Site.objects.filter(domain="shop.example").exists()
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "Connection refused" in message.last_error or "connect" in message.last_error.lower()
    assert queue.task_ids() == queued_before
    # not a hang: one refused connection, no retry loop (Celery's default retries for seconds)
    assert elapsed < settings.OUTBOX_BROKER_CONNECT_TIMEOUT + 2


def test_the_relay_backs_off_while_the_broker_is_down(broker_down, key, no_grace):
    enqueue_on_commit(count, key)

    with pytest.raises(SystemExit) as exit_info:
        call_command("outbox_relay", "--once")

    assert exit_info.value.code == 1
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.attempts == 2
    assert message.available_at > timezone.now()


def test_the_relay_publishes_pending_work_once_the_broker_is_back(
    celery_worker, broker_down, key, counter, no_grace
):
    from marketplace.celery import app

    for _ in range(3):
        with transaction.atomic():
            enqueue_on_commit(count, key)
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 3

    app.conf.broker_url = broker_down  # the broker is back
    call_command("outbox_relay", "--once")

    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    assert wait_for(lambda: counter(key) == 3)
    time.sleep(0.5)
    assert counter(key) == 3


def test_two_concurrent_relays_publish_each_message_once(key, queue, no_grace):
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(task_name="tests.outbox.count", args=[f"{key}-{n}"]) for n in range(100)
    )
    expected = {message.celery_task_id for message in messages}
    first_holds_its_batch = threading.Event()
    second_done = threading.Event()
    results: dict[str, int] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = outbox_relay_run_once(batch_size=60).sent
                first_holds_its_batch.set()  # its 60 rows stay locked until it commits
                second_done.wait(30)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_holds_its_batch.wait(30)
            results["second"] = outbox_relay_run_once(batch_size=100).sent
            second_done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    try:
        published = [task_id for task_id in queue.task_ids() if task_id in expected]
        assert results == {"first": 60, "second": 40}
        assert sorted(published) == sorted(expected)  # each exactly once
        assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    finally:
        queue.remove(expected)


def test_pruning_deletes_old_sent_rows_only():
    now = timezone.now()
    old_sent = OutboxMessage.objects.create(task_name="t", sent_at=now - timedelta(days=8))
    recent_sent = OutboxMessage.objects.create(task_name="t", sent_at=now - timedelta(days=1))
    old_pending = OutboxMessage.objects.create(task_name="t", created_at=now - timedelta(days=30))

    assert outbox_prune(older_than=timedelta(days=7)) == 1

    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert remaining == {recent_sent.pk, old_pending.pk}
    assert old_sent.pk not in remaining
