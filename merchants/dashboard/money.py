"""The merchant's "Money" page at ``/dashboard/merchant/money/`` and its statement CSV.

Merchant staff see their own merchant's money only (the merchants whose Oscar partner lists them
among its users); a merchant they do not work for is 404 to them, as if it did not exist.
Superusers may open any merchant's page (``?merchant=<slug>``). Everyone else signed in gets 403;
anonymous visitors are sent to the dashboard login.

Everything shown comes from the ledger: balances are the cached balances of the merchant's
accounts (pending, available, held for disputes, owed by the merchant); "paid out" is the net of
payout postings on the available account; the statement is the merchant's ledger entries with
the running balance of each account. The reads are a fixed number of SQL queries whatever the
number of entries (the running balances are a window function).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finance.dashboard_format import active_locale, amount_display, date_display
from i18n.forms import LocalDateField, LocalDateInput
from ledger.models import Account, AccountKind, Entry, TransactionKind
from marketplace.core.money import from_minor
from merchants.dashboard.access import (
    login_redirect,
    user_is_merchant_staff,
    user_is_platform_admin,
)
from merchants.models import Merchant
from settlement.models import Payout

STATEMENT_PAGE_SIZE: Final = 50
RECENT_PAYOUTS: Final = 10
#: The merchant's own accounts, in the order the page shows them.
MERCHANT_KINDS: Final = (
    AccountKind.PENDING,
    AccountKind.AVAILABLE,
    AccountKind.RESERVE,
    AccountKind.RECEIVABLE,
)


# --- reads ----------------------------------------------------------------------------------


def money_merchants(*, user: Any) -> QuerySet[Merchant]:
    """The merchants whose money ``user`` may see: all for platform administrators, the ones
    whose partner lists them for merchant staff (whatever the merchant's status: a suspended
    merchant still sees what it is owed), none for anyone else."""
    if user_is_platform_admin(user):
        return Merchant.objects.all()
    if not user_is_merchant_staff(user):
        return Merchant.objects.none()
    return Merchant.objects.filter(partner__users=user).order_by("name_en", "pk")


def merchant_balances(*, merchant: Merchant) -> dict[str, dict[str, int]]:
    """``{currency: {kind: balance_minor}}`` of the merchant's ledger accounts. One query."""
    balances: dict[str, dict[str, int]] = {}
    rows = Account.objects.filter(merchant=merchant).values_list(
        "currency", "kind", "balance_minor"
    )
    for currency, kind, balance in rows:
        balances.setdefault(currency, {})[kind] = int(balance)
    return balances


def merchant_paid_out(*, merchant: Merchant, currency: str) -> int:
    """What payouts took from the merchant's available balance, net of failed payouts that gave
    it back (debits of payout postings less credits of payout-failed postings). One query."""
    total = Entry.objects.filter(
        account__merchant=merchant,
        account__currency=currency,
        account__kind=AccountKind.AVAILABLE,
        transaction__kind__in=(TransactionKind.PAYOUT, TransactionKind.PAYOUT_FAILED),
    ).aggregate(total=Sum("amount_minor"))["total"]
    return int(total or 0)


def merchant_payouts(
    *, merchant: Merchant, currency: str, limit: int = RECENT_PAYOUTS
) -> list[Any]:
    """The merchant's latest payouts in ``currency`` (``settlement.Payout``), newest first."""
    return list(
        Payout.objects.filter(merchant=merchant, currency=currency).order_by("-created_at", "-pk")[
            :limit
        ]
    )


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    occurred_at: datetime
    transaction_kind: str
    account_kind: str
    order_number: str | None
    amount_minor: int  # effect on the account's balance: + raises it
    balance_minor: int  # the account's balance after this entry

    @property
    def transaction_label(self) -> str:
        return str(TransactionKind(self.transaction_kind).label)

    @property
    def account_label(self) -> str:
        return str(AccountKind(self.account_kind).label)


# The merchant's entries with each account's running balance (in posting order: entries of one
# account are inserted under its row lock, so their ids follow the order balances moved in),
# then the period filter, newest first.
_STATEMENT = """
    WITH mine AS (
        SELECT e.id, e.transaction_id, e.merchant_order_id, a.kind AS account_kind,
               CASE WHEN a.normal_side = 'debit' THEN e.amount_minor ELSE -e.amount_minor END
                   AS effect,
               e.account_id
        FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        WHERE a.merchant_id = %(merchant)s AND a.currency = %(currency)s
    ),
    running AS (
        SELECT mine.*, (sum(effect) OVER (PARTITION BY account_id ORDER BY id))::bigint AS balance
        FROM mine
    )
    SELECT r.id, t.occurred_at, t.kind, r.account_kind, o.number, r.effect, r.balance
    FROM running r
    JOIN ledger_transaction t ON t.id = r.transaction_id
    LEFT JOIN purchases_merchantorder mo ON mo.id = r.merchant_order_id
    LEFT JOIN order_order o ON o.id = mo.order_id
    WHERE (%(since)s::timestamptz IS NULL OR t.occurred_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR t.occurred_at < %(until)s)
    ORDER BY r.id DESC
"""
_STATEMENT_COUNT = """
    SELECT count(*)
    FROM ledger_entry e
    JOIN ledger_account a ON a.id = e.account_id
    JOIN ledger_transaction t ON t.id = e.transaction_id
    WHERE a.merchant_id = %(merchant)s AND a.currency = %(currency)s
      AND (%(since)s::timestamptz IS NULL OR t.occurred_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR t.occurred_at < %(until)s)
"""


class Statement:
    """The merchant's statement lines in ``[since, until)`` (either end open), newest first.

    Lazy and sliceable, for ``Paginator``: ``count()`` is one query, a slice is one query."""

    def __init__(
        self, *, merchant: Merchant, currency: str, since: datetime | None, until: datetime | None
    ) -> None:
        self.params = {
            "merchant": merchant.pk,
            "currency": currency,
            "since": since,
            "until": until,
        }
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            with connection.cursor() as cursor:
                cursor.execute(_STATEMENT_COUNT, self.params)
                self._count = int(cursor.fetchone()[0])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _rows(self, limit: int | None, offset: int) -> list[StatementLine]:
        sql = _STATEMENT + " LIMIT %(limit)s OFFSET %(offset)s"
        with connection.cursor() as cursor:
            cursor.execute(sql, {**self.params, "limit": limit, "offset": offset})
            return [StatementLine(*row) for row in cursor.fetchall()]

    def __getitem__(self, key: slice) -> list[StatementLine]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("a statement is read by slices")
        start = key.start or 0
        limit = None if key.stop is None else max(key.stop - start, 0)
        return self._rows(limit, start)

    def __iter__(self) -> Iterator[StatementLine]:
        return iter(self._rows(None, 0))


# --- the page -------------------------------------------------------------------------------


def _date_field(**kwargs: Any) -> LocalDateField:
    """A date in the reader's calendar (Jalali under Persian; any script's digits)."""
    return LocalDateField(widget=LocalDateInput(attrs={"class": "form-control mr-3"}), **kwargs)


class StatementFilterForm(forms.Form):
    """``?currency=IRR&start=2025-03-01&end=2025-03-31``: all optional; dates are Tehran dates,
    both inclusive; the currency one the merchant has accounts in (the shop's by default)."""

    currency = forms.ChoiceField(label=gettext_lazy("Currency"), required=False)
    start = _date_field(label=gettext_lazy("From"), required=False)
    end = _date_field(label=gettext_lazy("To"), required=False)

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in currencies]

    def chosen_currency(self) -> str:
        """The valid currency asked for, else the shop's default (also when the form is bad)."""
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get("currency") or settings.OSCAR_DEFAULT_CURRENCY

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def period(self) -> tuple[datetime | None, datetime | None]:
        """``[since, until)`` as aware datetimes at Tehran midnight (``until`` is the day after
        ``end``)."""
        tz = timezone.get_current_timezone()
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        since = datetime.combine(start, time.min, tzinfo=tz) if start else None
        until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) if end else None
        return since, until

    def error_lines(self) -> list[str]:
        return [
            f"{self[name].label}: {error}"
            for name, errors in self.errors.items()
            for error in errors
        ]


@dataclass
class _Context:
    merchant: Merchant | None
    merchants: list[Merchant]


def _merchant_for(request: HttpRequest) -> _Context:
    """The merchant the page is about. Raises ``PermissionDenied`` for users with no money page
    and ``Http404`` for a merchant that is not theirs."""
    user = request.user
    if not (user_is_platform_admin(user) or user_is_merchant_staff(user)):
        raise PermissionDenied
    merchants = money_merchants(user=user)
    slug = request.GET.get("merchant", "")
    if user_is_platform_admin(user):
        if not slug:
            return _Context(None, list(merchants.order_by("name_en", "pk")))
        merchant = merchants.filter(slug=slug).first()
        if merchant is None:
            raise Http404(_("No such merchant."))
        return _Context(merchant, [merchant])
    mine = list(merchants)
    if not mine:
        raise PermissionDenied
    if not slug:
        return _Context(mine[0], mine)
    for merchant in mine:
        if merchant.slug == slug:
            return _Context(merchant, mine)
    raise Http404(_("No such merchant."))


def _currencies(balances: dict[str, dict[str, int]]) -> list[str]:
    """The shop's currency first, then any other the merchant has accounts in."""
    default = settings.OSCAR_DEFAULT_CURRENCY
    return [default, *sorted(code for code in balances if code != default)]


def _statement_query(request: HttpRequest, **extra: str) -> str:
    keep = {
        k: request.GET[k] for k in ("merchant", "currency", "start", "end") if request.GET.get(k)
    }
    keep.update(extra)
    return urlencode(keep)


def money_view(request: HttpRequest) -> HttpResponse:
    """Balances, what has been paid out, recent payouts and the statement of one merchant.
    A bad date in the filter answers 400 with the error under the field's name."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    chosen = _merchant_for(request)
    if chosen.merchant is None:
        return render(
            request, "merchants/dashboard/money_choose.html", {"merchants": chosen.merchants}
        )
    merchant = chosen.merchant
    balances_all = merchant_balances(merchant=merchant)
    currencies = _currencies(balances_all)
    form = StatementFilterForm(request.GET, currencies=currencies)
    valid = form.is_valid()
    currency = form.chosen_currency()
    balances = balances_all.get(currency, {})
    locale = active_locale()
    context: dict[str, Any] = {
        "merchant": merchant,
        "merchant_name": (merchant.name_fa if locale.startswith("fa") else merchant.name_en)
        or merchant.name_en,
        "merchants": chosen.merchants,
        "currency": currency,
        "currencies": currencies,
        "form": form,
        "balances": [
            {
                "kind": kind,
                "label": AccountKind(kind).label,
                "amount_minor": balances.get(kind, 0),
                "amount": amount_display(balances.get(kind, 0), currency, locale),
            }
            for kind in MERCHANT_KINDS
        ],
    }
    paid_out = merchant_paid_out(merchant=merchant, currency=currency)
    payouts = merchant_payouts(merchant=merchant, currency=currency)
    context["paid_out"] = amount_display(paid_out, currency, locale)
    context["payouts"] = [
        {
            "id": payout.pk,
            "date": date_display(timezone.localtime(payout.created_at), locale),
            "amount": amount_display(payout.amount_minor, currency, locale),
            "status": payout.status,
            "status_label": payout.get_status_display(),
            "reason": payout.reason,
        }
        for payout in payouts
    ]
    if not valid:
        context["errors"] = form.error_lines()
        return render(request, "merchants/dashboard/money.html", context, status=400)
    since, until = form.period()
    statement = Statement(merchant=merchant, currency=currency, since=since, until=until)
    page = Paginator(statement, STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    context["page"] = page
    context["lines"] = [
        {
            "entry_id": line.entry_id,
            "date": date_display(timezone.localtime(line.occurred_at), locale),
            "transaction": line.transaction_label,
            "account": line.account_label,
            "order_number": line.order_number or "",
            "amount_minor": line.amount_minor,
            "amount": amount_display(line.amount_minor, currency, locale),
            "balance": amount_display(line.balance_minor, currency, locale),
        }
        for line in page.object_list
    ]
    context["page_query"] = _statement_query(request)
    context["csv_query"] = _statement_query(request, merchant=merchant.slug, currency=currency)
    return render(request, "merchants/dashboard/money.html", context)


def money_statement_csv_view(request: HttpRequest) -> HttpResponse:
    """The statement for the chosen period as CSV (UTF-8 with a byte order mark, so spreadsheet
    programs read Persian correctly); amounts are plain decimals in major units. A bad date
    answers 400 naming the field."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    chosen = _merchant_for(request)
    if chosen.merchant is None:
        raise Http404(_("Choose a merchant."))
    merchant = chosen.merchant
    form = StatementFilterForm(
        request.GET, currencies=_currencies(merchant_balances(merchant=merchant))
    )
    if not form.is_valid():
        return HttpResponse(
            "\n".join(form.error_lines()), status=400, content_type="text/plain; charset=utf-8"
        )
    currency = form.chosen_currency()
    since, until = form.period()
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    name = "-".join(
        part
        for part in (
            "statement",
            merchant.slug,
            currency,
            start.isoformat() if start else "",
            end.isoformat() if end else "",
        )
        if part
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Date"),
            _("Account"),
            _("Transaction"),
            _("Order"),
            _("Amount"),
            _("Balance after"),
            _("Currency"),
        ]
    )
    for line in Statement(merchant=merchant, currency=currency, since=since, until=until):
        writer.writerow(
            [
                timezone.localtime(line.occurred_at).strftime("%Y-%m-%d %H:%M"),
                line.account_label,
                line.transaction_label,
                line.order_number or "",
                from_minor(line.amount_minor, currency),
                from_minor(line.balance_minor, currency),
                currency,
            ]
        )
    return response
