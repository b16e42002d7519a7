"""``/finance/remittance/``: municipal fee periods, statements, exports and marking remitted.

For municipal finance staff (``finance.view_remittance``; recording needs
``finance.add_remittance``; both held by the "Municipal finance" role and by superusers).
Anonymous visitors are sent to sign in; anyone else gets 403. Each view parses its input, calls
selectors or the one service, and renders.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View

from finance.remittance import exports, selectors, services
from finance.remittance.forms import RemittanceForm, StatementPeriodForm, service_errors_add
from finance.remittance.periods import month_first, month_next, today_tehran
from marketplace.core.money import Money, format_money

VIEW_PERMISSION: Final = "finance.view_remittance"
RECORD_PERMISSION: Final = services.RECORD_PERMISSION

#: Export formats: extension -> content type.
EXPORT_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class FinanceStaffMixin:
    """Sign in first (redirect), then ``permission`` (403)."""

    permission = VIEW_PERMISSION

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _locale() -> str:
    return translation.to_locale(translation.get_language() or "en")


def _money(amount_minor: int, currency: str) -> str:
    return format_money(Money(amount_minor, currency), _locale())


def _currencies() -> list[str]:
    return selectors.fee_currencies(default=settings.OSCAR_DEFAULT_CURRENCY)


def _statement_query(currency: str, start: Any, end: Any) -> str:
    return urlencode({"currency": currency, "start": start.isoformat(), "end": end.isoformat()})


class RemittanceListView(FinanceStaffMixin, View):
    """Month by month, newest first: collected, refunded, net, remitted, outstanding, with a
    link to each month's statement; and the remittances recorded."""

    def get(self, request: HttpRequest) -> HttpResponse:
        currencies = _currencies()
        currency = request.GET.get("currency") or settings.OSCAR_DEFAULT_CURRENCY
        if currency not in currencies:
            currency = settings.OSCAR_DEFAULT_CURRENCY
        this_month = month_first(today_tehran())
        first = selectors.municipal_fees_first_month(currency=currency) or this_month
        months = selectors.municipal_fees_by_month(
            start=min(first, this_month), end=month_next(this_month), currency=currency
        )
        rows = [
            {
                "month": month,
                "query": _statement_query(currency, month.month, month.end),
                "collected": _money(month.collected_minor, currency),
                "refunded": _money(month.refunded_minor, currency),
                "net": _money(month.net_minor, currency),
                "remitted": _money(month.remitted_minor, currency),
                "outstanding": _money(month.outstanding_minor, currency),
                "outstanding_minor": month.outstanding_minor,
                "ended": month.end <= today_tehran(),
            }
            for month in reversed(months)
        ]
        remittances = [
            {
                "remittance": remittance,
                "last_day": remittance.period_end - timedelta(days=1),
                "amount": _money(remittance.amount_minor, remittance.currency),
                "query": _statement_query(
                    remittance.currency, remittance.period_start, remittance.period_end
                ),
            }
            for remittance in selectors.remittances_list(currency=currency)
        ]
        outstanding = sum(month.outstanding_minor for month in months)
        return render(
            request,
            "finance/remittance/list.html",
            {
                "currency": currency,
                "currencies": currencies,
                "rows": rows,
                "remittances": remittances,
                "outstanding": _money(outstanding, currency),
                "period_form": StatementPeriodForm(
                    initial={"currency": currency}, currencies=currencies
                ),
            },
        )


def _statement_form(request: HttpRequest) -> StatementPeriodForm:
    data = request.GET.copy()
    data.setdefault("currency", settings.OSCAR_DEFAULT_CURRENCY)
    if not any(data.get(name) for name in ("month", "start", "end")):
        last_month = month_first(month_first(today_tehran()) - timedelta(days=1))
        data["month"] = last_month.strftime("%Y-%m")
    return StatementPeriodForm(data, currencies=_currencies())


class StatementView(FinanceStaffMixin, View):
    """One period's statement by merchant and category, its exports, the remittances that
    cover it, and (to who may record) the "mark remitted" form."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = _statement_form(request)
        if not form.is_valid():
            return _statement_render(request, form=form, status=400)
        return _statement_render(request, form=form)


def _statement_render(
    request: HttpRequest,
    *,
    form: StatementPeriodForm,
    remit_form: RemittanceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "statement": None, "remit_form": remit_form}
    if form.is_valid():
        currency = form.cleaned_data["currency"]
        start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
        statement = selectors.municipal_fees_statement(start=start, end=end, currency=currency)
        covering = selectors.remittances_overlapping(start=start, end=end, currency=currency)
        exact = next((r for r in covering if (r.period_start, r.period_end) == (start, end)), None)
        ended = end <= today_tehran()
        can_record = request.user.has_perm(RECORD_PERMISSION)
        nothing_to_remit = statement.total.net_minor <= 0
        if remit_form is None and can_record and ended and not covering and not nothing_to_remit:
            remit_form = RemittanceForm(
                initial={"currency": currency, "period_start": start, "period_end": end}
            )

        def money(minor: int) -> str:
            return _money(minor, currency)

        context |= {
            "statement": statement,
            "query": _statement_query(currency, start, end),
            "groups": [
                (
                    _line_display(subtotal, money),
                    [_line_display(line, money) for line in lines],
                )
                for subtotal, lines in statement.by_merchant()
            ],
            "categories": [_line_display(line, money) for line in statement.categories],
            "total": _line_display(statement.total, money),
            "covering": [
                {
                    "remittance": remittance,
                    "last_day": remittance.period_end - timedelta(days=1),
                    "amount": money(remittance.amount_minor),
                }
                for remittance in covering
            ],
            "exact": exact,
            "ended": ended,
            "can_record": can_record,
            "remit_form": remit_form,
        }
    return render(request, "finance/remittance/statement.html", context, status=status)


def _line_display(line: selectors.StatementLine, money: Any) -> dict[str, Any]:
    return {
        "line": line,
        "collected": money(line.collected_minor),
        "refunded": money(line.refunded_minor),
        "net": money(line.net_minor),
    }


class StatementExportView(FinanceStaffMixin, View):
    """``statement/<csv|xlsx|pdf>/?...``: the statement of the same query as a download."""

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse:
        if fmt not in EXPORT_TYPES:
            raise Http404
        form = _statement_form(request)
        if not form.is_valid():
            return _statement_render(request, form=form, status=400)
        currency = form.cleaned_data["currency"]
        start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
        statement = selectors.municipal_fees_statement(start=start, end=end, currency=currency)
        language = translation.get_language()
        if fmt == "csv":
            body = exports.statement_csv(statement, language=language)
        elif fmt == "xlsx":
            body = exports.statement_xlsx(statement, language=language)
        else:
            covering = selectors.remittances_overlapping(start=start, end=end, currency=currency)
            body = exports.statement_pdf(statement, language=language, remittances=covering)
        response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
        filename = exports.statement_filename(statement, fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


class RemittanceRecordView(FinanceStaffMixin, View):
    """POST: mark a period remitted (``remittance_record``), then back to its statement."""

    permission = RECORD_PERMISSION
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RemittanceForm(request.POST)
        period_form = StatementPeriodForm(
            {
                "currency": request.POST.get("currency", ""),
                "start": request.POST.get("period_start", ""),
                "end": request.POST.get("period_end", ""),
            },
            currencies=_currencies(),
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                remittance, created = services.remittance_record(
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    currency=data["currency"],
                    bank_reference=data["bank_reference"],
                    user=request.user,
                )
            except ValidationError as exc:
                service_errors_add(form, exc)
            else:
                amount = _money(remittance.amount_minor, remittance.currency)
                if created:
                    messages.success(
                        request,
                        _("Recorded: %(amount)s remitted to the city, reference %(reference)s.")
                        % {"amount": amount, "reference": remittance.bank_reference},
                    )
                else:
                    messages.info(
                        request,
                        _("This period was already remitted (%(amount)s, reference %(reference)s).")
                        % {"amount": amount, "reference": remittance.bank_reference},
                    )
                query = _statement_query(
                    remittance.currency, remittance.period_start, remittance.period_end
                )
                return redirect(f"{reverse('finance:remittance-statement')}?{query}")
        return _statement_render(request, form=period_form, remit_form=form, status=400)
