"""``manage.py ledger_check``: recompute the ledger and report violations (exit 1 on any)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ledger.selectors import ledger_check


class Command(BaseCommand):
    help = "Recompute every balance from its entries and check that every transaction balances."

    def handle(self, *args: Any, **options: Any) -> None:
        result = ledger_check()
        for violation in result.violations:
            self.stderr.write(violation)
        self.stdout.write(
            f"checked {result.transactions} transactions, {result.entries} entries, "
            f"{result.accounts} accounts: {len(result.violations)} violations"
        )
        if result.violations:
            raise CommandError(f"{len(result.violations)} ledger violations", returncode=1)
