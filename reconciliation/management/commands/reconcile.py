"""``manage.py reconcile --date YYYY-MM-DD [--gateway sandbox]``: reconcile a day now."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from payments.interface import GatewayError
from reconciliation.services import reconciliation_gateways, reconciliation_run


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: expected YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Match a day's processor balance transactions against the ledger's processor account "
        "and print matched and mismatched counts per gateway and currency (rerunning a day "
        "replaces its result)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            dest="day",
            help="The local day (TIME_ZONE) to reconcile, YYYY-MM-DD; default yesterday.",
        )
        parser.add_argument(
            "--gateway",
            action="append",
            dest="gateways",
            help="A gateway to reconcile (repeatable); default every configured one.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options["day"]) if options["day"] else timezone.localdate() - timedelta(days=1)
        try:
            gateways = options["gateways"] or reconciliation_gateways()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        failed = []
        for name in gateways:
            try:
                runs = reconciliation_run(gateway_name=name, day=day)
            except ImproperlyConfigured as exc:
                raise CommandError(f"--gateway {name}: {exc}") from exc
            except GatewayError as exc:
                self.stderr.write(f"{name} {day}: the processor could not be read: {exc}")
                failed.append(name)
                continue
            for run in runs:
                self.stdout.write(
                    f"{run.gateway} {run.currency} {run.day}: {run.matched_count} matched, "
                    f"{run.mismatched_count} mismatched, {run.ledger_only_count} only in the "
                    f"ledger, {run.processor_only_count} only at the processor"
                )
        if failed:
            raise CommandError(f"reconciliation failed for {', '.join(failed)}", returncode=1)
