"""Background work of product_stats."""

from __future__ import annotations

from celery import shared_task

from product_stats.services import product_counters_flush


@shared_task(name="product_stats.counters_flush", ignore_result=True)
def product_counters_flush_task() -> int:
    """Write the product view, basket and purchase counts counted in Redis to Oscar's
    ``ProductRecord`` (``product_stats.services.product_counters_flush``). Idempotent in effect:
    each count is written once (at least once should a worker die mid-flush)."""
    return product_counters_flush()
