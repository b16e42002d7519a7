"""Exchange rates for tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from currencies.models import ExchangeRate


def rate_create(
    currency: str, rate: str | int, *, hours_old: float = 1, at: datetime | None = None, **extra
) -> ExchangeRate:
    """``1 currency = rate IRR``, quoted ``hours_old`` hours ago (or at ``at``)."""
    return ExchangeRate.objects.create(
        currency=currency,
        base_currency="IRR",
        rate=Decimal(str(rate)),
        effective_at=at or timezone.now() - timedelta(hours=hours_old),
        source=extra.pop("source", "test"),
        **extra,
    )
