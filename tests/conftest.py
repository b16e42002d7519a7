"""Shared fixtures: PostgreSQL through pytest-django, the real Redis, a real Celery worker."""

from __future__ import annotations

import os
import shutil

import pytest

pytest_plugins = ["tests.playwright_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise pytest.UsageError(
            "DATABASE_URL and REDIS_URL must be set: run `make test`, which starts embedded "
            "PostgreSQL and Redis when they are not"
        )


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache namespace in the real Redis."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def celery_worker(django_db_blocker):
    """A real Celery worker (threads of this process) consuming from the real Redis broker.

    Started and stopped per test, so a test without it has no worker. Tests whose tasks read rows
    must use ``transactional_db`` so the worker's connection sees committed data.
    """
    from celery.contrib.testing.worker import start_worker

    from marketplace.celery import app

    with (
        django_db_blocker.unblock(),
        start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
        ) as worker,
    ):
        yield worker


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; skipped with a reason where absent, a failure in CI."""
    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian chromium at /usr/bin/chromium for browser tests")
        pytest.skip(
            "Debian chromium is not installed (apt-get install chromium); browser test skipped"
        )
    return path


@pytest.fixture
def hs_codes(db):
    """The HS 2022 nomenclature (loaded by migration; reloaded if a transactional test emptied it)."""
    from tests.customs.factories import hs_codes_ensure

    hs_codes_ensure()


@pytest.fixture
def iran(db):
    """Iran as a shipping country (the only one unless a test adds more)."""
    from tests.shop import iran_ensure

    return iran_ensure()


@pytest.fixture
def bazaar(iran):
    """Three merchants, one product each (4.5M, 30M and 2M rials, five in stock)."""
    from tests.shop import bazaar_create

    return bazaar_create()
