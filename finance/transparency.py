"""The public transparency page at ``/transparency/``: what the city's fee has collected.

Anyone may open it, signed in or not. It shows municipal fees collected and the number of orders
per month over the last twelve months, fees by product category, and the totals; in the active
language (Persian digits under ``fa``). It names no buyer and no merchant: only months,
categories and sums. The figures come from ``finance.selectors.transparency_data``, cached briefly
in Redis under the latest ledger transaction id, so a new order shows at once.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from finance.dashboard_charts import category_rows, chart_spec, month_rows, numbers
from finance.dashboard_format import active_locale, amount_display, count_display
from finance.selectors import transparency_data


@require_GET
def transparency_view(request: HttpRequest) -> HttpResponse:
    currency = settings.OSCAR_DEFAULT_CURRENCY
    data = transparency_data(currency=currency)
    locale = active_locale()
    months = month_rows(data["months"], currency)
    categories = category_rows(data["categories"], currency, _("Other"))
    charts = {
        "fees_by_month": chart_spec(
            kind="bar",
            labels=[m["label"] for m in months],
            datasets=[
                (
                    _("City fees collected"),
                    numbers((m["collected_minor"] for m in months), currency),
                )
            ],
        ),
        "orders_by_month": chart_spec(
            kind="line",
            integer=True,
            labels=[m["label"] for m in months],
            datasets=[(_("Orders"), [str(m["orders_count"]) for m in months])],
        ),
    }
    return render(
        request,
        "finance/transparency/index.html",
        {
            "currency": currency,
            "months": months,
            "categories": categories,
            "charts": charts,
            "total_collected": amount_display(data["collected_minor"], currency, locale),
            "total_orders": count_display(data["orders"], locale),
            "period_from": months[0]["label"],
            "period_to": months[-1]["label"],
        },
    )
