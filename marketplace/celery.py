"""The Celery application: Redis broker, JSON only, settings from Django's CELERY_* names."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.local")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _check_services(**_kwargs) -> None:
    """Refuse to start a worker whose database or broker is unreachable, in one line."""
    from django.conf import settings

    from marketplace.env import check_reachable

    check_reachable(database=settings.DATABASES["default"], redis=settings.REDIS_URL)


@app.task(name="marketplace.ping")
def ping() -> str:
    """Answer 'pong'; /readyz uses it to prove a worker is consuming the queue."""
    return "pong"
