"""/healthz and /readyz, against the real PostgreSQL, Redis and a real Celery worker."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_touching_services(client, django_assert_num_queries):
    # given a running process; when the probe is called
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    # then it answers 200 with a JSON status
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_ready_when_database_redis_and_a_worker_answer(client, celery_worker):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "celery": True,
    }


def test_readyz_is_503_and_names_celery_when_no_worker_consumes(client, monkeypatch):
    # given no worker (none started in this test) and a short ping
    monkeypatch.setattr("marketplace.core.health.CELERY_PING_TIMEOUT", 0.3)

    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["celery"]["ok"] is False
    assert "no worker" in body["checks"]["celery"]["error"]


def test_readyz_is_503_and_names_redis_when_redis_is_unreachable(client, monkeypatch, settings):
    monkeypatch.setattr("marketplace.core.health.CELERY_PING_TIMEOUT", 0.3)
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
