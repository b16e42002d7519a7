"""``catalogue_import_run``: a catalogue file upserted into Oscar's catalogue, chunk by chunk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils import translation

from catalogue_imports.models import MAX_STORED_ERRORS
from catalogue_imports.parsing import Row, catalogue_file_open
from catalogue_imports.services.rows import CleanRow, ImportContext, import_context_build, row_clean
from catalogue_imports.services.writing import FAILED, Outcome, chunk_apply
from merchants.models import Merchant

CHUNK_SIZE = 500


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    """What an import did (or, when `written` is False, would have done), row by row."""

    total: int | None = None
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    #: The first `MAX_STORED_ERRORS` errors in file order; `errors_total` counts them all.
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    #: False for a dry run and for a file rejected by all-or-nothing: the database is unchanged.
    written: bool = True
    dry_run: bool = False
    #: All-or-nothing and at least one bad row: nothing was written.
    rejected: bool = False

    def error_add(self, row: int, column: str, message: str) -> None:
        self.errors_total += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(RowError(row, column, message))


Progress = Callable[[ImportResult], None]


def _rows_import(
    rows: Iterable[Row],
    ctx: ImportContext,
    result: ImportResult,
    *,
    progress: Progress | None,
    chunk_size: int,
    stop_writing_on_error: bool,
) -> None:
    clean_rows: list[CleanRow] = []
    bad_rows: list[Outcome] = []

    def flush() -> None:
        # All or nothing: once a row is bad the import will be rolled back, so stop writing.
        write = not (stop_writing_on_error and (result.failed or bad_rows))
        outcomes = chunk_apply(clean_rows, ctx, write=write) if clean_rows else []
        for outcome in sorted([*bad_rows, *outcomes], key=lambda o: o.number):
            result.processed += 1
            if outcome.kind == FAILED:
                result.failed += 1
                for column, message in outcome.errors:
                    result.error_add(outcome.number, column, message)
            else:
                setattr(result, outcome.kind, getattr(result, outcome.kind) + 1)
        clean_rows.clear()
        bad_rows.clear()
        # A workbook's dimension is only an estimate of its rows.
        result.total = max(result.total or 0, result.processed)
        if progress is not None:
            progress(result)

    for row in rows:
        clean_row, errors = row_clean(row, ctx)
        if clean_row is None:
            bad_rows.append(Outcome(row.number, FAILED, errors))
        else:
            clean_rows.append(clean_row)
        if len(clean_rows) + len(bad_rows) >= chunk_size:
            flush()
    if clean_rows or bad_rows:
        flush()
    result.total = result.processed


def catalogue_import_run(
    *,
    file: IO[bytes],
    filename: str,
    merchant: Merchant,
    all_or_nothing: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportResult:
    """Upsert the products of a catalogue file (CSV or XLSX) for `merchant`; return the counts.

    `file` is a binary, seekable file; `filename` says its format (.csv or .xlsx). Each row is
    matched to the merchant's stock record by SKU and creates or updates the product (titles and
    descriptions in English and Persian, UPC, visibility, category), its stock record (price in
    ``OSCAR_DEFAULT_CURRENCY``, stock) and its customs information, writing only what differs:
    a row equal to what is stored writes nothing. A row is atomic. Bad rows are reported in
    `ImportResult.errors` (row as the spreadsheet numbers it, column, reason) and not written;
    good rows are. With `all_or_nothing` a single bad row means nothing is written
    (`result.rejected`); with `dry_run` nothing is ever written but the counts say what would be.

    `progress(result)` is called once the rows are counted (`result.total`; for a workbook the
    count its dimension gives, corrected at the end) and after every chunk.
    Raises `CatalogueFileError` when the file as a whole is unusable: wrong format, not UTF-8,
    unreadable, or unknown or missing columns; nothing is written then (a workbook damaged past
    its first rows is the exception: chunks before the damage stay written unless
    `all_or_nothing`). Idempotent: importing the same file again reports every row unchanged and
    writes nothing.
    """
    with catalogue_file_open(file, filename=filename) as reader:
        result = ImportResult(total=reader.rows_estimate(), dry_run=dry_run)
        if progress is not None:
            progress(result)
        # One transaction to roll back when the file must leave no trace; else each chunk and
        # row commits on its own.
        held = transaction.atomic() if all_or_nothing or dry_run else nullcontext()
        # English is the base language: Oscar's title/description columns hold the English text.
        with translation.override("en"), held:
            ctx = import_context_build(merchant=merchant, columns=reader.columns)
            _rows_import(
                reader.rows(),
                ctx,
                result,
                progress=progress,
                chunk_size=chunk_size,
                stop_writing_on_error=all_or_nothing,
            )
            if dry_run or (all_or_nothing and result.failed):
                transaction.set_rollback(True)
                result.written = False
                result.rejected = all_or_nothing and result.failed > 0
    return result
