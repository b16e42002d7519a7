"""Statement exports: CSV and XLSX parse back to the same numbers; the PDF is typeset in
Vazirmatn with Persian letters joined (shaped), not isolated."""

from __future__ import annotations

import csv
import io
import re
import zlib
from datetime import date

import pytest
from fontTools.ttLib import TTFont
from openpyxl import load_workbook

from finance.remittance.exports import (
    CSV_COLUMNS,
    FONT_FILES,
    statement_csv,
    statement_pdf,
    statement_pdf_html,
    statement_xlsx,
)
from finance.remittance.selectors import municipal_fees_statement
from tests.finance.remittance_support import (
    at,
    bazaar_create,
    capture_post,
    fee_reversal_post,
    orders_place,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(db):
    """January 2025: two merchants, three categories, one partial refund."""
    bazaar = bazaar_create()
    house_order, roastery_order = orders_place(
        [(bazaar.saffron, 2), (bazaar.rug, 1), (bazaar.pistachios, 3)]
    )
    capture_post([house_order, roastery_order], occurred_at=at(2025, 1, 10))
    fee_reversal_post(house_order, fee_minor=100_001, occurred_at=at(2025, 1, 25))
    return municipal_fees_statement(start=date(2025, 1, 1), end=date(2025, 2, 1), currency="IRR")


def _numbers(statement):
    return sorted(
        (
            line.merchant_name_en,
            line.category_name_en,
            line.orders,
            line.collected_minor,
            line.refunded_minor,
            line.net_minor,
        )
        for line in statement.lines
    )


# --- CSV -------------------------------------------------------------------------------------


def test_the_csv_has_a_bom_and_parses_back_to_the_statements_numbers(statement):
    body = statement_csv(statement, language="en")

    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 (Persian) only with the BOM
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    lines = [row for row in rows if row["row_type"] == "line"]
    (total,) = [row for row in rows if row["row_type"] == "total"]
    assert sorted(
        (
            row["merchant_name_en"],
            row["category_name_en"],
            int(row["orders"]),
            int(row["collected_minor"]),
            int(row["refunded_minor"]),
            int(row["net_minor"]),
        )
        for row in lines
    ) == _numbers(statement)
    assert {row["merchant_name_fa"] for row in lines} == {"خانه زعفران نوین", "بوجاری پسته گلستان"}
    assert {row["category_name_fa"] for row in lines} == {"زعفران", "فرش", "آجیل"}
    assert sum(int(row["net_minor"]) for row in lines) == int(total["net_minor"]) == 799_999
    assert (total["collected_minor"], total["refunded_minor"], total["orders"]) == (
        "900000",
        "100001",
        "2",
    )
    assert total["net_formatted"] == "IRR799,999"
    assert {(row["period_start"], row["period_end"], row["currency"]) for row in rows} == {
        ("2025-01-01", "2025-02-01", "IRR")
    }


def test_the_csv_formats_the_net_in_persian_digits_for_a_persian_reader(statement):
    rows = list(
        csv.DictReader(io.StringIO(statement_csv(statement, language="fa").decode("utf-8-sig")))
    )
    total = rows[-1]
    assert total["net_minor"] == "799999"  # the machine-readable column never changes
    assert "۷۹۹٬۹۹۹" in total["net_formatted"]


# --- XLSX ------------------------------------------------------------------------------------


def test_the_xlsx_has_a_header_row_and_numbers_as_numbers(statement):
    workbook = load_workbook(io.BytesIO(statement_xlsx(statement, language="en")))

    sheet = workbook["Statement"]
    rows = list(sheet.iter_rows(values_only=True))
    header, *lines, total = rows
    assert header == (
        "فروشگاه",
        "Merchant",
        "دسته",
        "Category",
        "Orders",
        "Collected (IRR)",
        "Refunded (IRR)",
        "Net (IRR)",
    )
    assert sorted((r[1], r[3], r[4], r[5], r[6], r[7]) for r in lines) == _numbers(statement)
    assert all(isinstance(value, int) for row in lines for value in row[4:])
    assert total[:2] == ("جمع کل", "Total")
    assert total[4:] == (2, 900_000, 100_001, 799_999)
    assert sheet["H2"].number_format == "#,##0"
    assert sheet.sheet_view.rightToLeft in (None, False)
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(max_row=8, values_only=True)}
    assert summary["Net"] == 799_999 and summary["Currency"] == "IRR"


def test_the_xlsx_reads_right_to_left_for_a_persian_reader(statement):
    workbook = load_workbook(io.BytesIO(statement_xlsx(statement, language="fa")))
    assert workbook["Statement"].sheet_view.rightToLeft is True
    assert workbook["Summary"].sheet_view.rightToLeft is True


# --- PDF -------------------------------------------------------------------------------------


def _pdf_streams(pdf: bytes) -> list[bytes]:
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    return streams


def _to_unicode(streams: list[bytes]) -> dict[int, str]:
    """Glyph id -> text, from the PDF's ToUnicode CMaps."""
    mapping: dict[int, str] = {}
    for stream in streams:
        if b"begincmap" not in stream:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for glyph, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                raw = bytes.fromhex(text.decode())
                mapping[int(glyph, 16)] = raw.decode("utf-16-be")
    return mapping


def _text_runs(streams: list[bytes]) -> list[list[int]]:
    """The glyph ids of every ``TJ`` array of the page contents, in drawing (visual) order."""
    runs = []
    for stream in streams:
        for array in re.findall(rb"\[(.*?)\]\s*TJ", stream, re.S):
            hexes = b"".join(re.findall(rb"<([0-9a-fA-F]*)>", array))
            runs.append([int(hexes[i : i + 4], 16) for i in range(0, len(hexes), 4)])
    return runs


def _embedded_fonts(streams: list[bytes]) -> list[TTFont]:
    fonts = []
    for stream in streams:
        if stream[:4] in (b"\x00\x01\x00\x00", b"true"):
            fonts.append(TTFont(io.BytesIO(stream)))
    return fonts


def _logical(glyphs: list[int], to_unicode: dict[int, str]) -> str:
    """A right-to-left run's text in reading order (PDF runs are drawn left to right)."""
    return "".join(to_unicode.get(glyph, "?") for glyph in reversed(glyphs))


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_pdf_is_typeset_in_vazirmatn_with_persian_letters_joined(statement, language):
    pdf = statement_pdf(statement, language=language)

    assert pdf.startswith(b"%PDF-")
    streams = _pdf_streams(pdf)
    # the embedded fonts are Vazirmatn (regular and bold), nothing else
    families = {font["name"].getDebugName(1) for font in _embedded_fonts(streams)}
    assert families == {"Vazirmatn"}
    catalog = b"".join(stream for stream in streams if b"/Type /Catalog" in stream) + pdf
    assert re.search(rb"/Lang \((fa|en)\)", catalog).group(1).decode() == language

    to_unicode = _to_unicode(streams)
    runs = [_logical(run, to_unicode) for run in _text_runs(streams)]
    # the Persian title, merchant and category names are there, in reading order
    for text in (
        "صورت‌حساب عوارض شهرداری",
        "خانه زعفران نوین",
        "بوجاری پسته گلستان",
        "زعفران",
        "فرش",
    ):
        # (the zero-width non-joiner of صورت‌حساب is a control, drawn as no glyph)
        assert any(text.replace("\u200c", "") in run for run in runs), (text, runs)

    # shaped: the letters of "شهرداری" were drawn with contextual (initial, medial, final)
    # glyphs, not the isolated forms the font maps the characters to
    vazirmatn = TTFont(FONT_FILES[400])
    nominal = vazirmatn.getBestCmap()
    glyph_order = vazirmatn.getGlyphOrder()
    title_glyphs = next(
        run for run in _text_runs(streams) if "عوارض شهرداری" in _logical(run, to_unicode)
    )
    joined = [
        glyph
        for glyph in title_glyphs
        if to_unicode.get(glyph) in set("شهد")
        and glyph_order[glyph] != nominal.get(ord(to_unicode[glyph]))
    ]
    assert joined, "Persian letters were drawn in their isolated forms: no shaping"
    # the same character is drawn with different glyphs depending on its position
    reh = {glyph for glyph, text in to_unicode.items() if text == "ر"}
    assert len(reh) >= 2


def test_the_persian_pdf_is_right_to_left_and_the_english_left_to_right(statement):
    persian = statement_pdf_html(statement, language="fa")
    english = statement_pdf_html(statement, language="en")

    assert '<html lang="fa" dir="rtl">' in persian
    assert '<html lang="en" dir="ltr">' in english
    for html in (persian, english):
        assert "Municipal fees statement" in html and "صورت‌حساب عوارض شهرداری" in html
        assert FONT_FILES[400].as_uri() in html and FONT_FILES[700].as_uri() in html
    assert "۷۹۹٬۹۹۹" in persian  # amounts in Persian digits
    assert "IRR799,999" in english


def test_the_pdf_of_an_empty_period_still_renders(db):
    empty = municipal_fees_statement(start=date(2025, 1, 1), end=date(2025, 2, 1), currency="IRR")
    pdf = statement_pdf(empty, language="fa")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1_000
