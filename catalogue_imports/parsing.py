"""Reading a catalogue file (CSV or XLSX) into rows, one at a time.

``catalogue_file_open`` checks the format and the header row and returns a reader whose
``rows()`` streams `Row`s and whose ``count()`` counts them (a pass over the whole file, which
also proves a CSV decodes as UTF-8 before anything is written). Rows are numbered as a
spreadsheet shows them: the header is row 1, the first product row 2; completely blank rows keep
their number but are skipped.

Raises `CatalogueFileError` for anything wrong with the file as a whole.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from catalogue_imports.columns import COLUMN_NAMES, REQUIRED_COLUMNS, cell_text
from catalogue_imports.exceptions import CatalogueFileError

FORMATS = (".csv", ".xlsx")
XLSX_MAGIC = b"PK\x03\x04"
_SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: dict[str, Any]
    #: The row has values in cells the header does not name.
    has_extra_cells: bool = False


def _filled(cell: Any) -> bool:
    if cell is None:
        return False
    return bool(cell.strip()) if isinstance(cell, str) else True


def file_format(filename: str) -> str:
    """ ".csv" or ".xlsx" from the file's name; `CatalogueFileError` for anything else."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        raise CatalogueFileError(
            f"{PurePath(filename).name} is neither a .csv nor an .xlsx file: "
            "save the sheet as CSV (UTF-8) or Excel workbook (.xlsx)."
        )
    return suffix


class CatalogueReader:
    """Header checking and row mapping, common to both formats; subclasses yield raw records."""

    def __init__(self) -> None:
        records = self._records()
        try:
            first = next(records, None)
        finally:
            records.close()
        if first is None or not any(cell_text(cell) for cell in first[1]):
            raise CatalogueFileError(
                "The file is empty: its first row must name the columns ("
                + ", ".join(COLUMN_NAMES)
                + ")."
            )
        self._index = self._header_check(first[1])
        self.columns: tuple[str, ...] = tuple(name for _, name in self._index)

    def _records(self) -> Iterator[tuple[int, list[Any]]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file; the reader is not usable afterwards."""

    def __enter__(self) -> CatalogueReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @staticmethod
    def _header_check(cells: list[Any]) -> list[tuple[int, str]]:
        names = [cell_text(cell).lstrip("\ufeff").strip().casefold() for cell in cells]
        index: list[tuple[int, str]] = []
        unknown, duplicate, seen = [], [], set()
        for position, name in enumerate(names):
            if not name:
                continue  # spreadsheets often carry empty header cells past the last column
            if name not in COLUMN_NAMES:
                unknown.append(name)
            elif name in seen:
                duplicate.append(name)
            else:
                seen.add(name)
                index.append((position, name))
        missing = [name for name in COLUMN_NAMES if name in REQUIRED_COLUMNS and name not in seen]
        problems = []
        if unknown:
            problems.append("unknown columns: " + ", ".join(unknown))
        if duplicate:
            problems.append("columns named twice: " + ", ".join(duplicate))
        if missing:
            problems.append("missing columns: " + ", ".join(missing))
        if problems:
            raise CatalogueFileError(
                "The header row (row 1) has "
                + "; ".join(problems)
                + ". The columns are: "
                + ", ".join(COLUMN_NAMES)
                + "."
            )
        return index

    def rows(self) -> Iterator[Row]:
        """Every non-blank row after the header, in file order."""
        records = self._records()
        try:
            next(records, None)  # the header, checked in __init__
            width = max((position for position, _ in self._index), default=-1) + 1
            unnamed = [p for p in range(width) if p not in {p for p, _ in self._index}]
            for number, cells in records:
                if not any(_filled(cell) for cell in cells):
                    continue
                values = {
                    name: cells[position] if position < len(cells) else None
                    for position, name in self._index
                }
                extra = any(_filled(cell) for cell in cells[width:]) or any(
                    position < len(cells) and _filled(cells[position]) for position in unnamed
                )
                yield Row(number, values, extra)
        finally:
            records.close()

    def count(self) -> int:
        """How many rows `rows()` will yield; reads the whole file."""
        return sum(1 for _ in self.rows())

    def rows_estimate(self) -> int:
        """About how many rows `rows()` will yield, for progress; exact unless a subclass says.

        For CSV this is `count()`: the pass also proves the whole file decodes as UTF-8 before
        anything is written.
        """
        return self.count()


class CsvReader(CatalogueReader):
    """UTF-8 CSV, with or without a byte-order mark; comma or semicolon, whichever the header uses."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.delimiter = self._delimiter_detect()
        super().__init__()

    def _delimiter_detect(self) -> str:
        self._file.seek(0)
        sample = self._file.read(_SAMPLE_BYTES).decode("utf-8-sig", errors="replace")
        lines = sample.splitlines()
        header = lines[0] if lines else ""

        def known(delimiter: str) -> int:
            cells = next(csv.reader([header], delimiter=delimiter), [])
            return sum(1 for cell in cells if cell.strip().casefold() in COLUMN_NAMES)

        return ";" if known(";") > known(",") else ","

    def _records(self) -> Iterator[tuple[int, list[Any]]]:
        self._file.seek(0)
        text = io.TextIOWrapper(self._file, encoding="utf-8-sig", newline="")  # type: ignore[type-var]
        number = 0
        try:
            for number, record in enumerate(csv.reader(text, delimiter=self.delimiter), start=1):
                yield number, record
        except UnicodeDecodeError:
            raise CatalogueFileError(
                f"The file is not UTF-8 text (the problem is in or after row {number + 1}): "
                "save it as “CSV UTF-8”."
            ) from None
        except csv.Error as exc:
            raise CatalogueFileError(f"Row {number + 1} cannot be read as CSV: {exc}.") from None
        finally:
            text.detach()


class XlsxReader(CatalogueReader):
    """The first worksheet of an Excel workbook, read in openpyxl's streaming (read-only) mode."""

    def __init__(self, file: IO[bytes]) -> None:
        import openpyxl  # heavy; only imported when a workbook arrives
        from openpyxl.utils.exceptions import InvalidFileException

        file.seek(0)
        if file.read(len(XLSX_MAGIC)) != XLSX_MAGIC:
            raise CatalogueFileError("The file is not an Excel workbook (.xlsx).")
        file.seek(0)
        try:
            self._workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
            raise CatalogueFileError(
                "The file cannot be opened as an Excel workbook (.xlsx)."
            ) from None
        if not self._workbook.worksheets:
            raise CatalogueFileError("The workbook has no worksheet.")
        self._sheet = self._workbook.worksheets[0]
        # The sheet's <dimension> element: a cheap row count, but some writers get it wrong and
        # openpyxl would stop reading at it; read every row instead.
        self._dimension_rows = self._sheet.max_row
        self._sheet.reset_dimensions()
        try:
            super().__init__()
        except BaseException:
            self.close()
            raise

    def _records(self) -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(self._sheet.iter_rows(values_only=True), start=1):
                yield number, list(values)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise CatalogueFileError(f"The workbook cannot be read: {exc}.") from None

    def rows_estimate(self) -> int:
        """From the sheet's dimension when it has one (may count blank rows), without a pass."""
        if isinstance(self._dimension_rows, int) and self._dimension_rows > 1:
            return self._dimension_rows - 1
        return self.count()

    def close(self) -> None:
        self._workbook.close()


def catalogue_file_open(file: IO[bytes], *, filename: str) -> CatalogueReader:
    """A reader for `file` (binary, seekable) by the format `filename` names.

    Reads the header row at once: raises `CatalogueFileError` for an unknown format, a file that
    is not what its name says, an empty file, or unknown, duplicated or missing columns. Close the
    reader (or use it as a context manager); `file` itself stays open.
    """
    if file_format(filename) == ".xlsx":
        return XlsxReader(file)
    return CsvReader(file)
