"""Oscar's product analytics (``analytics.ProductRecord``: views, basket additions, purchases)
counted in Redis and written to PostgreSQL in batches.

Why: Oscar's receivers write ``ProductRecord`` on every product page view and basket addition
(an UPDATE, or an INSERT for a product's first event), which made the cached product page cost a
PostgreSQL write and a WAL flush per view. Here an event is one ``HINCRBY`` in Redis;
``product_counters_flush`` (Celery beat, ``product_stats.counters_flush``) adds what was counted
to ``ProductRecord`` in one statement per batch, so the figures Oscar's dashboard and "best
sellers" read are the same, at most a flush interval late.

Delivery is at-least-once: counts being flushed are first moved to a key of their own, and that
key is deleted only after the rows are committed; a worker dying in between leaves the key for the
next flush, so a count is never lost (it may be added twice in that one case). With Redis
unreachable an event is not counted (logged): analytics never fail a page or a checkout.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Mapping

import redis
from django.conf import settings
from django.db import connection, transaction
from redis.exceptions import LockError, RedisError

logger = logging.getLogger(__name__)

FIELDS = ("num_views", "num_basket_additions", "num_purchases")
#: Products per ``INSERT ... ON CONFLICT`` statement.
FLUSH_BATCH = 1000
#: Longest a flush may hold its lock (far longer than writing any realistic backlog takes).
FLUSH_LOCK_SECONDS = 300

_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
    return _client


def _prefix() -> str:
    # the cache's prefix, so that tests and benchmarks sharing a Redis keep their counts apart
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:product_stats"


def _live_key(field: str) -> str:
    return f"{_prefix()}:{field}"


def _flushing_pattern() -> str:
    return f"{_prefix()}:flushing:*"


def product_counters_increment(*, field: str, counts: Mapping[int, int]) -> None:
    """Add ``counts`` (product id -> amount) to the pending ``field`` counters in Redis.

    One round trip; writes nothing to PostgreSQL. Raises ValueError for an unknown field; a Redis
    error is logged and the counts are dropped (analytics must not fail the page)."""
    if field not in FIELDS:
        raise ValueError(f"field: unknown product counter {field!r}")
    if not counts:
        return
    try:
        pipe = _redis().pipeline(transaction=False)
        for product_id, amount in counts.items():
            pipe.hincrby(_live_key(field), str(product_id), int(amount))
        pipe.execute()
    except (RedisError, OSError):
        logger.warning("product counters unavailable; %s not counted", field)


def product_counters_pending() -> dict[str, dict[int, int]]:
    """What is counted in Redis and not yet in ``ProductRecord``: field -> product id -> count.
    Read-only."""
    client = _redis()
    pending: dict[str, dict[int, int]] = {field: {} for field in FIELDS}
    keys = [_live_key(field) for field in FIELDS]
    keys += [key.decode() for key in client.scan_iter(match=_flushing_pattern())]
    for key in keys:
        field = key.split(":")[-1]
        for product_id, amount in client.hgetall(key).items():
            counts = pending[field]
            counts[int(product_id)] = counts.get(int(product_id), 0) + int(amount)
    return pending


_UPSERT = """
INSERT INTO analytics_productrecord
    (product_id, num_views, num_basket_additions, num_purchases, score)
SELECT v.product_id, v.num_views, v.num_basket_additions, v.num_purchases, 0
FROM (VALUES {values}) AS v (product_id, num_views, num_basket_additions, num_purchases)
JOIN catalogue_product p ON p.id = v.product_id
ON CONFLICT (product_id) DO UPDATE SET
    num_views = analytics_productrecord.num_views + EXCLUDED.num_views,
    num_basket_additions = analytics_productrecord.num_basket_additions
        + EXCLUDED.num_basket_additions,
    num_purchases = analytics_productrecord.num_purchases + EXCLUDED.num_purchases
"""


def _upsert(rows: list[tuple[int, int, int, int]]) -> None:
    for start in range(0, len(rows), FLUSH_BATCH):
        batch = rows[start : start + FLUSH_BATCH]
        values = ", ".join(["(%s::bigint, %s::integer, %s::integer, %s::integer)"] * len(batch))
        params = [value for row in batch for value in row]
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT.format(values=values), params)


def product_counters_flush() -> int:
    """Add the counts pending in Redis to ``analytics.ProductRecord`` (creating missing rows) and
    return how many products were written.

    One ``INSERT ... ON CONFLICT DO UPDATE`` per ``FLUSH_BATCH`` products, in one transaction;
    counts of products deleted since are dropped. Counts left by a flush that died are written
    first. Safe to run concurrently with counting; concurrent flushes take turns (a Redis lock:
    a run that finds it held returns 0 and leaves the counts to the next one).
    """
    client = _redis()
    lock = client.lock(f"{_prefix()}:flush-lock", timeout=FLUSH_LOCK_SECONDS, blocking_timeout=0)
    if not lock.acquire():
        return 0
    try:
        return _flush(client)
    finally:
        with contextlib.suppress(LockError):
            lock.release()


def _flush(client: redis.Redis) -> int:
    token = uuid.uuid4().hex
    for field in FIELDS:
        try:
            client.rename(_live_key(field), f"{_prefix()}:flushing:{token}:{field}")
        except redis.ResponseError:  # no such key: nothing counted since the last flush
            continue
    keys = [key.decode() for key in client.scan_iter(match=_flushing_pattern())]
    totals: dict[int, list[int]] = {}
    for key in keys:
        field = key.split(":")[-1]
        column = FIELDS.index(field)
        for product_id, amount in client.hgetall(key).items():
            row = totals.setdefault(int(product_id), [0, 0, 0])
            row[column] += int(amount)
    if totals:
        rows = [(product_id, *counts) for product_id, counts in sorted(totals.items())]
        with transaction.atomic():
            _upsert(rows)
    if keys:
        client.delete(*keys)
    return len(totals)
