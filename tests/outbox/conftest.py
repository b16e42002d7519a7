"""Outbox fixtures: a broker nobody listens on, the default queue's contents, a counting task."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from django.conf import settings

from marketplace.celery import app


@app.task(name="tests.outbox.count")
def count(key: str) -> None:
    """Count a run under ``key`` in the real Redis (the tests' stand-in for real work)."""
    redis.Redis.from_url(settings.REDIS_URL).incr(key)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down() -> Iterator[str]:
    """Point publishing at a port nothing listens on (the broker is down) until the test ends
    or calls the returned ``broker_back``; the worker keeps consuming from the real broker."""
    real = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{_free_port()}/0"
    try:
        yield real
    finally:
        app.conf.broker_url = real


@pytest.fixture
def queue() -> Queue:
    """The real broker's default queue in this run's Redis database."""
    return Queue(redis.Redis.from_url(settings.REDIS_URL))


class Queue:
    """Celery's default queue ("celery" list) as the broker holds it."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def task_ids(self) -> list[str]:
        return [json.loads(raw)["headers"]["id"] for raw in self.client.lrange("celery", 0, -1)]

    def remove(self, task_ids: set[str]) -> None:
        for raw in self.client.lrange("celery", 0, -1):
            if json.loads(raw)["headers"]["id"] in task_ids:
                self.client.lrem("celery", 0, raw)


def wait_for(predicate: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
