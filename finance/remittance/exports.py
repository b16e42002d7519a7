"""A municipal fees statement as a file: CSV, XLSX or PDF.

- CSV: UTF-8 with a byte-order mark (Excel then shows Persian), one row per merchant and category
  and a final ``total`` row; amounts as integers in minor units plus the net formatted for the
  reader's language.
- XLSX (openpyxl): a header row, one row per merchant and category, a bold total row, amounts as
  numbers in the currency's major unit; a "Summary" sheet with the period and the category totals;
  sheets right-to-left for Persian.
- PDF (WeasyPrint): Persian and English headings and names, typeset in the vendored Vazirmatn
  font (``@font-face`` with ``file://`` URLs) so Persian letters are joined and shaped;
  ``lang="fa" dir="rtl"`` for a Persian statement.

Pure functions of a ``MunicipalFeesStatement``: no queries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Final

from babel.numbers import format_decimal
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from finance.models import Remittance
from finance.remittance.selectors import MunicipalFeesStatement, StatementLine
from marketplace.core.money import Money, currency_exponent, format_money, from_minor

__all__ = [
    "CSV_COLUMNS",
    "FONT_FILES",
    "statement_csv",
    "statement_filename",
    "statement_pdf",
    "statement_xlsx",
]

#: The CSV's header (stable identifiers, for whoever imports the file).
CSV_COLUMNS: Final = (
    "row_type",
    "period_start",
    "period_end",
    "currency",
    "merchant_id",
    "merchant_name_fa",
    "merchant_name_en",
    "category_id",
    "category_name_fa",
    "category_name_en",
    "orders",
    "collected_minor",
    "refunded_minor",
    "net_minor",
    "net_formatted",
)

#: The Persian-capable fonts the PDF embeds (vendored from npm, SIL OFL).
FONT_FILES: Final = {
    400: settings.BASE_DIR / "static/vendor/vazirmatn/fonts/Vazirmatn-Regular.ttf",
    700: settings.BASE_DIR / "static/vendor/vazirmatn/fonts/Vazirmatn-Bold.ttf",
}

# Names in the Persian and English name columns of the exports (data, not interface text).
TOTAL_FA: Final = "جمع کل"
TOTAL_EN: Final = "Total"
UNATTRIBUTED_FA: Final = "نامشخص"
UNATTRIBUTED_EN: Final = "Unattributed"
NO_CATEGORY_EN: Final = "No category"


_PERSIAN_DIGITS: Final = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _locale(language: str | None) -> str:
    return translation.to_locale(language or translation.get_language() or "en")


def _count(number: int, locale: str) -> str:
    text = format_decimal(number, locale=locale)
    return text.translate(_PERSIAN_DIGITS) if locale.split("_")[0] == "fa" else text


def statement_filename(statement: MunicipalFeesStatement, extension: str) -> str:
    """``municipal-fees-IRR-2025-01-01-2025-02-01.csv``."""
    return (
        f"municipal-fees-{statement.currency}-{statement.start.isoformat()}-"
        f"{statement.end.isoformat()}.{extension}"
    )


def _labels(line: StatementLine) -> tuple[str, str, str, str]:
    """Merchant (fa, en) and category (fa, en) names, with placeholders for "none" (the English
    columns hold English names whatever the reader's language)."""
    if line.merchant_id is None:
        merchant = (UNATTRIBUTED_FA, UNATTRIBUTED_EN)
    else:
        merchant = (line.merchant_name_fa, line.merchant_name_en)
    if line.category_id is None:
        category = (UNATTRIBUTED_FA, NO_CATEGORY_EN)
    else:
        category = (line.category_name_fa, line.category_name_en)
    return (*merchant, *category)


def statement_csv(statement: MunicipalFeesStatement, *, language: str | None = None) -> bytes:
    """The statement as CSV bytes (UTF-8 with BOM, ``CSV_COLUMNS``, CRLF line ends)."""
    locale = _locale(language)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    period = [statement.start.isoformat(), statement.end.isoformat(), statement.currency]
    for line in statement.lines:
        merchant_fa, merchant_en, category_fa, category_en = _labels(line)
        writer.writerow(
            [
                "line",
                *period,
                line.merchant_id or "",
                merchant_fa,
                merchant_en,
                line.category_id or "",
                category_fa,
                category_en,
                line.orders,
                line.collected_minor,
                line.refunded_minor,
                line.net_minor,
                format_money(Money(line.net_minor, statement.currency), locale),
            ]
        )
    total = statement.total
    writer.writerow(
        [
            "total",
            *period,
            "",
            TOTAL_FA,
            TOTAL_EN,
            "",
            "",
            "",
            total.orders,
            total.collected_minor,
            total.refunded_minor,
            total.net_minor,
            format_money(Money(total.net_minor, statement.currency), locale),
        ]
    )
    return buffer.getvalue().encode("utf-8-sig")


def statement_xlsx(statement: MunicipalFeesStatement, *, language: str | None = None) -> bytes:
    """The statement as an XLSX workbook (bytes): sheet "Statement" (header row, lines, total
    row) and sheet "Summary" (period, totals, categories)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    locale = _locale(language)
    rtl = translation.get_language_info(locale.split("_")[0]).get("bidi", False)
    exponent = currency_exponent(statement.currency)
    number_format = "#,##0" + ("." + "0" * exponent if exponent else "")
    cur = statement.currency

    def amount(minor: int) -> object:
        value = from_minor(minor, cur)
        return int(value) if exponent == 0 else value

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Statement"
    sheet.sheet_view.rightToLeft = rtl
    header = [
        "فروشگاه",
        _("Merchant"),
        "دسته",
        _("Category"),
        _("Orders"),
        _("Collected (%(currency)s)") % {"currency": cur},
        _("Refunded (%(currency)s)") % {"currency": cur},
        _("Net (%(currency)s)") % {"currency": cur},
    ]
    sheet.append(header)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for line in statement.lines:
        sheet.append(
            [
                *_labels(line),
                line.orders,
                amount(line.collected_minor),
                amount(line.refunded_minor),
                amount(line.net_minor),
            ]
        )
    total = statement.total
    sheet.append(
        [
            TOTAL_FA,
            TOTAL_EN,
            "",
            "",
            total.orders,
            amount(total.collected_minor),
            amount(total.refunded_minor),
            amount(total.net_minor),
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in sheet.iter_rows(min_row=2, min_col=6, max_col=8):
        for cell in row:
            cell.number_format = number_format
    for column, width in zip("ABCDEFGH", (28, 28, 20, 20, 9, 18, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"

    summary = workbook.create_sheet("Summary")
    summary.sheet_view.rightToLeft = rtl
    summary.append([_("Municipal fees statement"), "صورت‌حساب عوارض شهرداری"])
    summary.append([_("From"), statement.start])
    summary.append([_("Until (exclusive)"), statement.end])
    summary.append([_("Currency"), cur])
    summary.append([_("Orders"), total.orders])
    summary.append([_("Collected"), amount(total.collected_minor)])
    summary.append([_("Refunded"), amount(total.refunded_minor)])
    summary.append([_("Net"), amount(total.net_minor)])
    summary.append([])
    summary.append(["دسته", _("Category"), _("Orders"), _("Collected"), _("Refunded"), _("Net")])
    for line in statement.categories:
        _m_fa, _m_en, category_fa, category_en = _labels(line)
        summary.append(
            [
                category_fa,
                category_en,
                line.orders,
                amount(line.collected_minor),
                amount(line.refunded_minor),
                amount(line.net_minor),
            ]
        )
    for row in summary.iter_rows(min_row=6, max_row=8, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = number_format
    for row in summary.iter_rows(min_row=11, min_col=4, max_col=6):
        for cell in row:
            cell.number_format = number_format
    summary["B2"].number_format = summary["B3"].number_format = "yyyy-mm-dd"
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 28
    workbook.properties.title = statement_filename(statement, "xlsx")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def statement_pdf_html(
    statement: MunicipalFeesStatement,
    *,
    language: str | None = None,
    remittances: Sequence[Remittance] = (),
) -> str:
    """The HTML the PDF is made from (the statement page's print layout)."""
    locale = _locale(language)
    persian = locale.split("_")[0] == "fa"

    def money(minor: int) -> str:
        return format_money(Money(minor, statement.currency), locale)

    def row(line: StatementLine) -> dict[str, object]:
        merchant_fa, merchant_en, category_fa, category_en = _labels(line)
        return {
            "merchant_fa": merchant_fa,
            "merchant_en": merchant_en,
            "category_fa": category_fa,
            "category_en": category_en,
            "orders": _count(line.orders, locale),
            "collected": money(line.collected_minor),
            "refunded": money(line.refunded_minor),
            "net": money(line.net_minor),
        }

    with translation.override(language or translation.get_language()):
        return render_to_string(
            "finance/remittance/statement_pdf.html",
            {
                "statement": statement,
                "lang": "fa" if persian else "en",
                "dir": "rtl" if persian else "ltr",
                "fonts": {weight: path.as_uri() for weight, path in FONT_FILES.items()},
                "lines": [row(line) for line in statement.lines],
                "categories": [row(line) for line in statement.categories],
                "total": row(statement.total),
                "remittances": [
                    {
                        "start": remittance.period_start,
                        "end": remittance.period_end,
                        "amount": money(remittance.amount_minor),
                        "reference": remittance.bank_reference,
                    }
                    for remittance in remittances
                ],
            },
        )


def statement_pdf(
    statement: MunicipalFeesStatement,
    *,
    language: str | None = None,
    remittances: Sequence[Remittance] = (),
) -> bytes:
    """The statement as a PDF (A4), typeset by WeasyPrint in Vazirmatn."""
    from weasyprint import HTML

    html = statement_pdf_html(statement, language=language, remittances=remittances)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
