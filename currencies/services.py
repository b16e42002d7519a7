"""Writes: recording exchange rates, by hand, from the configured source, or for the demo.

The source (``CURRENCY_RATES_URL``) answers JSON in the shape most rate services use::

    {"base": "USD", "timestamp": 1764400000, "rates": {"IRR": 1000000, "EUR": 0.92, ...}}

``rates[code]`` is how many units of ``code`` one unit of ``base`` buys; ``base_code`` is read as
``base``, and ``time_last_update_unix`` or an ISO 8601 ``date``/``time_last_update_utc`` as the
timestamp (the time of the fetch when none is given). The base need not be the marketplace
currency: when it is not, the marketplace currency must be among the rates and every rate is
worked out across it (1 EUR = rates[IRR] / rates[EUR] IRR). Numbers are read as Decimals, never
floats.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import pghistory
import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from currencies.models import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS, ExchangeRate
from currencies.selectors import TOMAN, display_currency_codes

logger = logging.getLogger(__name__)

__all__ = [
    "ParsedRates",
    "RatesSourceError",
    "exchange_rate_record",
    "exchange_rates_parse",
    "exchange_rates_refresh",
]

#: Largest answer we read from the source.
MAX_SOURCE_BYTES: Final = 1_000_000
_QUANTUM: Final = Decimal(1).scaleb(-RATE_DECIMAL_PLACES)
_MAX_RATE: Final = Decimal(10) ** (RATE_MAX_DIGITS - RATE_DECIMAL_PLACES)


class RatesSourceError(Exception):
    """The rates source could not be read or answered something we cannot use; nothing written."""


@dataclass(frozen=True)
class ParsedRates:
    """Rates against the marketplace currency, ready to record."""

    effective_at: datetime
    rates: dict[str, Decimal]  # code -> units of the marketplace currency per unit of code
    missing: tuple[str, ...]  # display currencies the source did not quote


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise RatesSourceError(f"{what} is not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RatesSourceError(f"{what} is not a number: {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise RatesSourceError(f"{what} must be a positive number, got {value!r}")
    return number


def _timestamp(payload: dict[str, Any], fallback: datetime) -> datetime:
    for key in ("timestamp", "time_last_update_unix"):
        if key in payload:
            value = payload[key]
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                raise RatesSourceError(f"{key} is not a Unix time: {value!r}")
            try:
                return datetime.fromtimestamp(int(value), tz=UTC)
            except (OverflowError, OSError, ValueError):
                raise RatesSourceError(f"{key} is out of range: {value!r}") from None
    for key in ("time_last_update_utc", "date"):
        if key in payload:
            value = payload[key]
            try:
                parsed = parse_datetime(value) if isinstance(value, str) else None
            except ValueError:
                parsed = None
            if parsed is None:
                raise RatesSourceError(f"{key} is not an ISO 8601 time: {value!r}")
            return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)
    return fallback


def exchange_rates_parse(
    payload: Any, *, base: str | None = None, now: datetime | None = None
) -> ParsedRates:
    """Read the source's answer (see the module docstring) into rates against ``base`` (the
    marketplace currency) for the display currencies it quotes; others are ignored.

    Raises ``RatesSourceError`` naming what is wrong: not an object, no base or rates, a rate
    that is not a positive number (for any currency we would use), no display currency quoted,
    a timestamp in the future, or a base we cannot cross over.
    """
    base = base or settings.OSCAR_DEFAULT_CURRENCY
    now = now or timezone.now()
    if not isinstance(payload, dict):
        raise RatesSourceError("the answer is not a JSON object")
    source_base = payload.get("base", payload.get("base_code"))
    rates = payload.get("rates", payload.get("conversion_rates"))
    if not isinstance(source_base, str) or len(source_base) != 3 or not isinstance(rates, dict):
        raise RatesSourceError("the answer has no base currency or no rates object")
    source_base = source_base.upper()
    effective_at = _timestamp(payload, now)
    if effective_at > now + timedelta(minutes=5):
        raise RatesSourceError(f"the rates are dated in the future ({effective_at.isoformat()})")
    quoted = {str(code).upper(): value for code, value in rates.items()}
    quoted[source_base] = Decimal(1)
    wanted = [code for code in display_currency_codes() if code not in (base, TOMAN)]
    if base not in quoted:
        raise RatesSourceError(
            f"the rates are against {source_base} and do not quote {base}, the marketplace currency"
        )
    base_per_source = _decimal(quoted[base], f"the rate of {base}")
    result: dict[str, Decimal] = {}
    for code in wanted:
        if code not in quoted:
            continue
        per_source = _decimal(quoted[code], f"the rate of {code}")
        value = (base_per_source / per_source).quantize(_QUANTUM)
        if value <= 0 or value >= _MAX_RATE:
            raise RatesSourceError(f"the rate of {code} is out of range: {value}")
        result[code] = value
    if not result:
        raise RatesSourceError("the answer quotes none of the display currencies")
    missing = tuple(code for code in wanted if code not in result)
    return ParsedRates(effective_at=effective_at, rates=result, missing=missing)


def exchange_rate_record(
    *,
    currency: str,
    rate: Decimal,
    source: str,
    effective_at: datetime | None = None,
    illustrative: bool = False,
    actor: Any = None,
) -> ExchangeRate:
    """Record that one ``currency`` is worth ``rate`` of the marketplace currency from
    ``effective_at`` (now). Audited (pghistory, with ``actor``). Idempotent for the same currency
    and moment: the existing row is returned unchanged if its rate is the same.

    Raises ``ValueError`` for a rate that is not positive or a currency that is the marketplace's
    own; the database refuses malformed codes.
    """
    base = settings.OSCAR_DEFAULT_CURRENCY
    if currency == base:
        raise ValueError(f"{currency} is the marketplace currency")
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        raise ValueError(f"the rate must be a positive Decimal, got {rate!r}")
    effective_at = effective_at or timezone.now()
    actor_pk = getattr(actor, "pk", None)
    with transaction.atomic(), pghistory.context(user=actor_pk, source=source[:100]):
        row, created = ExchangeRate.objects.get_or_create(
            currency=currency,
            base_currency=base,
            effective_at=effective_at,
            defaults={
                "rate": rate,
                "source": source,
                "illustrative": illustrative,
                "created_by_id": actor_pk,
            },
        )
        if not created and row.rate != rate:
            raise ValueError(
                f"{currency} already has a different rate at {effective_at.isoformat()}"
            )
    return row


def _fetch(url: str, timeout: float) -> Any:
    try:
        response = requests.get(
            url, timeout=timeout, headers={"Accept": "application/json"}, stream=True
        )
    except requests.RequestException as exc:
        raise RatesSourceError(f"cannot reach the rates source: {exc.__class__.__name__}") from exc
    with response:
        if response.status_code != 200:
            raise RatesSourceError(f"the rates source answered HTTP {response.status_code}")
        body = response.raw.read(MAX_SOURCE_BYTES + 1, decode_content=True)
    if len(body) > MAX_SOURCE_BYTES:
        raise RatesSourceError("the rates source answered more than 1 MB")
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RatesSourceError) as exc:
        raise RatesSourceError(f"the rates source did not answer JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise RatesSourceError(f"{name} is not a rate")


def exchange_rates_refresh(*, url: str | None = None, timeout: float | None = None) -> int:
    """Fetch the rates from ``url`` (``CURRENCY_RATES_URL``) and record one row per display
    currency quoted, all in one transaction, effective at the source's timestamp. Returns how
    many rows were written (0 when off: no URL configured, or when these rates are recorded
    already: idempotent for the same source timestamp).

    Raises ``RatesSourceError`` (nothing written) when the source is unreachable, slow beyond
    ``timeout`` (``CURRENCY_RATES_TIMEOUT_SECONDS``), answers an error or malformed data.
    """
    url = settings.CURRENCY_RATES_URL if url is None else url
    if not url:
        return 0
    timeout = settings.CURRENCY_RATES_TIMEOUT_SECONDS if timeout is None else timeout
    parsed = exchange_rates_parse(_fetch(url, timeout))
    if parsed.missing:
        logger.warning("currency rates source quoted no rate for %s", ", ".join(parsed.missing))
    base = settings.OSCAR_DEFAULT_CURRENCY
    written = 0
    with transaction.atomic(), pghistory.context(source="rates_refresh", url=url[:200]):
        known = {
            row.currency: row.rate
            for row in ExchangeRate.objects.filter(
                base_currency=base, effective_at=parsed.effective_at, currency__in=parsed.rates
            )
        }
        for code, rate in sorted(parsed.rates.items()):
            if code in known:
                if known[code] != rate:
                    logger.warning(
                        "currency rates source changed %s at %s: kept the first",
                        code,
                        parsed.effective_at.isoformat(),
                    )
                continue
            ExchangeRate.objects.create(
                currency=code,
                base_currency=base,
                rate=rate,
                effective_at=parsed.effective_at,
                source=url[:255],
            )
            written += 1
    return written
