"""Catalogue files built in tests: rows as dicts, written as CSV or XLSX bytes."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from catalogue_imports.columns import COLUMN_NAMES

HEADER = list(COLUMN_NAMES)


def catalogue_row(sku: str = "SAF-1", **values: Any) -> dict[str, Any]:
    """A valid row for the categories and HS codes the conftest sets up; override any column."""
    return {
        "sku": sku,
        "title_fa": f"زعفران نگین {sku}",
        "title_en": f"Negin saffron {sku}",
        "description_fa": "زعفران سرگل مشهد",
        "description_en": "Sargol saffron from Mashhad",
        "price": "1250000",
        "stock": "10",
        "category": "Saffron",
        "hs_code": "091020",
        "origin_country": "IR",
        "net_weight_grams": "5",
        "customs_description_en": "Saffron, dried stigmas",
        "upc": "",
        "is_public": "yes",
        **values,
    }


def catalogue_csv(
    rows: list[dict[str, Any]],
    *,
    header: list[str] | None = None,
    delimiter: str = ",",
    bom: bool = False,
) -> bytes:
    header = HEADER if header is None else header
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return ("\ufeff" if bom else "").encode() + text.getvalue().encode("utf-8")


def catalogue_xlsx(rows: list[dict[str, Any]], *, header: list[str] | None = None) -> bytes:
    """An Excel workbook; values keep their Python types (ints stay numbers in the sheet)."""
    header = HEADER if header is None else header
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name) for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
