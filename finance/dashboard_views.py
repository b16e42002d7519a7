"""The municipal finance dashboard at ``/finance/``: headline figures and three charts.

For municipal finance staff and superusers (``finance.dashboard_access``). Figures come from
``finance.selectors`` (SQL aggregates over the ledger, cached a minute under the latest
transaction id); this module only parses the query string and shapes what the template shows.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finance.dashboard_access import finance_staff_required
from finance.dashboard_charts import (
    category_rows,
    chart_spec,
    merchant_rows,
    month_rows,
    numbers,
)
from finance.dashboard_format import active_locale, amount_display
from finance.selectors import finance_currencies, finance_dashboard_data
from ledger.models import AccountKind, Party


class DashboardFilterForm(forms.Form):
    """``?currency=IRR&top=fees``; both optional."""

    currency = forms.ChoiceField(label=gettext_lazy("Currency"), required=False)
    top = forms.ChoiceField(
        label=gettext_lazy("Top merchants by"),
        required=False,
        choices=[("fees", gettext_lazy("City fees")), ("sales", gettext_lazy("Sales"))],
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in currencies]


def _headlines(data: dict[str, Any], currency: str) -> list[dict[str, str]]:
    balances = data["balances"]
    locale = active_locale()

    def balance(party: str, kind: str) -> int:
        return balances.get((party, kind), 0)

    figures = [
        ("fees-this-month", _("City fees collected this month"), data["collected_this_month"]),
        (
            "fees-outstanding",
            _("City fees to remit"),
            balance(Party.MUNICIPALITY, AccountKind.FEE_PAYABLE),
        ),
        ("commission", _("Commission earned"), balance(Party.PLATFORM, AccountKind.COMMISSION)),
        ("vat-payable", _("VAT payable"), balance(Party.TAX, AccountKind.VAT_PAYABLE)),
        (
            "duties-payable",
            _("Duties payable"),
            balance(Party.CUSTOMS, AccountKind.DUTIES_PAYABLE),
        ),
        (
            "processor-balance",
            _("Balance at the card processor"),
            balance(Party.PROCESSOR, AccountKind.BALANCE),
        ),
        (
            "merchants-pending",
            _("Merchants' pending balances"),
            balance(Party.MERCHANT, AccountKind.PENDING),
        ),
        (
            "merchants-available",
            _("Merchants' available balances"),
            balance(Party.MERCHANT, AccountKind.AVAILABLE),
        ),
    ]
    return [
        {
            "id": key,
            "label": label,
            "amount_minor": amount,
            "amount": amount_display(amount, currency, locale),
        }
        for key, label, amount in figures
    ]


@finance_staff_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Headline figures; fees collected vs remitted per month, fees by category and the top
    merchants, each as a Chart.js chart with the same figures in a table. Bad query-string
    values answer 400 with the error under the field's name."""
    currencies = finance_currencies()
    form = DashboardFilterForm(request.GET or None, currencies=currencies)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "finance/dashboard/index.html",
            {"form": form, "invalid": True},
            status=400,
        )
    cleaned = form.cleaned_data if form.is_bound else {}
    currency = cleaned.get("currency") or settings.OSCAR_DEFAULT_CURRENCY
    top_by = cleaned.get("top") or "fees"
    data = finance_dashboard_data(currency=currency, top_by=top_by)

    months = month_rows(data["months"], currency)
    categories = category_rows(data["categories"], currency, _("Uncategorised"))
    merchants = merchant_rows(data["merchants"], currency)
    charts = {
        "fees_by_month": chart_spec(
            kind="bar",
            labels=[m["label"] for m in months],
            datasets=[
                (_("Collected"), numbers((m["collected_minor"] for m in months), currency)),
                (_("Remitted"), numbers((m["remitted_minor"] for m in months), currency)),
            ],
        ),
        "fees_by_category": chart_spec(
            kind="doughnut",
            labels=[c["name"] for c in categories],
            datasets=[(_("City fees"), numbers((c["fees_minor"] for c in categories), currency))],
        ),
        "top_merchants": chart_spec(
            kind="bar",
            horizontal=True,
            labels=[m["name"] for m in merchants],
            datasets=[
                (
                    _("City fees") if top_by == "fees" else _("Sales"),
                    numbers(
                        (m["fees_minor" if top_by == "fees" else "sales_minor"] for m in merchants),
                        currency,
                    ),
                )
            ],
        ),
    }
    base = reverse("finance:dashboard")
    return render(
        request,
        "finance/dashboard/index.html",
        {
            "form": form,
            "currency": currency,
            "currencies": currencies,
            "top_by": top_by,
            "headlines": _headlines(data, currency),
            "months": months,
            "categories": categories,
            "merchants": merchants,
            "charts": charts,
            "since": data["since"],
            "until": data["until"],
            # Pages of the other finance screens, at their fixed URL seams.
            "links": [
                ("remittance", _("Remittance statements"), f"{base}remittance/"),
                ("fees", _("Fee rules"), f"{base}fees/"),
                ("reconciliation", _("Reconciliation"), f"{base}reconciliation/"),
            ],
        },
    )
