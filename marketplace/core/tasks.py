"""Queueing discipline and the platform's own periodic tasks.

Work is queued only once the transaction that asked for it has committed, so a rolled-back request
queues nothing and a worker never looks for rows that do not exist yet.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` with ``args``/``kwargs`` when the current transaction commits.

    Outside a transaction it queues at once. Nothing is queued if the transaction rolls back.
    Arguments must be JSON-serialisable (ids, not objects).
    """
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


@shared_task(name="core.stock_alerts_send", ignore_result=True)
def stock_alerts_send() -> None:
    """Email customers whose watched products are back in stock (Oscar's AlertsDispatcher).

    Replaces Oscar's eager alerts (``OSCAR_EAGER_ALERTS = False``) so stock writes stay fast.
    Idempotent: Oscar closes each alert once it is sent.
    """
    from oscar.core.loading import get_class

    dispatcher = get_class("customer.alerts.utils", "AlertsDispatcher")()
    dispatcher.send_alerts()
