"""Reading the ledger in settlement tests: balances by account code, a transaction's legs."""

from __future__ import annotations

from ledger.models import Account, Transaction
from ledger.selectors import ledger_check


def balance(code: str) -> int:
    """The balance (on its normal side) of the account ``code``; 0 if it was never used."""
    account = Account.objects.filter(code=code).first()
    return account.balance_minor if account is not None else 0


def legs(key: str) -> dict[str, int]:
    """The posting ``key`` as {account code: signed amount (debit +)}, summed per account."""
    txn = Transaction.objects.get(idempotency_key=key)
    result: dict[str, int] = {}
    for entry in txn.entries.select_related("account"):
        result[entry.account.code] = result.get(entry.account.code, 0) + entry.amount_minor
    return result


def keys() -> list[str]:
    return sorted(Transaction.objects.values_list("idempotency_key", flat=True))


def assert_ledger_sound() -> None:
    result = ledger_check()
    assert result.violations == []


def m(merchant, kind: str, currency: str = "IRR") -> str:
    """A merchant account's code: ``merchant:<id>:<kind>:IRR``."""
    return f"merchant:{merchant.pk}:{kind}:{currency}"
