"""Reading the ledger: balances and the integrity check."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection


@dataclass
class LedgerCheck:
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    violations: list[str] = field(default_factory=list)


def ledger_check() -> LedgerCheck:
    """Recompute every account's balance from its entries and check the ledger's invariants:
    each transaction has two or more entries and sums to zero per currency; each cached balance
    equals the balance recomputed from entries; no never-negative account is below zero. Read-only;
    one pass per check, all in SQL."""
    result = LedgerCheck()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_transaction")
        result.transactions = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM ledger_entry")
        result.entries = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM ledger_account")
        result.accounts = cursor.fetchone()[0]
        cursor.execute(
            "SELECT t.idempotency_key, e.currency, sum(e.amount_minor)"
            " FROM ledger_entry e JOIN ledger_transaction t ON t.id = e.transaction_id"
            " GROUP BY t.id, t.idempotency_key, e.currency HAVING sum(e.amount_minor) <> 0"
        )
        for key, currency, total in cursor.fetchall():
            result.violations.append(f"transaction {key}: {currency} off by {int(total):+d}")
        cursor.execute(
            "SELECT t.idempotency_key, count(e.id) FROM ledger_transaction t"
            " LEFT JOIN ledger_entry e ON e.transaction_id = t.id"
            " GROUP BY t.id, t.idempotency_key HAVING count(e.id) < 2"
        )
        for key, count in cursor.fetchall():
            result.violations.append(f"transaction {key}: {count} entries (needs two or more)")
        cursor.execute(
            "SELECT a.code, a.balance_minor, coalesce(s.total, 0) FROM ledger_account a"
            " LEFT JOIN (SELECT account_id, sum(amount_minor) AS total FROM ledger_entry"
            "            GROUP BY account_id) s ON s.account_id = a.id"
            " WHERE a.balance_minor <> CASE WHEN a.normal_side = 'debit'"
            "       THEN coalesce(s.total, 0) ELSE -coalesce(s.total, 0) END"
        )
        for code, cached, total in cursor.fetchall():
            result.violations.append(
                f"account {code}: cached balance {cached} differs from entries"
                f" ({int(total):+d} debit)"
            )
        cursor.execute(
            "SELECT code, balance_minor FROM ledger_account"
            " WHERE NOT allow_negative AND balance_minor < 0"
        )
        for code, balance in cursor.fetchall():
            result.violations.append(f"account {code}: balance {balance} below zero")
        cursor.execute(
            "SELECT e.id, e.currency, a.currency FROM ledger_entry e"
            " JOIN ledger_account a ON a.id = e.account_id WHERE e.currency <> a.currency"
        )
        for entry_id, entry_currency, account_currency in cursor.fetchall():
            result.violations.append(
                f"entry {entry_id}: currency {entry_currency} on a {account_currency} account"
            )
    return result


def currency_totals() -> dict[str, int]:
    """Sum of every entry per currency (zero in a sound ledger)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT currency, sum(amount_minor) FROM ledger_entry GROUP BY currency")
        return {currency: int(total) for currency, total in cursor.fetchall()}
