"""The columns of a catalogue file and how each cell becomes a value (no database access).

Cells arrive as the parser found them: text from CSV; text, int, float, bool or datetime from
XLSX. Each cleaner returns the value or raises `CellError` with the message the merchant sees.
Persian and Arabic-Indic digits are accepted wherever digits are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from customs.models import validate_customs_description, validate_origin_country
from marketplace.core.money import currency_exponent, from_minor, to_minor

NATIVE_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Arabic thousands separator and decimal separator, as Persian keyboards type them.
_ARABIC_THOUSANDS = "\u066c"
_ARABIC_DECIMAL = "\u066b"
_SPACES = re.compile(r"[\s\u200c\u200f\u200e]+")
# 1250000, 1,250,000 (groups of three), optionally followed by a fraction.
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_WHOLE = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)")
_HS_SEPARATORS = re.compile(r"[.\s]")

SKU_MAX_LENGTH = 128  # partner.StockRecord.partner_sku
TITLE_MAX_LENGTH = 255  # catalogue.Product.title
UPC_MAX_LENGTH = 64  # catalogue.Product.upc
CUSTOMS_DESCRIPTION_MAX_LENGTH = 255  # customs.ProductCustomsInfo.customs_description
# StockRecord.price is DECIMAL(12, 2): ten digits before the point.
PRICE_LIMIT = Decimal(10) ** 10
# PositiveIntegerField on PostgreSQL.
INT_LIMIT = 2**31 - 1

_TRUE = {"yes", "true", "1", "y", "بله", "آری"}
_FALSE = {"no", "false", "0", "n", "خیر", "نه"}


class CellError(ValueError):
    """The cell's value is not acceptable; `message` says why, for the merchant."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def cell_text(value: Any) -> str:
    """The cell as stripped text; numbers from spreadsheets without a spurious ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _digits(value: Any) -> str:
    """Text with native digits made Latin, Arabic separators made ASCII, spaces removed."""
    text = cell_text(value).translate(NATIVE_DIGITS)
    text = text.replace(_ARABIC_THOUSANDS, ",").replace("،", ",").replace(_ARABIC_DECIMAL, ".")
    return _SPACES.sub("", text)


def clean_text(value: Any, *, max_length: int | None = None) -> str:
    text = cell_text(value)
    if max_length is not None and len(text) > max_length:
        raise CellError(f"Keep it to {max_length} characters or fewer (this has {len(text)}).")
    return text


def clean_price(value: Any, *, currency: str) -> Decimal:
    """A price in major units of `currency`, quantized to its exponent; more than 0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Spreadsheet numbers: repr gives the shortest text that round-trips, no binary noise.
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = _digits(value)
    if text.startswith("-"):
        raise CellError("The price must be more than 0.")
    if not _AMOUNT.fullmatch(text):
        raise CellError(
            f"Enter the price as a number such as 1250000 or 1,250,000, not {cell_text(value)!r}."
        )
    try:
        amount = Decimal(text.replace(",", ""))
        minor = to_minor(amount, currency)
    except (InvalidOperation, ValueError):
        exponent = currency_exponent(currency)
        allowed = "no fractions" if exponent == 0 else f"at most {exponent} decimal places"
        raise CellError(
            f"{currency} prices take {allowed}; {cell_text(value)!r} has more."
        ) from None
    if minor <= 0:
        raise CellError("The price must be more than 0.")
    price = from_minor(minor, currency)
    if price >= PRICE_LIMIT:
        raise CellError(f"The price must be less than {PRICE_LIMIT:,}.")
    return price


def clean_whole_number(value: Any, *, minimum: int, what: str) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise CellError(f"Enter {what} as a whole number, not {value!r}.")
    text = _digits(value)
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    if not _WHOLE.fullmatch(text):
        raise CellError(f"Enter {what} as a whole number, not {cell_text(value)!r}.")
    number = -int(text.replace(",", "")) if negative else int(text.replace(",", ""))
    if number < minimum:
        raise CellError(f"{what.capitalize()} must be {minimum} or more, not {number}.")
    if number > INT_LIMIT:
        raise CellError(f"{what.capitalize()} must be at most {INT_LIMIT:,}.")
    return number


def clean_hs_code(value: Any, *, subheadings: frozenset[str]) -> str:
    """A 6-digit HS 2022 subheading present in customs.HSCode ("0910.20" and "۰۹۱۰۲۰" accepted).

    A spreadsheet number of 5 digits gets its leading zero back: Excel drops it from 091020.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**6:
        digits = f"{value:06d}"
    else:
        digits = _HS_SEPARATORS.sub("", cell_text(value).translate(NATIVE_DIGITS))
    if not re.fullmatch(r"[0-9]{6}", digits):
        raise CellError(f"Enter a 6-digit HS subheading such as 091020, not {cell_text(value)!r}.")
    if digits not in subheadings:
        raise CellError(f"{digits} is not a subheading of the HS 2022 nomenclature.")
    return digits


def clean_origin_country(value: Any) -> str:
    code = cell_text(value).upper() or "IR"
    try:
        validate_origin_country(code)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None
    return code


def clean_customs_description(value: Any) -> str:
    text = cell_text(value)
    if len(text) > CUSTOMS_DESCRIPTION_MAX_LENGTH:
        raise CellError(
            f"Keep the description to {CUSTOMS_DESCRIPTION_MAX_LENGTH} characters or fewer."
        )
    try:
        validate_customs_description(text)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None
    return text


def clean_is_public(value: Any) -> bool:
    text = cell_text(value).casefold()
    if not text:
        return True
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"Enter yes or no (or true/false, 1/0), not {cell_text(value)!r}.")


def clean_upc(value: Any) -> str | None:
    text = clean_text(value, max_length=UPC_MAX_LENGTH)
    return text or None


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    # Empty cells in a required column are a row error; in an optional one they mean the default.


COLUMNS: tuple[Column, ...] = (
    Column("sku", required=True),
    Column("title_fa", required=True),
    Column("title_en", required=True),
    Column("description_fa", required=False),
    Column("description_en", required=False),
    Column("price", required=True),
    Column("stock", required=True),
    Column("category", required=True),
    Column("hs_code", required=True),
    Column("origin_country", required=False),
    Column("net_weight_grams", required=True),
    Column("customs_description_en", required=True),
    Column("upc", required=False),
    Column("is_public", required=False),
)
COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS: frozenset[str] = frozenset(c.name for c in COLUMNS if c.required)
