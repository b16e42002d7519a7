"""Queueing discipline and the platform's own periodic tasks.

Work is queued through a transactional outbox (``outbox/``): the task call is written to
PostgreSQL in the caller's transaction and handed to the broker once that transaction has
committed. A rolled-back request queues nothing, a worker never looks for rows that do not exist
yet, and a broker outage loses nothing: ``manage.py outbox_relay`` publishes what could not be
published at commit time. Delivery is at-least-once, so every task queued here must be idempotent.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` with ``args``/``kwargs`` once the current transaction commits.

    Inserts one ``outbox.OutboxMessage`` row in the caller's transaction (nothing is kept if it
    rolls back) and, after commit, publishes it with a short broker timeout and marks it sent.
    If the broker is unreachable the commit still succeeds and the row stays pending until the
    relay publishes it. Outside a transaction the row is written and published at once.
    Arguments must be JSON-serialisable (ids, not objects): ``TypeError`` otherwise, before commit.
    The task may run more than once (at-least-once delivery) and must be idempotent.
    """
    from outbox.services import outbox_message_create, outbox_message_publish_on_commit

    message = outbox_message_create(task_name=task.name, args=list(args), kwargs=dict(kwargs))
    outbox_message_publish_on_commit(message=message)


@shared_task(name="core.stock_alerts_send", ignore_result=True)
def stock_alerts_send() -> None:
    """Email customers whose watched products are back in stock (Oscar's AlertsDispatcher).

    Replaces Oscar's eager alerts (``OSCAR_EAGER_ALERTS = False``) so stock writes stay fast.
    Idempotent: Oscar closes each alert once it is sent.
    """
    from oscar.core.loading import get_class

    dispatcher = get_class("customer.alerts.utils", "AlertsDispatcher")()
    dispatcher.send_alerts()
