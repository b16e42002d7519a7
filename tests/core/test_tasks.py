"""Tasks are queued on commit (through the outbox) and run by a real worker; a rollback queues
nothing and leaves no outbox row."""

import time
import uuid

import pytest
import redis
from django.conf import settings
from django.db import transaction

from marketplace.celery import app
from marketplace.core.tasks import enqueue_on_commit
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)


@app.task(name="tests.mark_done")
def mark_done(key: str) -> None:
    redis.Redis.from_url(settings.REDIS_URL).set(key, "done", ex=60)


def _wait_for(client: redis.Redis, key: str, seconds: float) -> bytes | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = client.get(key)
        if value is not None:
            return value
        time.sleep(0.05)
    return None


def test_a_task_queued_in_a_committed_transaction_runs_on_the_worker(celery_worker):
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"test-task-{uuid.uuid4()}"

    with transaction.atomic():
        enqueue_on_commit(mark_done, key)
        # not queued yet: the transaction is still open
        assert client.get(key) is None

    assert _wait_for(client, key, 10) == b"done"
    assert OutboxMessage.objects.get().sent_at is not None


def test_a_rolled_back_transaction_queues_nothing():
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"test-task-{uuid.uuid4()}"
    queued_before = client.llen("celery")

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(mark_done, key)
        raise RuntimeError("the request failed")

    assert client.llen("celery") == queued_before
    assert client.get(key) is None
    assert not OutboxMessage.objects.exists()
