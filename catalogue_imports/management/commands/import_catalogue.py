"""``manage.py import_catalogue FILE --merchant SLUG [--all-or-nothing] [--dry-run]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from catalogue_imports.exceptions import CatalogueFileError
from catalogue_imports.services import ImportResult, catalogue_import_run
from merchants.models import Merchant

ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Import a merchant's catalogue from a CSV or XLSX file (columns: see README, "
        "'Catalogue import'). Exits non-zero if the file is refused or any row failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="write nothing if any row is bad",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        merchant = (
            Merchant.objects.select_related("partner").filter(slug=options["merchant"]).first()
        )
        if merchant is None:
            raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")

        console = Console(file=getattr(self.stderr, "_out", self.stderr), highlight=False)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"Importing {path.name}", total=None)

            def progress(result: ImportResult) -> None:
                bar.update(task, total=result.total, completed=result.processed)

            try:
                with path.open("rb") as file:
                    result = catalogue_import_run(
                        file=file,
                        filename=path.name,
                        merchant=merchant,
                        all_or_nothing=options["all_or_nothing"],
                        dry_run=options["dry_run"],
                        progress=progress,
                    )
            except CatalogueFileError as exc:
                raise CommandError(f"{path.name}: {exc.message} Nothing was imported.") from None

        self._summary(result)
        if result.failed:
            raise CommandError(f"{result.failed} of {result.total} rows failed.")

    def _summary(self, result: ImportResult) -> None:
        counts = (
            f"{result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.failed} failed "
            f"(of {result.total} rows)"
        )
        if result.dry_run:
            self.stdout.write(f"Dry run, nothing written. Would be: {counts}.")
        elif result.rejected:
            self.stdout.write(
                f"Nothing written (--all-or-nothing and rows failed). Would be: {counts}."
            )
        else:
            self.stdout.write(f"Imported: {counts}.")
        for error in result.errors[:ERRORS_SHOWN]:
            column = f", {error.column}" if error.column else ""
            self.stdout.write(f"  row {error.row}{column}: {error.message}")
        if result.errors_total > ERRORS_SHOWN:
            self.stdout.write(f"  ... and {result.errors_total - ERRORS_SHOWN} more errors.")
