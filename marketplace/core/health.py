"""Liveness and readiness probes.

``/healthz`` says the process answers; ``/readyz`` checks PostgreSQL, Redis and that a Celery worker
consumes the queue, and answers 503 when any one fails, with each check's state in JSON.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

CELERY_PING_TIMEOUT = 2.0


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis() -> None:
    cache.set("readyz", "1", timeout=10)
    if cache.get("readyz") != "1":
        raise RuntimeError("read back a different value")


def _check_celery() -> None:
    from marketplace.celery import app

    replies = app.control.ping(timeout=CELERY_PING_TIMEOUT, limit=1)
    if not replies:
        raise RuntimeError("no worker answered the ping")


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "redis": _check_redis,
    "celery": _check_celery,
}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # a probe reports every failure, whatever its type
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    ready = all(r["ok"] for r in results.values())
    body = {"status": "ok" if ready else "fail", "checks": results, "debug": settings.DEBUG}
    return JsonResponse(body, status=200 if ready else 503)
