"""Reads for the finance dashboard and the public transparency page, all from the ledger.

Every figure is an aggregate computed in PostgreSQL over ``ledger_entry`` (never a Python loop over
entries), in one currency, by the Gregorian month of the transaction's ``occurred_at`` in the
site's time zone (``settings.TIME_ZONE``):

- municipal fees **collected** are the net credits to the municipality's ``fee_payable`` account
  from everything but remittances (captures add, refunds take back);
- fees **remitted** are the debits of remittance transactions (Dr fee_payable / Cr platform bank),
  less reversals of remittances;
- **orders** in a month are the merchant orders with a capture posting in that month;
- fees **by category** spread each fee entry over its merchant order's categories in proportion
  to the lines' frozen municipal fees (``fees.OrderLineFees``), by largest remainder, with the
  remittance statements' rule, so the categories add up to the collected total to the rial and
  match the statements;
- **sales** of a merchant are what buyers paid for its orders (the processor balance legs of
  captures and refunds attributed to its merchant orders).

The page-level readers (``finance_dashboard_data``, ``transparency_data``) cache their result
in Redis briefly, under a key holding the latest ledger transaction id, so a new posting shows at
once. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from finance.remittance.selectors import ALLOCATION_SQL
from ledger.models import AccountKind, Party, TransactionKind

__all__ = [
    "MONTHS",
    "TOP_MERCHANTS",
    "CategoryFees",
    "MerchantFigures",
    "MonthFigures",
    "finance_currencies",
    "finance_dashboard_data",
    "ledger_balances",
    "ledger_version",
    "merchants_top",
    "month_starts",
    "municipal_fees_by_category",
    "municipal_fees_monthly",
    "orders_captured_monthly",
    "transparency_data",
]

#: How many months the charts and tables show, the current one included.
MONTHS: Final = 12
TOP_MERCHANTS: Final = 10
#: Seconds a computed page's figures stay cached (the key also changes with every posting).
DASHBOARD_CACHE_SECONDS: Final = 60
TRANSPARENCY_CACHE_SECONDS: Final = 120
TOP_BY: Final = ("fees", "sales")

_MONTH_FORMAT = "YYYY-MM"


@dataclass(frozen=True)
class MonthFigures:
    month: str  # "2025-03"
    collected_minor: int
    remitted_minor: int
    orders: int


@dataclass(frozen=True)
class CategoryFees:
    category_id: int | None  # None: lines without a category, or no fee snapshot
    fees_minor: int


@dataclass(frozen=True)
class MerchantFigures:
    merchant_id: int
    name_en: str
    name_fa: str
    fees_minor: int
    sales_minor: int


def _params(**extra: Any) -> dict[str, Any]:
    return {
        "tz": settings.TIME_ZONE,
        "month_format": _MONTH_FORMAT,
        "municipality": Party.MUNICIPALITY,
        "fee_payable": AccountKind.FEE_PAYABLE,
        "remittance": TransactionKind.REMITTANCE,
        "reversal": TransactionKind.REVERSAL,
        "capture": TransactionKind.CAPTURE,
        "refund": TransactionKind.REFUND,
        "processor": Party.PROCESSOR,
        "balance": AccountKind.BALANCE,
        **extra,
    }


def month_starts(*, now: datetime | None = None, months: int = MONTHS) -> list[datetime]:
    """The first instants of the last ``months`` months in the site's time zone, oldest first,
    ending with the current month, followed by the start of next month (the exclusive end)."""
    local = timezone.localtime(now or timezone.now())
    year, month = local.year, local.month
    keys = []
    for _ in range(months + 1):
        keys.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    keys.reverse()
    keys = keys[1:]  # months-1 back … current
    tz = timezone.get_current_timezone()
    starts = [datetime(y, m, 1, tzinfo=tz) for y, m in keys]
    last = starts[-1]
    following = (last + timedelta(days=32)).replace(day=1)
    return [*starts, following]


def month_key(start: datetime) -> str:
    return f"{start.year:04d}-{start.month:02d}"


def ledger_version() -> int:
    """The id of the latest ledger transaction (0 for an empty ledger): part of every cache key
    here, so any new posting makes the cached figures unreachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_transaction")
        return int(cursor.fetchone()[0])


def finance_currencies() -> list[str]:
    """Currencies with a ledger account, the shop's default first (even with no account yet)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT currency FROM ledger_account ORDER BY currency")
        found = [row[0] for row in cursor.fetchall()]
    default = settings.OSCAR_DEFAULT_CURRENCY
    return [default, *(code for code in found if code != default)]


# Movements of the municipal fee payable account in a period (``amount`` > 0: collected), each
# flagged as remittance (or reversal of one) or not.
_FEE_MOVES = """
    moves AS (
        SELECT e.id AS entry_id, e.merchant_order_id AS mo_id, -e.amount_minor AS amount,
               t.occurred_at,
               (t.kind = %(remittance)s
                OR (t.kind = %(reversal)s AND coalesce(r.kind = %(remittance)s, false))) AS remit
        FROM ledger_entry e
        JOIN ledger_account a ON a.id = e.account_id
        JOIN ledger_transaction t ON t.id = e.transaction_id
        LEFT JOIN ledger_transaction r ON r.id = t.reverses_id
        WHERE a.party = %(municipality)s AND a.kind = %(fee_payable)s
          AND a.currency = %(currency)s
          AND t.occurred_at >= %(since)s AND t.occurred_at < %(until)s
    )"""

# Constant SQL fragments only (every value is a bound parameter): S608 is a false positive.
_FEES_MONTHLY = f"""
    WITH {_FEE_MOVES}
    SELECT to_char(occurred_at AT TIME ZONE %(tz)s, %(month_format)s) AS month,
           coalesce(sum(amount) FILTER (WHERE NOT remit), 0),
           coalesce(-sum(amount) FILTER (WHERE remit), 0)
    FROM moves GROUP BY 1
"""  # noqa: S608

# Each fee entry spread over its merchant order's categories by the lines' frozen municipal
# fees, with the remittance statements' own largest-remainder rule
# (``finance.remittance.selectors.ALLOCATION_SQL``: ``fee`` and ``weight`` in, ``part`` out), so
# the dashboard's categories match the statements' to the rial.
_FEES_BY_CATEGORY = f"""
    WITH {_FEE_MOVES},
    fee AS (SELECT entry_id, mo_id, amount FROM moves WHERE NOT remit),
    weight AS (
        SELECT f.merchant_order_id AS mo_id, f.category_id, sum(f.municipal_fee_minor)::numeric AS w
        FROM fees_orderlinefees f
        WHERE f.merchant_order_id IN (SELECT mo_id FROM fee)
        GROUP BY f.merchant_order_id, f.category_id
        HAVING sum(f.municipal_fee_minor) > 0
    ),
    {ALLOCATION_SQL}
    SELECT category_id, sum(amount) AS fees FROM part
    GROUP BY category_id HAVING sum(amount) <> 0
    ORDER BY fees DESC, category_id NULLS LAST
"""  # noqa: S608

_ORDERS_MONTHLY = """
    SELECT to_char(t.occurred_at AT TIME ZONE %(tz)s, %(month_format)s) AS month,
           count(DISTINCT e.merchant_order_id)
    FROM ledger_transaction t
    JOIN ledger_entry e ON e.transaction_id = t.id
    WHERE t.kind = %(capture)s AND e.merchant_order_id IS NOT NULL AND e.currency = %(currency)s
      AND t.occurred_at >= %(since)s AND t.occurred_at < %(until)s
    GROUP BY 1
"""

_TOP_MERCHANTS = """
    SELECT m.id, m.name_en, m.name_fa,
           coalesce(-sum(e.amount_minor) FILTER (WHERE a.party = %(municipality)s), 0) AS fees,
           coalesce(sum(e.amount_minor) FILTER (WHERE a.party = %(processor)s), 0) AS sales
    FROM ledger_entry e
    JOIN ledger_account a ON a.id = e.account_id
    JOIN ledger_transaction t ON t.id = e.transaction_id
    JOIN purchases_merchantorder mo ON mo.id = e.merchant_order_id
    JOIN merchants_merchant m ON m.partner_id = mo.partner_id
    WHERE e.currency = %(currency)s
      AND t.occurred_at >= %(since)s AND t.occurred_at < %(until)s
      AND ((a.party = %(municipality)s AND a.kind = %(fee_payable)s
            AND t.kind <> %(remittance)s)
           OR (a.party = %(processor)s AND a.kind = %(balance)s
               AND t.kind IN (%(capture)s, %(refund)s)))
    GROUP BY m.id, m.name_en, m.name_fa
"""
_TOP_ORDER = {
    "fees": " ORDER BY fees DESC, sales DESC, m.id LIMIT %(limit)s",
    "sales": " ORDER BY sales DESC, fees DESC, m.id LIMIT %(limit)s",
}


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def municipal_fees_monthly(
    *, currency: str, since: datetime, until: datetime
) -> dict[str, tuple[int, int]]:
    """``{"2025-03": (collected_minor, remitted_minor), ...}`` for months with any movement of
    the municipal fee payable account in ``[since, until)``. One query."""
    rows = _fetch(_FEES_MONTHLY, _params(currency=currency, since=since, until=until))
    return {month: (int(collected), int(remitted)) for month, collected, remitted in rows}


def orders_captured_monthly(*, currency: str, since: datetime, until: datetime) -> dict[str, int]:
    """``{"2025-03": number of merchant orders with a capture posting that month}``. One query."""
    rows = _fetch(_ORDERS_MONTHLY, _params(currency=currency, since=since, until=until))
    return {month: int(count) for month, count in rows}


def municipal_fees_by_category(
    *, currency: str, since: datetime, until: datetime
) -> list[CategoryFees]:
    """Net municipal fees collected in ``[since, until)`` per category, largest first; the parts
    sum exactly to the period's collected total. One query."""
    rows = _fetch(_FEES_BY_CATEGORY, _params(currency=currency, since=since, until=until))
    return [CategoryFees(category_id=category, fees_minor=int(fees)) for category, fees in rows]


def merchants_top(
    *,
    currency: str,
    since: datetime,
    until: datetime,
    by: str = "fees",
    limit: int = TOP_MERCHANTS,
) -> list[MerchantFigures]:
    """The ``limit`` merchants with the most municipal fees (``by="fees"``) or sales
    (``by="sales"``) in ``[since, until)``. Raises ``ValueError`` for another ``by``. One query."""
    if by not in _TOP_ORDER:
        raise ValueError(f"by must be one of {', '.join(TOP_BY)}, got {by!r}")
    rows = _fetch(
        _TOP_MERCHANTS + _TOP_ORDER[by],
        _params(currency=currency, since=since, until=until, limit=limit),
    )
    return [
        MerchantFigures(
            merchant_id=pk,
            name_en=name_en,
            name_fa=name_fa,
            fees_minor=int(fees),
            sales_minor=int(sales),
        )
        for pk, name_en, name_fa, fees, sales in rows
    ]


def ledger_balances(*, currency: str) -> dict[tuple[str, str], int]:
    """Cached balances (normal side) summed per ``(party, kind)`` in ``currency``. One query."""
    rows = _fetch(
        "SELECT party, kind, sum(balance_minor) FROM ledger_account"
        " WHERE currency = %(currency)s GROUP BY party, kind",
        {"currency": currency},
    )
    return {(party, kind): int(total) for party, kind, total in rows}


def _months(currency: str, now: datetime | None) -> tuple[list[datetime], list[MonthFigures]]:
    starts = month_starts(now=now)
    since, until = starts[0], starts[-1]
    fees = municipal_fees_monthly(currency=currency, since=since, until=until)
    orders = orders_captured_monthly(currency=currency, since=since, until=until)
    months = []
    for start in starts[:-1]:
        key = month_key(start)
        collected, remitted = fees.get(key, (0, 0))
        months.append(MonthFigures(key, collected, remitted, orders.get(key, 0)))
    return starts, months


def finance_dashboard_data(
    *, currency: str, top_by: str = "fees", now: datetime | None = None
) -> dict[str, Any]:
    """Everything the finance dashboard shows, in minor units of ``currency``:

    ``months`` (last 12, oldest first: collected, remitted, orders), ``categories`` (fees by
    category over those months), ``merchants`` (top 10 by ``top_by``), ``balances``
    (``ledger_balances``), ``collected_this_month``, ``since``/``until``. Cached for a minute under
    the latest transaction id; a miss costs six queries.
    """
    if top_by not in TOP_BY:
        raise ValueError(f"top_by must be one of {', '.join(TOP_BY)}, got {top_by!r}")
    starts = month_starts(now=now)
    key = f"finance:dashboard:v1:{currency}:{top_by}:{month_key(starts[-2])}:{ledger_version()}"
    data = cache.get(key)
    if data is not None:
        return data
    starts, months = _months(currency, now)
    since, until = starts[0], starts[-1]
    data = {
        "currency": currency,
        "since": since,
        "until": until,
        "months": months,
        "collected_this_month": months[-1].collected_minor,
        "categories": municipal_fees_by_category(currency=currency, since=since, until=until),
        "merchants": merchants_top(currency=currency, since=since, until=until, by=top_by),
        "balances": ledger_balances(currency=currency),
    }
    cache.set(key, data, DASHBOARD_CACHE_SECONDS)
    return data


def transparency_data(*, currency: str, now: datetime | None = None) -> dict[str, Any]:
    """The public figures: ``months`` (last 12: fees collected and orders), ``categories``
    (fees by category), totals over the period. No merchant or buyer appears. Cached briefly
    in Redis under the latest ledger transaction id, so a new order shows at once."""
    starts = month_starts(now=now)
    key = f"finance:transparency:v1:{currency}:{month_key(starts[-2])}:{ledger_version()}"
    data = cache.get(key)
    if data is not None:
        return data
    starts, months = _months(currency, now)
    since, until = starts[0], starts[-1]
    data = {
        "currency": currency,
        "since": since,
        "until": until,
        "months": months,
        "categories": municipal_fees_by_category(currency=currency, since=since, until=until),
        "collected_minor": sum(m.collected_minor for m in months),
        "orders": sum(m.orders for m in months),
    }
    cache.set(key, data, TRANSPARENCY_CACHE_SECONDS)
    return data
