"""Writes to the outbox: queue a task in the caller's transaction, publish it, relay, prune.

Delivery is at-least-once: a message is published by the request's fast path right after commit
or, when that fails (broker down, process killed between commit and publish), by the relay
(``manage.py outbox_relay``). A relay crash between publishing and marking a row sent publishes it
again, so every task queued this way must be idempotent (take ids, re-fetch, return early if the
work is done). Each publication of a row carries the same Celery task id, ``outbox-<pk>``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

_MARK_SENT_SQL = (
    f"UPDATE {OutboxMessage._meta.db_table} SET sent_at = %s, attempts = attempts + 1, "  # noqa: S608
    "last_error = '' WHERE id = %s AND sent_at IS NULL"
)

_local = threading.local()
# Per broker URL: the monotonic time before which the fast path does not try the broker again,
# so a dead broker costs each request nothing once one publish has failed.
_broker_down_until: dict[str, float] = {}


@dataclass(frozen=True)
class RelayResult:
    """What one relay pass did: rows published, rows that failed (left pending with backoff)."""

    sent: int
    failed: int


def outbox_message_create(
    *, task_name: str, args: list[Any], kwargs: dict[str, Any]
) -> OutboxMessage:
    """Insert one pending message in the current transaction (one INSERT) and return it.

    ``args``/``kwargs`` must be JSON-serialisable (ids, not objects): ``TypeError`` otherwise,
    raised here, in the caller's transaction, rather than after commit. The relay leaves the row
    to the fast path for ``OUTBOX_RELAY_GRACE_SECONDS`` before it publishes it itself.
    """
    now = timezone.now()
    return OutboxMessage.objects.create(
        task_name=task_name,
        args=args,
        kwargs=kwargs,
        created_at=now,
        available_at=now + timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS),
    )


def outbox_message_insert_sql(
    *, task_name: str, args_sql: str, source: str
) -> tuple[str, list[Any]]:
    """SQL and parameters of an ``INSERT ... SELECT ... FROM <source> RETURNING id`` that queues
    ``task_name`` once for each row of ``source`` (a CTE of the caller's statement), its positional
    arguments the JSON array ``args_sql`` evaluates to (e.g. ``jsonb_build_array(event.id)``).

    For a hot path that writes its own row and the outbox row in one statement (one round trip,
    atomic even in autocommit). The caller then hands each returned id to
    ``outbox_message_publish_on_commit``; the row is the same ``outbox_message_create`` writes.
    """
    now = timezone.now()
    table = OutboxMessage._meta.db_table
    # Table names come from the models and values go as parameters.
    sql = (
        f"INSERT INTO {table} (task_name, args, kwargs, created_at, available_at, attempts, "  # noqa: S608
        f"last_error) SELECT %s, {args_sql}, '{{}}'::jsonb, %s, %s, 0, '' FROM {source} "
        "RETURNING id"
    )
    available_at = now + timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS)
    return sql, [task_name, now, available_at]


def outbox_message_publish_on_commit(*, message: OutboxMessage) -> None:
    """Publish ``message`` (see ``outbox_message_publish``) once the current transaction
    commits; at once in autocommit."""
    transaction.on_commit(lambda: outbox_message_publish(message=message))


def outbox_message_publish(*, message: OutboxMessage) -> bool:
    """The fast path, run after the caller's commit: publish ``message`` and mark it sent.

    Never raises (the caller's transaction has already committed): a failure is logged, the row
    stays pending for the relay (with the error and the attempt recorded) and, for a few seconds,
    later calls skip the broker altogether. Returns whether the message was published.
    """
    url = _broker_url()
    if _broker_down_until.get(url, 0.0) > time.monotonic():
        return False
    try:
        _publish(message, url=url)
    except Exception as exc:  # any failure leaves the row to the relay
        if _is_connection_error(exc):
            # The broker is unreachable: spare the next requests the attempt for a while.
            _broker_down_until[url] = time.monotonic() + settings.OUTBOX_FAST_PATH_COOLDOWN_SECONDS
            logger.warning(
                "outbox message %s (%s) left for the relay: %s", message.pk, message.task_name, exc
            )
        else:
            logger.exception(
                "outbox message %s (%s) could not be published; left for the relay",
                message.pk,
                message.task_name,
            )
        try:
            OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
                attempts=F("attempts") + 1, last_error=_error_text(exc)
            )
        except Exception:  # the relay will still find the row
            logger.exception("could not record the failed publish of outbox message %s", message.pk)
        return False
    _broker_down_until.pop(url, None)
    try:
        # On every queued task's path: plain SQL, a third of the ORM's CPU for this statement.
        with db_connection.cursor() as cursor:
            cursor.execute(_MARK_SENT_SQL, [timezone.now(), message.pk])
    except Exception:  # published; at worst the relay publishes it once more
        logger.exception("outbox message %s published but not marked sent", message.pk)
    return True


def outbox_relay_run_once(*, batch_size: int = 100) -> RelayResult:
    """Publish up to ``batch_size`` due pending messages, oldest first; mark them sent.

    Rows are locked with ``FOR UPDATE SKIP LOCKED`` for the pass, so concurrent relays share the
    work and never publish the same row twice. A failed publish puts that row back with an
    exponential backoff (1 s, 2 s, 4 s … up to ``OUTBOX_RELAY_MAX_BACKOFF_SECONDS``) and ends the
    pass: the rest of the batch would most likely fail the same way (broker down).
    """
    url = _broker_url()
    sent: list[int] = []
    failed = 0
    with transaction.atomic():
        now = timezone.now()
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, available_at__lte=now)
            .order_by("available_at", "id")[:batch_size]
        )
        for row in rows:
            try:
                _publish(row, url=url)
            except Exception as exc:  # retried after the backoff
                failed = 1
                delay = min(2**row.attempts, settings.OUTBOX_RELAY_MAX_BACKOFF_SECONDS)
                OutboxMessage.objects.filter(pk=row.pk).update(
                    attempts=F("attempts") + 1,
                    last_error=_error_text(exc),
                    available_at=timezone.now() + timedelta(seconds=delay),
                )
                logger.warning(
                    "outbox relay: message %s (%s) not published, retry in %s s: %s",
                    row.pk,
                    row.task_name,
                    delay,
                    exc,
                )
                break
            sent.append(row.pk)
        if sent:
            OutboxMessage.objects.filter(pk__in=sent).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
    if sent:
        _broker_down_until.pop(url, None)
    return RelayResult(sent=len(sent), failed=failed)


def outbox_prune(*, older_than: timedelta | None = None, batch_size: int = 5000) -> int:
    """Delete sent messages older than ``older_than`` (default ``OUTBOX_RETENTION_DAYS``).

    Pending messages are never deleted. Deletes in batches so no lock is held for long; returns
    the number of rows deleted. Idempotent.
    """
    if older_than is None:
        older_than = timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(sent_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]


def _publish(message: OutboxMessage, *, url: str) -> None:
    """Hand one message to the broker; raise on failure.

    Uses this thread's own broker connection with a short connect timeout and no connection
    retries (Celery's default publish path retries for ``broker_connection_timeout`` and more),
    so an unreachable broker fails in about ``OUTBOX_BROKER_CONNECT_TIMEOUT`` seconds at most.
    A kept connection that fails (the broker restarted since) is replaced and tried once more.
    """
    from marketplace.celery import app

    task = app.tasks.get(message.task_name)
    while True:
        kept = url in _connections()
        connection = _connection(url)
        options = {
            "task_id": message.celery_task_id,
            "connection": connection,
            "retry": False,
            # Nobody can wait for the result of work queued this way (enqueue_on_commit returns
            # nothing), and skipping the result subscription keeps the publish to one command.
            "ignore_result": True,
        }
        try:
            if task is not None:
                # Through the task, so its own options (and anything hooked on apply_async) apply.
                task.apply_async(args=message.args, kwargs=message.kwargs, **options)
            else:
                app.send_task(
                    message.task_name, args=message.args, kwargs=message.kwargs, **options
                )
            return
        except Exception:
            # A connection that failed once may be half-open: start afresh.
            _connections().pop(url, None)
            with contextlib.suppress(Exception):  # closing a broken connection
                connection.release()
            if not kept:
                raise


def _connections() -> dict[str, Any]:
    if not hasattr(_local, "connections"):
        _local.connections = {}
    return _local.connections


def _connection(url: str) -> Any:
    connections = _connections()
    connection = connections.get(url)
    if connection is None:
        from marketplace.celery import app

        timeout = settings.OUTBOX_BROKER_CONNECT_TIMEOUT
        connection = app.connection_for_write(
            url,
            connect_timeout=timeout,
            transport_options={
                "max_retries": 0,
                "socket_connect_timeout": timeout,
                "socket_timeout": max(timeout, 2.0),
            },
        )
        connections[url] = connection
    return connection


def _broker_url() -> str:
    from marketplace.celery import app

    return str(app.conf.broker_write_url or app.conf.broker_url)


def _is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the broker could not be reached (rather than a bug or bad data)."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, OperationalError | RedisConnectionError | RedisTimeoutError | OSError)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
