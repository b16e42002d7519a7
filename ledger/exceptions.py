"""Ledger errors."""

from __future__ import annotations


class LedgerError(Exception):
    pass


class Unbalanced(LedgerError):
    """The legs of a posting do not sum to zero in some currency; nothing was written."""

    def __init__(self, totals: dict[str, int]) -> None:
        self.totals = totals
        detail = ", ".join(f"{currency} {total:+d}" for currency, total in sorted(totals.items()))
        super().__init__(f"debits and credits differ: {detail}")
