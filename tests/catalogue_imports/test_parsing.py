"""Reading catalogue files: formats, delimiters, byte-order marks, headers, row numbers."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from catalogue_imports.columns import CellError, clean_price, clean_whole_number
from catalogue_imports.exceptions import CatalogueFileError
from catalogue_imports.parsing import catalogue_file_open
from tests.catalogue_imports.files import HEADER, catalogue_csv, catalogue_row, catalogue_xlsx


def _rows(data: bytes, filename: str = "c.csv") -> list[tuple[int, str]]:
    with catalogue_file_open(io.BytesIO(data), filename=filename) as reader:
        return [(row.number, row.values["sku"]) for row in reader.rows()]


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_csv_is_read_with_either_delimiter_and_with_or_without_a_bom(delimiter, bom):
    data = catalogue_csv(
        [catalogue_row("A", price="1,250,000"), catalogue_row("B")], delimiter=delimiter, bom=bom
    )

    with catalogue_file_open(io.BytesIO(data), filename="c.csv") as reader:
        rows = list(reader.rows())
        assert reader.columns == tuple(HEADER)
        assert reader.count() == 2

    assert [row.number for row in rows] == [2, 3]
    assert rows[0].values["sku"] == "A"
    assert rows[0].values["price"] == "1,250,000"


def test_rows_are_numbered_as_a_spreadsheet_shows_them_and_blank_rows_are_skipped():
    data = (
        catalogue_csv([catalogue_row("A")])
        + b"\r\n,,,\r\n"
        + catalogue_csv([catalogue_row("B", description_en="two\nlines")]).split(b"\r\n", 1)[1]
    )

    assert _rows(data) == [(2, "A"), (5, "B")]


def test_xlsx_rows_are_read_from_the_first_sheet():
    data = catalogue_xlsx([catalogue_row("A"), {}, catalogue_row("B")])

    assert _rows(data, "c.xlsx") == [(2, "A"), (4, "B")]


def test_every_xlsx_row_is_read_even_when_the_sheet_understates_its_size():
    data = catalogue_xlsx([catalogue_row("A"), catalogue_row("B"), catalogue_row("C")])
    source = zipfile.ZipFile(io.BytesIO(data))
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:N4" />' in content
                content = content.replace(
                    b'<dimension ref="A1:N4" />', b'<dimension ref="A1:N2" />'
                )
            target.writestr(item, content)

    with catalogue_file_open(io.BytesIO(rewritten.getvalue()), filename="c.xlsx") as reader:
        assert reader.rows_estimate() == 1
        assert [row.values["sku"] for row in reader.rows()] == ["A", "B", "C"]


def test_header_names_are_trimmed_and_case_insensitive_and_optional_columns_may_be_absent():
    header = [" SKU ", *[c.upper() for c in HEADER[1:] if c not in {"upc", "is_public"}]]

    with catalogue_file_open(
        io.BytesIO(catalogue_csv([], header=header)), filename="c.csv"
    ) as reader:
        assert "upc" not in reader.columns and "sku" in reader.columns


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("c.txt", b"sku", "c.txt is neither a .csv nor an .xlsx file"),
        ("c.csv", b"", "The file is empty"),
        (
            "c.csv",
            catalogue_csv([], header=[*HEADER, "sku"]),
            "The header row (row 1) has columns named twice: sku.",
        ),
        ("c.xlsx", b"sku,title_en\r\n", "The file is not an Excel workbook (.xlsx)."),
        (
            "c.xlsx",
            b"PK\x03\x04 not really a zip",
            "The file cannot be opened as an Excel workbook",
        ),
    ],
    ids=["extension", "empty", "duplicate-column", "xlsx-not-zip", "xlsx-broken-zip"],
)
def test_file_level_problems(filename, data, message):
    with pytest.raises(CatalogueFileError) as raised:
        catalogue_file_open(io.BytesIO(data), filename=filename)

    assert raised.value.message.startswith(message)


def test_a_csv_that_is_not_utf8_is_refused_when_counted_before_anything_is_imported():
    rows = [catalogue_row(f"S{i}") for i in range(200)]  # past the decoder's first read
    data = catalogue_csv(rows) + "B,زعفران\r\n".encode("cp1256")

    with (
        catalogue_file_open(io.BytesIO(data), filename="c.csv") as reader,
        pytest.raises(CatalogueFileError) as raised,
    ):
        reader.count()

    assert raised.value.message.startswith(
        "The file is not UTF-8 text (the problem is in or after row"
    )


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("1250000", Decimal("1250000")),
        ("1,250,000", Decimal("1250000")),
        ("۱٬۲۵۰٬۰۰۰", Decimal("1250000")),
        ("١٢٥٠٠٠٠", Decimal("1250000")),
        (" 1 250 000 ", Decimal("1250000")),
        ("1250000.00", Decimal("1250000")),
    ],
)
def test_prices_accept_persian_digits_and_thousands_separators(text, price):
    assert clean_price(text, currency="IRR") == price


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("1250000.5", "IRR", "IRR prices take no fractions; '1250000.5' has more."),
        ("12.345", "USD", "USD prices take at most 2 decimal places; '12.345' has more."),
        ("0", "IRR", "The price must be more than 0."),
        ("-5", "IRR", "The price must be more than 0."),
        ("1,25", "IRR", "Enter the price as a number such as 1250000 or 1,250,000, not '1,25'."),
        ("10000000000", "IRR", "The price must be less than 10,000,000,000."),
    ],
)
def test_bad_prices(text, currency, message):
    with pytest.raises(CellError) as raised:
        clean_price(text, currency=currency)

    assert raised.value.message == message


def test_usd_prices_keep_their_cents():
    assert clean_price("12.50", currency="USD") == Decimal("12.50")


def test_whole_numbers():
    assert clean_whole_number("۱,۲۰۰", minimum=0, what="stock") == 1200
    with pytest.raises(CellError, match=r"^Enter stock as a whole number, not '2\.5'\.$"):
        clean_whole_number("2.5", minimum=0, what="stock")
