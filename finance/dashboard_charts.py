"""Chart specs and table rows for the finance dashboard and the transparency page.

A chart spec is the JSON our ``finance/dashboard.js`` hands to Chart.js (``type``, ``labels``,
``datasets`` with amounts as exact decimal strings in major units); the page embeds it with
``json_script`` and shows the same figures in a plain table under the chart. Only formatting and
shaping of figures already read by ``finance.selectors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from oscar.core.loading import get_model

from finance.dashboard_format import (
    active_locale,
    amount_display,
    chart_number,
    count_display,
    month_display,
)
from finance.selectors import CategoryFees, MerchantFigures, MonthFigures

Category = get_model("catalogue", "Category")


def _month_date(key: str) -> date:
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def chart_spec(
    *,
    kind: str,
    labels: Sequence[str],
    datasets: Iterable[tuple[str, Sequence[str]]],
    horizontal: bool = False,
    integer: bool = False,
) -> dict[str, Any]:
    return {
        "type": kind,
        "indexAxis": "y" if horizontal else "x",
        "integer": integer,
        "labels": list(labels),
        "datasets": [{"label": label, "data": list(data)} for label, data in datasets],
    }


def month_rows(months: Sequence[MonthFigures], currency: str) -> list[dict[str, Any]]:
    locale = active_locale()
    return [
        {
            "key": m.month,
            "label": month_display(_month_date(m.month), locale),
            "collected_minor": m.collected_minor,
            "collected": amount_display(m.collected_minor, currency, locale),
            "remitted_minor": m.remitted_minor,
            "remitted": amount_display(m.remitted_minor, currency, locale),
            "orders_count": m.orders,
            "orders": count_display(m.orders, locale),
        }
        for m in months
    ]


def category_rows(
    categories: Sequence[CategoryFees], currency: str, uncategorised: str
) -> list[dict[str, Any]]:
    """Rows with each category's name in the active language (one query for the names)."""
    ids = [c.category_id for c in categories if c.category_id is not None]
    names = {c.pk: c.name for c in Category.objects.filter(pk__in=ids)} if ids else {}
    locale = active_locale()
    return [
        {
            "category_id": c.category_id,
            "name": names.get(c.category_id, uncategorised)
            if c.category_id is not None
            else uncategorised,
            "fees_minor": c.fees_minor,
            "fees": amount_display(c.fees_minor, currency, locale),
        }
        for c in categories
    ]


def merchant_rows(merchants: Sequence[MerchantFigures], currency: str) -> list[dict[str, Any]]:
    locale = active_locale()
    persian = locale.startswith("fa")
    return [
        {
            "merchant_id": m.merchant_id,
            "name": (m.name_fa if persian else m.name_en) or m.name_en or m.name_fa,
            "fees_minor": m.fees_minor,
            "fees": amount_display(m.fees_minor, currency, locale),
            "sales_minor": m.sales_minor,
            "sales": amount_display(m.sales_minor, currency, locale),
        }
        for m in merchants
    ]


def numbers(values: Iterable[int], currency: str) -> list[str]:
    return [chart_number(v, currency) for v in values]
