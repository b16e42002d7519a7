"""Background work of currencies: refreshing the exchange rates from the configured source."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="currencies.rates_refresh", ignore_result=True)
def rates_refresh() -> int:
    """Periodic (beat ``currencies-rates-refresh``): record the latest rates from
    ``CURRENCY_RATES_URL`` (``currencies.services.exchange_rates_refresh``). Off (returns 0) when
    no URL is configured. A source that is down or answers bad data is logged as an error and
    nothing is written; the next run tries again, and meanwhile prices show the last rates with
    a warning once they are stale. Idempotent for the same source timestamp."""
    from currencies.services import RatesSourceError, exchange_rates_refresh

    try:
        written = exchange_rates_refresh()
    except RatesSourceError as exc:
        logger.error("currency rates not refreshed: %s", exc)
        return 0
    if written:
        logger.info("currency rates refreshed: %d rates recorded", written)
    return written
