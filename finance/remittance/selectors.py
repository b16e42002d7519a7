"""Reading what the municipality is owed, from the ledger.

The source of truth is the ledger account ``municipality:fee_payable:<currency>``: a capture
credits it per merchant order (legs attributed with ``merchant_order_id``), a refund, a lost
dispute or a reversal debits it back, a remittance debits it when the money goes to the city. A
statement reads every entry on that account whose transaction *occurred* in the period (Tehran
dates, half-open), except remittances (and reversals of remittances): credits are "collected",
debits "refunded", and net = collected − refunded is what the period owes the city.

Each merchant order's amount is split across the categories of its lines in proportion to the
lines' ``fees.OrderLineFees.municipal_fee_minor``, by largest remainder, entry by entry, so the
category rows of a merchant order add up exactly to its ledger amount and statements of adjacent
periods add up exactly to the statement of their union. The split runs in SQL (window
functions) with the same rule as ``marketplace.core.money.allocate_minor`` (leftover units to the
largest remainders, ties to the lower category id, no category without a fee). A line's
category is its fee snapshot's, or (when the snapshot has none) its product's first category. A
merchant order without fee snapshots (or whose lines have no fee) is reported under no category;
an entry without a merchant order under no merchant.

Every selector here is one or two SQL queries whatever the number of orders. Read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from finance.models import Remittance
from finance.remittance.periods import (
    month_first,
    month_next,
    months_between,
    period_bounds,
    period_check,
)
from ledger.models import AccountKind, Party, TransactionKind
from ledger.services import account_code
from marketplace.core.money import allocate_minor, currency_exponent

__all__ = [
    "MonthlyFees",
    "MunicipalFeesStatement",
    "StatementLine",
    "fee_payable_code",
    "municipal_fees_by_month",
    "municipal_fees_first_month",
    "municipal_fees_net",
    "municipal_fees_statement",
    "remittances_list",
    "remittances_overlapping",
]


def fee_payable_code(currency: str) -> str:
    """``municipality:fee_payable:<currency>``, the ledger account the statements read."""
    return account_code(party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE, currency=currency)


# Entries on the fee account from {lower} (inclusive) to {upper} (exclusive), remittances
# excluded; amount > 0 = collected, < 0 = refunded.
_FEE_ENTRIES_TEMPLATE = """
fee AS (
    SELECT e.id AS entry_id, e.merchant_order_id AS mo_id, -e.amount_minor AS amount,
           t.occurred_at
    FROM ledger_entry e
    JOIN ledger_transaction t ON t.id = e.transaction_id
    LEFT JOIN ledger_transaction reversed ON reversed.id = t.reverses_id
    WHERE e.account_id = (SELECT id FROM ledger_account WHERE code = %(account)s)
      AND t.occurred_at >= {lower} AND t.occurred_at < {upper}
      AND t.kind <> %(remittance)s
      AND (reversed.id IS NULL OR reversed.kind <> %(remittance)s)
)"""
_FEE_ENTRIES_SQL = _FEE_ENTRIES_TEMPLATE.format(lower="%(start)s", upper="%(end)s")

# Each merchant order's municipal fee per category of its lines (the split's weights). The
# category is the fee snapshot's; where the snapshot has none (the fee engine records it only
# when a category rule was in force), the line product's first category, as the engine picks it
# (the parent's for a variant).
_WEIGHTS_SQL = """
weight AS (
    SELECT f.merchant_order_id AS mo_id,
           coalesce(f.category_id, (
               SELECT pc.category_id
               FROM order_line l
               JOIN catalogue_product p ON p.id = l.product_id
               JOIN catalogue_productcategory pc ON pc.product_id = coalesce(p.parent_id, p.id)
               WHERE l.id = f.line_id
               ORDER BY pc.id
               LIMIT 1
           )) AS category_id,
           sum(f.municipal_fee_minor)::numeric AS w
    FROM fees_orderlinefees f
    WHERE f.merchant_order_id IN (SELECT mo_id FROM fee)
    GROUP BY 1, 2
    HAVING sum(f.municipal_fee_minor) > 0
)"""

# Largest-remainder split of each entry of ``fee(entry_id, mo_id, amount)`` over the weights
# ``weight(mo_id, category_id, w)`` of its merchant order, as ``part(mo_id, category_id, amount)``;
# entries of merchant orders without weights pass through under no category. The same rule as
# ``allocate_minor`` (tests/finance/test_remittance_statement.py checks them against each other).
ALLOCATION_SQL = """
share AS (
    SELECT fee.entry_id, fee.mo_id, weight.category_id, sign(fee.amount) AS sgn,
           abs(fee.amount)::numeric AS magnitude,
           div(abs(fee.amount)::numeric * weight.w, sum(weight.w) OVER entry) AS quotient,
           mod(abs(fee.amount)::numeric * weight.w, sum(weight.w) OVER entry) AS remainder
    FROM fee JOIN weight ON weight.mo_id = fee.mo_id
    WINDOW entry AS (PARTITION BY fee.entry_id)
),
part AS (
    SELECT mo_id, category_id,
           (sgn * (quotient + CASE
               WHEN row_number() OVER (
                   PARTITION BY entry_id ORDER BY remainder DESC, category_id NULLS LAST
               ) <= magnitude - sum(quotient) OVER (PARTITION BY entry_id)
               THEN 1 ELSE 0 END))::bigint AS amount
    FROM share
    UNION ALL
    SELECT fee.mo_id, NULL::bigint, fee.amount FROM fee
    WHERE NOT EXISTS (SELECT 1 FROM weight WHERE weight.mo_id = fee.mo_id)
)"""

_STATEMENT_SQL = f"""
WITH {_FEE_ENTRIES_SQL},
{_WEIGHTS_SQL},
{ALLOCATION_SQL},
agg AS (
    SELECT m.id AS merchant_id, part.category_id,
           GROUPING(m.id) AS all_merchants, GROUPING(part.category_id) AS all_categories,
           coalesce(sum(part.amount) FILTER (WHERE part.amount > 0), 0) AS collected,
           coalesce(-sum(part.amount) FILTER (WHERE part.amount < 0), 0) AS refunded,
           count(DISTINCT part.mo_id) FILTER (WHERE part.amount > 0) AS orders
    FROM part
    LEFT JOIN purchases_merchantorder mo ON mo.id = part.mo_id
    LEFT JOIN merchants_merchant m ON m.partner_id = mo.partner_id
    WHERE part.amount <> 0
    GROUP BY GROUPING SETS ((m.id, part.category_id), (m.id), (part.category_id), ())
)
SELECT agg.all_merchants, agg.all_categories,
       agg.merchant_id, coalesce(m.name_en, ''), coalesce(m.name_fa, ''),
       agg.category_id,
       coalesce(nullif(c.name_en, ''), c.name, ''), coalesce(nullif(c.name_fa, ''), c.name, ''),
       agg.orders, agg.collected, agg.refunded
FROM agg
LEFT JOIN merchants_merchant m ON m.id = agg.merchant_id
LEFT JOIN catalogue_category c ON c.id = agg.category_id
ORDER BY m.name_en NULLS LAST, agg.merchant_id NULLS LAST,
         c.name_en NULLS LAST, agg.category_id NULLS LAST
"""  # noqa: S608 -- constant SQL fragments; every value is a bound parameter

_BY_MONTH_SQL = f"""
WITH {_FEE_ENTRIES_SQL},
months AS (
    SELECT generate_series(%(first_month)s::date, %(last_month)s::date, interval '1 month')::date
        AS month
)
SELECT months.month,
       coalesce(sum(fee.amount) FILTER (WHERE fee.amount > 0), 0) AS collected,
       coalesce(-sum(fee.amount) FILTER (WHERE fee.amount < 0), 0) AS refunded,
       count(DISTINCT fee.mo_id) FILTER (WHERE fee.amount > 0) AS orders
FROM months
LEFT JOIN fee
    ON date_trunc('month', fee.occurred_at AT TIME ZONE 'Asia/Tehran')::date = months.month
GROUP BY months.month
ORDER BY months.month
"""  # noqa: S608 -- constant SQL fragments; every value is a bound parameter

_NET_SQL = f"WITH {_FEE_ENTRIES_SQL} SELECT coalesce(sum(amount), 0) FROM fee"  # noqa: S608

# Each remittance touching a range, with the net fee of each month of its period (the weights
# that spread its amount over the months it covers).
_REMITTED_SQL = f"""
WITH rem AS (
    SELECT id, amount_minor, period_start, period_end,
           period_start::timestamp AT TIME ZONE 'Asia/Tehran' AS starts_at,
           period_end::timestamp AT TIME ZONE 'Asia/Tehran' AS ends_at
    FROM finance_remittance
    WHERE currency = %(currency)s AND period_start < %(end_date)s AND period_end > %(start_date)s
),
{
    _FEE_ENTRIES_TEMPLATE.format(
        lower="(SELECT min(starts_at) FROM rem)", upper="(SELECT max(ends_at) FROM rem)"
    )
}
SELECT rem.id, rem.amount_minor, rem.period_start, rem.period_end,
       date_trunc('month', fee.occurred_at AT TIME ZONE 'Asia/Tehran')::date AS month,
       coalesce(sum(fee.amount), 0) AS net
FROM rem
LEFT JOIN fee ON fee.occurred_at >= rem.starts_at AND fee.occurred_at < rem.ends_at
GROUP BY rem.id, rem.amount_minor, rem.period_start, rem.period_end, month
ORDER BY rem.id, month
"""  # noqa: S608 -- constant SQL fragments; every value is a bound parameter


def _params(*, start: date, end: date, currency: str) -> dict[str, Any]:
    period_check(start=start, end=end, start_field="start", end_field="end")
    currency_exponent(currency)  # CurrencyError for an unknown currency
    starts_at, ends_at = period_bounds(start=start, end=end)
    return {
        "account": fee_payable_code(currency),
        "start": starts_at,
        "end": ends_at,
        "remittance": TransactionKind.REMITTANCE.value,
    }


@dataclass(frozen=True)
class StatementLine:
    """Municipal fees of one merchant in one category (or a subtotal: ``merchant_id`` and/or
    ``category_id`` None with ``all_merchants``/``all_categories`` set), in minor units.

    ``orders`` counts the distinct merchant orders whose fee was collected in the period."""

    merchant_id: int | None
    merchant_name_en: str
    merchant_name_fa: str
    category_id: int | None
    category_name_en: str
    category_name_fa: str
    orders: int
    collected_minor: int
    refunded_minor: int
    all_merchants: bool = False
    all_categories: bool = False

    @property
    def net_minor(self) -> int:
        return self.collected_minor - self.refunded_minor


@dataclass(frozen=True)
class MunicipalFeesStatement:
    """What the city is owed for ``[start, end)`` in ``currency``.

    ``lines``: one per merchant and category; ``merchants``: one subtotal per merchant;
    ``categories``: one subtotal per category across merchants; ``total``: the whole period
    (its ``net_minor`` is what remitting the period would pay)."""

    start: date
    end: date
    currency: str
    lines: tuple[StatementLine, ...]
    merchants: tuple[StatementLine, ...]
    categories: tuple[StatementLine, ...]
    total: StatementLine

    @property
    def last_day(self) -> date:
        """The period's last day (``end`` is exclusive)."""
        return date.fromordinal(self.end.toordinal() - 1)

    def by_merchant(self) -> list[tuple[StatementLine, list[StatementLine]]]:
        """``[(merchant subtotal, its category lines), ...]`` in statement order."""
        groups: dict[int | None, list[StatementLine]] = {}
        for line in self.lines:
            groups.setdefault(line.merchant_id, []).append(line)
        return [(subtotal, groups.get(subtotal.merchant_id, [])) for subtotal in self.merchants]


def _empty_total() -> StatementLine:
    return StatementLine(None, "", "", None, "", "", 0, 0, 0, True, True)


def municipal_fees_statement(*, start: date, end: date, currency: str) -> MunicipalFeesStatement:
    """The municipal fees of ``[start, end)`` (Asia/Tehran dates) in ``currency``, by merchant
    and category, with subtotals per merchant and per category and the period's total.

    One SQL query, however many orders. Raises ``ValidationError`` naming ``start``/``end`` for a
    period that is not two dates in order, ``CurrencyError`` for an unknown currency. Read-only.
    """
    params = _params(start=start, end=end, currency=currency)
    with connection.cursor() as cursor:
        cursor.execute(_STATEMENT_SQL, params)
        rows = cursor.fetchall()
    lines: list[StatementLine] = []
    merchants: list[StatementLine] = []
    categories: list[StatementLine] = []
    total = _empty_total()
    for row in rows:
        all_merchants, all_categories = bool(row[0]), bool(row[1])
        line = StatementLine(
            merchant_id=row[2],
            merchant_name_en=row[3],
            merchant_name_fa=row[4],
            category_id=row[5],
            category_name_en=row[6],
            category_name_fa=row[7],
            orders=int(row[8]),
            collected_minor=int(row[9]),
            refunded_minor=int(row[10]),
            all_merchants=all_merchants,
            all_categories=all_categories,
        )
        if all_merchants and all_categories:
            total = line
        elif all_merchants:
            categories.append(line)
        elif all_categories:
            merchants.append(line)
        else:
            lines.append(line)
    return MunicipalFeesStatement(
        start=start,
        end=end,
        currency=currency,
        lines=tuple(lines),
        merchants=tuple(merchants),
        categories=tuple(sorted(categories, key=_category_order)),
        total=total,
    )


def _category_order(line: StatementLine) -> tuple[bool, str, int]:
    return (line.category_id is None, line.category_name_en, line.category_id or 0)


def municipal_fees_net(*, start: date, end: date, currency: str) -> int:
    """Net municipal fee of ``[start, end)``: collected minus refunded, remittances excluded
    (what remitting the period pays). One query; read-only; errors as the statement's."""
    params = _params(start=start, end=end, currency=currency)
    with connection.cursor() as cursor:
        cursor.execute(_NET_SQL, params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class MonthlyFees:
    """One month of municipal fees, in minor units. ``remitted_minor`` is the part of the
    remittances covering the month attributed to it (a remittance of several months is spread
    over them in proportion to their net fee, by largest remainder); ``outstanding_minor`` =
    net − remitted."""

    month: date
    collected_minor: int
    refunded_minor: int
    orders: int
    remitted_minor: int

    @property
    def net_minor(self) -> int:
        return self.collected_minor - self.refunded_minor

    @property
    def outstanding_minor(self) -> int:
        return self.net_minor - self.remitted_minor

    @property
    def end(self) -> date:
        """The first day of the next month (the month is ``[month, end)``)."""
        return month_next(self.month)


def municipal_fees_by_month(*, start: date, end: date, currency: str) -> list[MonthlyFees]:
    """Municipal fees per month of ``[start, end)`` (Tehran dates; the first and last months are
    cut to the range), oldest first, months without fees included as zeros: collected, refunded,
    orders and remitted. Two SQL queries, however many orders or months. Errors as the
    statement's. Read-only."""
    params = _params(start=start, end=end, currency=currency)
    months = months_between(start, end)
    params |= {"first_month": months[0], "last_month": months[-1]}
    with connection.cursor() as cursor:
        cursor.execute(_BY_MONTH_SQL, params)
        fee_rows = cursor.fetchall()
        remitted = _remitted_by_month(cursor=cursor, start=start, end=end, currency=currency)
    return [
        MonthlyFees(
            month=month,
            collected_minor=int(collected),
            refunded_minor=int(refunded),
            orders=int(orders),
            remitted_minor=remitted.get(month, 0),
        )
        for month, collected, refunded, orders in fee_rows
    ]


def _remitted_by_month(*, cursor: Any, start: date, end: date, currency: str) -> dict[date, int]:
    """The remitted amount attributed to each month (one query; a loop over remittances, not
    orders)."""
    cursor.execute(
        _REMITTED_SQL,
        {
            "currency": currency,
            "start_date": start,
            "end_date": end,
            "account": fee_payable_code(currency),
            "remittance": TransactionKind.REMITTANCE.value,
        },
    )
    by_remittance: dict[int, tuple[int, date, date, dict[date, int]]] = {}
    for pk, amount, period_start, period_end, month, net in cursor.fetchall():
        entry = by_remittance.setdefault(pk, (int(amount), period_start, period_end, {}))
        if month is not None:
            entry[3][month] = int(net)
    result: dict[date, int] = {}
    for amount, period_start, period_end, nets in by_remittance.values():
        months = months_between(period_start, period_end)
        for month, part in zip(
            months, _spread(amount, [nets.get(m, 0) for m in months]), strict=True
        ):
            if month_first(start) <= month < end:
                result[month] = result.get(month, 0) + part
    return result


def _spread(amount: int, nets: Sequence[int]) -> list[int]:
    """``amount`` over months by their (positive) net fee; all to the first month if none."""
    weights = [max(net, 0) for net in nets]
    if sum(weights) == 0:
        weights = [1] + [0] * (len(nets) - 1)
    return allocate_minor(amount, weights)


def municipal_fees_first_month(*, currency: str) -> date | None:
    """The month (Tehran) of the earliest municipal fee entry or remittance in ``currency``, or
    None when there is neither. One query; read-only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT least("
            " (SELECT min(t.occurred_at AT TIME ZONE 'Asia/Tehran')::date FROM ledger_entry e"
            "  JOIN ledger_transaction t ON t.id = e.transaction_id"
            "  WHERE e.account_id = (SELECT id FROM ledger_account WHERE code = %s)),"
            " (SELECT min(period_start) FROM finance_remittance WHERE currency = %s))",
            [fee_payable_code(currency), currency],
        )
        row = cursor.fetchone()
    return month_first(row[0]) if row and row[0] else None


def remittances_list(*, currency: str | None = None) -> list[Remittance]:
    """Remittances, latest period first, with who recorded them (one query)."""
    queryset = Remittance.objects.select_related("remitted_by", "ledger_transaction")
    if currency:
        queryset = queryset.filter(currency=currency)
    return list(queryset.order_by("-period_start", "currency"))


def remittances_overlapping(*, start: date, end: date, currency: str) -> list[Remittance]:
    """Remittances of ``currency`` whose period overlaps ``[start, end)`` (one query)."""
    return list(
        Remittance.objects.filter(currency=currency, period_start__lt=end, period_end__gt=start)
        .select_related("remitted_by")
        .order_by("period_start")
    )


def fee_currencies(*, default: str, extra: Iterable[str] = ()) -> list[str]:
    """Currencies with a municipal fee account, plus ``default`` (one query)."""
    from ledger.models import Account

    codes = set(
        Account.objects.filter(party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE).values_list(
            "currency", flat=True
        )
    )
    return sorted(codes | {default, *extra})
