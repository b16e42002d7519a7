"""The demo's exchange rates: illustrative open-market levels (late 2025), not quotes.

One rial amount per unit of each display currency; recorded as ``illustrative`` with the source
"demo (illustrative)", effective when first loaded. They become stale (and the storefront says so)
once ``CURRENCY_RATE_STALE_HOURS`` have passed, as real rates would without a refresh.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.utils import timezone

from currencies.models import ExchangeRate

SOURCE: Final = "demo (illustrative)"

#: IRR per one unit of each currency (illustrative).
RATES_IRR: Final[dict[str, Decimal]] = {
    "AFN": Decimal("14500"),
    "AZN": Decimal("590000"),
    "EUR": Decimal("1160000"),
    "IQD": Decimal("765"),
    "PKR": Decimal("3550"),
    "TMT": Decimal("286000"),
    "TRY": Decimal("24000"),
    "USD": Decimal("1000000"),
}


def currency_rates_load(result: Any) -> None:
    """Record the demo's rates (counted into ``result`` as "exchange rates"). Idempotent: a
    currency whose latest demo rate is the same is left alone; a changed figure adds a new row
    (rates are history, never edited). Nothing when the marketplace currency is not IRR."""
    from marketplace.demo.services import CREATED, UNCHANGED, UPDATED

    if settings.OSCAR_DEFAULT_CURRENCY != "IRR":
        return
    latest = {
        row.currency: row
        for row in ExchangeRate.objects.filter(base_currency="IRR", source=SOURCE)
        .order_by("currency", "-effective_at", "-pk")
        .distinct("currency")
    }
    now = timezone.now()
    for code, rate in sorted(RATES_IRR.items()):
        row = latest.get(code)
        if row is not None and row.rate == rate:
            result.record("exchange rates", UNCHANGED)
            continue
        ExchangeRate.objects.create(
            currency=code,
            base_currency="IRR",
            rate=rate,
            effective_at=now,
            source=SOURCE,
            illustrative=True,
        )
        result.record("exchange rates", CREATED if row is None else UPDATED)
