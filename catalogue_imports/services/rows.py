"""Turning a file's row into the values to store (the database is read once per import)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from oscar.core.loading import get_model

from catalogue_imports import columns as col
from catalogue_imports.parsing import Row
from catalogue_imports.selectors import CategoryIndex, category_index
from customs.models import SUBHEADING_LEVEL, HSCode
from merchants.models import Merchant

ProductClass = get_model("catalogue", "ProductClass")

#: The product class imported products get (the one the demo data uses).
PRODUCT_CLASS = {"slug": "goods", "name": "Goods", "requires_shipping": True, "track_stock": True}


class Missing:
    """The column is not in the file: leave the stored value alone (defaults on create)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = Missing()


@dataclass(slots=True)
class CleanRow:
    number: int
    sku: str
    product: dict[str, Any]
    upc: Any  # str, None (no UPC) or MISSING
    stock: dict[str, Any]
    customs: dict[str, Any]
    category_id: int


@dataclass
class ImportContext:
    merchant: Merchant
    partner_id: int
    currency: str
    product_class_id: int
    subheadings: frozenset[str]
    categories: CategoryIndex
    columns: frozenset[str]
    seen_skus: dict[str, int] = field(default_factory=dict)
    seen_upcs: dict[str, int] = field(default_factory=dict)
    #: (column, required, cleaner) for the columns the file has, in file-column order.
    cleaners: list[tuple[str, bool, Callable[[Any], Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        def text(limit: int | None = None) -> Callable[[Any], str]:
            return lambda raw: col.clean_text(raw, max_length=limit)

        weight = "the net weight in grams"
        cleaners: dict[str, Callable[[Any], Any]] = {
            "sku": text(col.SKU_MAX_LENGTH),
            "title_fa": text(col.TITLE_MAX_LENGTH),
            "title_en": text(col.TITLE_MAX_LENGTH),
            "description_fa": text(),
            "description_en": text(),
            "price": lambda raw: col.clean_price(raw, currency=self.currency),
            "stock": lambda raw: col.clean_whole_number(raw, minimum=0, what="stock"),
            "category": self.categories.resolve,
            "hs_code": lambda raw: col.clean_hs_code(raw, subheadings=self.subheadings),
            "origin_country": col.clean_origin_country,
            "net_weight_grams": lambda raw: col.clean_whole_number(raw, minimum=1, what=weight),
            "customs_description_en": col.clean_customs_description,
            "upc": col.clean_upc,
            "is_public": col.clean_is_public,
        }
        self.cleaners = [
            (name, name in col.REQUIRED_COLUMNS, cleaners[name])
            for name in col.COLUMN_NAMES
            if name in self.columns
        ]


def row_clean(row: Row, ctx: ImportContext) -> tuple[CleanRow | None, list[tuple[str, str]]]:
    """Turn one row's cells into values; the row's errors as (column, message) otherwise."""
    values = row.values
    errors: list[tuple[str, str]] = []
    cleaned: dict[str, Any] = {}
    for name, required, cleaner in ctx.cleaners:
        raw = values.get(name)
        if required and not col.cell_text(raw):
            errors.append((name, "This column needs a value."))
            continue
        try:
            cleaned[name] = cleaner(raw)
        except col.CellError as exc:
            errors.append((name, exc.message))

    if row.has_extra_cells:
        errors.append(("", "This row has values in columns without a name in the header row."))
    sku = cleaned.get("sku")
    if sku:
        first = ctx.seen_skus.setdefault(sku, row.number)
        if first != row.number:
            errors.append(("sku", f"SKU {sku!r} is already in row {first}."))
    upc = cleaned.get("upc")
    if upc:
        first = ctx.seen_upcs.setdefault(upc, row.number)
        if first != row.number:
            errors.append(("upc", f"UPC {upc!r} is already in row {first}."))
    if errors:
        return None, errors

    # Only the translation columns: Oscar's own title/description columns are written from them
    # (see _TRANSLATED), through modeltranslation's attribute.
    product = {"title_en": cleaned["title_en"], "title_fa": cleaned["title_fa"]}
    for language in ("en", "fa"):
        if f"description_{language}" in cleaned:
            product[f"description_{language}"] = cleaned[f"description_{language}"]
    if "is_public" in cleaned:
        product["is_public"] = cleaned["is_public"]
    customs = {
        "hs_code_id": cleaned["hs_code"],
        "net_weight_grams": cleaned["net_weight_grams"],
        "customs_description": cleaned["customs_description_en"],
    }
    if "origin_country" in cleaned:
        customs["origin_country"] = cleaned["origin_country"]
    return (
        CleanRow(
            number=row.number,
            sku=cleaned["sku"],
            product=product,
            upc=cleaned.get("upc", MISSING),
            stock={
                "price": cleaned["price"],
                "price_currency": ctx.currency,
                "num_in_stock": cleaned["stock"],
            },
            customs=customs,
            category_id=cleaned["category"],
        ),
        [],
    )


def import_context_build(*, merchant: Merchant, columns: Iterable[str]) -> ImportContext:
    """What an import reads once: the "Goods" product class (created if missing, so this
    writes on a database without it), the HS subheadings and the category tree."""
    product_class, _ = ProductClass.objects.get_or_create(
        slug=PRODUCT_CLASS["slug"],
        defaults={k: v for k, v in PRODUCT_CLASS.items() if k != "slug"},
    )
    subheadings = frozenset(
        HSCode.objects.filter(level=SUBHEADING_LEVEL).values_list("code", flat=True)
    )
    return ImportContext(
        merchant=merchant,
        partner_id=merchant.partner_id,
        currency=settings.OSCAR_DEFAULT_CURRENCY,
        product_class_id=product_class.pk,
        subheadings=subheadings,
        categories=category_index(),
        columns=frozenset(columns),
    )
