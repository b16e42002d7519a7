"""``manage.py settle [--now ISO] [--dry-run]``: run the settlement now (as the daily beat task
does) with a progress bar, and print what it did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from marketplace.core.money import Money, format_money
from settlement.services import settlement_run
from settlement.services.run import STEPS, SettlementRunResult

LABELS = {
    "release": "Releasing due holds",
    "post": "Posting missing payment events",
    "build": "Building payouts",
    "submit": "Submitting payouts",
}


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"--now: {value!r} is not an ISO 8601 date-time (e.g. 2025-03-21T02:00+03:30)"
        ) from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _amounts(amounts: dict[str, int]) -> str:
    if not amounts:
        return "0"
    return ", ".join(format_money(Money(v, c)) for c, v in sorted(amounts.items()))


class Command(BaseCommand):
    help = (
        "Release due holds, post missing ledger postings, build and submit payouts now "
        "(the daily settlement.run task)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--now",
            help="Settle as of this ISO 8601 date-time instead of now (holds due by then).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be done: nothing is written, no processor is called.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = _parse_now(options.get("now"))
        console = Console(file=getattr(self.stderr, "_out", self.stderr), highlight=False)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            tasks = {step: bar.add_task(LABELS[step], total=None) for step in STEPS}

            def progress(step: str, done: int, total: int) -> None:
                bar.update(tasks[step], completed=done, total=total)

            result = settlement_run(now=now, dry_run=options["dry_run"], progress=progress)
        self._report(result)

    def _report(self, r: SettlementRunResult) -> None:
        if r.dry_run:
            lines = [
                f"DRY RUN (nothing written): settlement as of {r.now.isoformat()}",
                f"holds to release: {r.released} ({_amounts(r.released_minor)}); "
                f"waiting for their capture: {r.holds_waiting}",
                f"payments with missing postings: {r.payments_posted}",
                f"payouts to create: {r.payouts_created} ({_amounts(r.payouts_created_minor)}); "
                f"held: {r.payouts_held}; below minimum: {r.payouts_below_minimum}",
            ]
        else:
            lines = [
                f"settlement as of {r.now.isoformat()}",
                f"holds released: {r.released} ({_amounts(r.released_minor)}); "
                f"waiting: {r.holds_waiting}",
                f"payments with missing postings: {r.payments_posted} "
                f"(posted {r.postings_posted}, failed {r.postings_failed})",
                f"netted: {r.netted} ({r.netted_minor})",
                f"payouts created: {r.payouts_created} ({_amounts(r.payouts_created_minor)}); "
                f"held: {r.payouts_held}; below minimum: {r.payouts_below_minimum}",
                f"payouts paid: {r.payouts_paid} ({_amounts(r.payouts_paid_minor)})",
                f"payouts failed: {r.payouts_failed} ({_amounts(r.payouts_failed_minor)}); "
                f"retrying: {r.payouts_retrying}",
            ]
        for line in lines:
            self.stdout.write(line)
