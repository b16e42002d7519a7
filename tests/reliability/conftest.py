"""The reliability suite (issue #8): races, replays, shuffled webhooks, a killed worker and a
restarted database, each asserting its invariants against the real PostgreSQL, Redis and Celery.

Sizes: ``RELIABILITY_FULL=1`` (``make reliability``) runs the issue's sizes; otherwise the CI
sizes (small enough that the whole folder runs in a few minutes). Overrides per scenario:
``RELIABILITY_BUYERS``, ``RELIABILITY_BASKETS``, ``RELIABILITY_WEBHOOK_EVENTS``,
``RELIABILITY_KILL_RUNS``. Each scenario prints one line,
``RELIABILITY <name>: attempts=.. successes=.. duplicates=.. violations=.. ...`` (``-s`` shows it).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
R = TypeVar("R")

FULL = os.environ.get("RELIABILITY_FULL", "") not in ("", "0")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a reliability scenario (``-m reliability`` selects them)."""
    for item in items:
        if "tests/reliability/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.reliability)


def scale(ci: int, full: int, *, override: str | None = None) -> int:
    """The scenario's size: ``full`` under ``RELIABILITY_FULL=1``, else ``ci``; the environment
    variable named ``override`` (e.g. ``RELIABILITY_WEBHOOK_EVENTS=2000``), when set, wins (to run a
    long scenario at an intermediate size on a busy machine)."""
    if override and os.environ.get(override):
        return int(os.environ[override])
    return full if FULL else ci


def report(
    name: str, *, attempts: int, successes: int, duplicates: int, violations: int, **extra: Any
) -> str:
    """Print (and return) the scenario's figures on one line."""
    figures = {
        "attempts": attempts,
        "successes": successes,
        "duplicates": duplicates,
        "violations": violations,
        **extra,
    }
    line = f"RELIABILITY {name}: " + " ".join(f"{key}={value}" for key, value in figures.items())
    print("\n" + line, flush=True)  # noqa: T201 - the suite's output is these figures
    return line


def race(fn: Callable[[T], R], items: Iterable[T], *, workers: int) -> list[R | BaseException]:
    """Run ``fn(item)`` for every item on ``workers`` threads released together by a barrier.

    Each thread has its own database connection (Django's connections are per thread), closed
    when it finishes. Results are in the items' order; an exception is returned in its place.
    """
    from django.db import connections

    todo = list(items)
    results: list[Any] = [None] * len(todo)
    cursor = iter(range(len(todo)))
    lock = threading.Lock()
    barrier = threading.Barrier(min(workers, len(todo)) or 1)

    def work() -> None:
        try:
            barrier.wait(timeout=120)
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                try:
                    results[index] = fn(todo[index])
                except BaseException as exc:  # collected for the test to assert on
                    results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(min(workers, len(todo)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def failures(results: list[Any], limit: int = 3) -> list[str]:
    """The tracebacks of the exceptions among ``race`` results (the first ``limit``)."""
    import traceback

    errors = [r for r in results if isinstance(r, BaseException)]
    return ["".join(traceback.format_exception(e)) for e in errors[:limit]]


def wait_for(predicate: Callable[[], bool], *, timeout: float = 60.0, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


@pytest.fixture(autouse=True)
def _quiet_logs():
    """Refused checkouts and killed workers log tracebacks by design; the figures are the output."""
    import logging

    logging.disable(logging.ERROR)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture
def fee_rules(db):
    """The settlement tests' fee rules (commission 10%, city fee 2%, VAT 9%)."""
    from tests.settlement.factories import fee_rules_create

    fee_rules_create()


def ledger_violations() -> list[str]:
    """What ``manage.py ledger_check`` reports (an empty list when the ledger is sound)."""
    from ledger.selectors import ledger_check

    return ledger_check().violations
