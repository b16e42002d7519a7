"""Writing one chunk of clean rows: read what is stored, compare, bulk-write what differs."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, connection, models, transaction
from django.utils import timezone
from oscar.checks import use_productcategory_materialised_view
from oscar.core.loading import get_model
from oscar.core.utils import slugify

from catalogue_imports.services.rows import MISSING, CleanRow, ImportContext
from customs.models import ProductCustomsInfo

logger = logging.getLogger(__name__)

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"


@dataclass(slots=True)
class Outcome:
    number: int
    kind: str
    errors: list[tuple[str, str]] = field(default_factory=list)


def _same(stored: Any, wanted: Any) -> bool:
    # NULL and "" both mean "no text": translation columns may hold NULL where the file has an
    # empty cell, and Oscar's UPC column reads NULL back as "".
    if stored is None or wanted is None:
        return (stored or None) == (wanted or None)
    return stored == wanted


def _changes(obj: models.Model, values: dict[str, Any]) -> dict[str, Any]:
    """The values that differ from the stored columns (``__dict__``, not modeltranslation's
    attribute, which reads the active language with fallbacks)."""
    return {
        name: value for name, value in values.items() if not _same(obj.__dict__.get(name), value)
    }


#: Oscar's column -> its translation columns. Reading `product.title` under English gives
#: title_en, or title_fa when that is empty (MODELTRANSLATION_FALLBACK_LANGUAGES); bulk_create
#: and bulk_update read the attribute, so the column always holds that value.
_TRANSLATED = {
    "title": frozenset({"title_en", "title_fa"}),
    "description": frozenset({"description_en", "description_fa"}),
}


#: What the comparison reads (and bulk_update writes back): nothing else is loaded.
_STOCKRECORD_COLUMNS = (
    "partner_sku",
    "product_id",
    "price",
    "price_currency",
    "num_in_stock",
    "product__structure",
    "product__upc",
    "product__is_public",
    "product__title_en",
    "product__title_fa",
    "product__description_en",
    "product__description_fa",
)


def _slug(title: str) -> str:
    return slugify(title)[:255] or "product"


class ChunkPlan:
    """What one chunk will write, gathered before writing anything."""

    def __init__(self) -> None:
        self.new_products: list[tuple[CleanRow, Any]] = []
        self.product_updates: dict[int, Any] = {}
        self.product_fields: set[str] = set()
        self.stock_updates: list[Any] = []
        self.stock_fields: set[str] = set()
        self.customs_new: list[Any] = []
        self.customs_updates: list[Any] = []
        self.customs_fields: set[str] = set()
        self.categories: dict[int, int] = {}  # product id -> the only category it should be in


def chunk_write(rows: list[CleanRow], ctx: ImportContext, *, write: bool) -> list[Outcome]:
    """Upsert `rows` (one chunk); the outcome of each. Must run inside a transaction.

    Takes no row locks: every value written is the file's, never one computed from what was
    read, so an order or a dashboard edit racing the import ends as if one had run after the
    other. (Locking would also write a lock into every row read, unchanged ones included.)
    With `write` False it only classifies.
    """
    now = timezone.now()
    stockrecords = {
        record.partner_sku: record
        for record in StockRecord.objects.select_related("product")
        .only(*_STOCKRECORD_COLUMNS)
        .filter(partner_id=ctx.partner_id, partner_sku__in=[row.sku for row in rows])
    }
    product_ids = [record.product_id for record in stockrecords.values()]
    customs = {
        info.product_id: info
        for info in ProductCustomsInfo.objects.filter(product_id__in=product_ids)
    }
    categories: dict[int, set[int]] = defaultdict(set)
    for product_id, category_id in ProductCategory.objects.filter(
        product_id__in=product_ids
    ).values_list("product_id", "category_id"):
        categories[product_id].add(category_id)
    shared = set(
        StockRecord.objects.filter(product_id__in=product_ids)
        .exclude(partner_id=ctx.partner_id)
        .values_list("product_id", flat=True)
    )
    upcs = [row.upc for row in rows if row.upc not in (None, MISSING)]
    upc_owners = dict(Product.objects.filter(upc__in=upcs).values_list("upc", "id")) if upcs else {}

    plan = ChunkPlan()
    outcomes: list[Outcome] = []
    for row in rows:
        record = stockrecords.get(row.sku)
        if record is None:
            outcomes.append(_row_plan_create(row, ctx, plan, upc_owners))
        else:
            outcomes.append(
                _row_plan_update(
                    row, record, plan, now, upc_owners, customs, categories, shared=shared
                )
            )
    if write:
        plan_write(plan, ctx, now)
    return outcomes


def _row_plan_create(
    row: CleanRow, ctx: ImportContext, plan: ChunkPlan, upc_owners: dict[str, int]
) -> Outcome:
    upc = None if row.upc is MISSING else row.upc
    if upc is not None and upc in upc_owners:
        return Outcome(row.number, FAILED, [("upc", f"UPC {upc!r} belongs to another product.")])
    values = {
        "structure": Product.STANDALONE,
        "product_class_id": ctx.product_class_id,
        "slug": _slug(row.product["title_en"]),
        "upc": upc,
        "is_public": True,
        **row.product,
    }
    plan.new_products.append((row, Product(**values)))
    return Outcome(row.number, CREATED)


def _row_plan_update(
    row: CleanRow,
    record: Any,
    plan: ChunkPlan,
    now: Any,
    upc_owners: dict[str, int],
    customs: dict[int, Any],
    categories: dict[int, set[int]],
    *,
    shared: set[int],
) -> Outcome:
    product = record.product
    if product.structure != Product.STANDALONE:
        return Outcome(
            row.number,
            FAILED,
            [
                (
                    "sku",
                    f"SKU {row.sku!r} is a variant of another product; variants are not imported.",
                )
            ],
        )
    product_changes = _changes(product, row.product)
    if row.upc is not MISSING and not _same(product.upc, row.upc):
        if row.upc is not None and upc_owners.get(row.upc, product.pk) != product.pk:
            return Outcome(
                row.number, FAILED, [("upc", f"UPC {row.upc!r} belongs to another product.")]
            )
        product_changes["upc"] = row.upc
    if "title_en" in product_changes:
        product_changes["slug"] = _slug(row.product["title_en"])
    stock_changes = _changes(record, row.stock)
    info = customs.get(product.pk)
    customs_changes = _changes(info, row.customs) if info is not None else row.customs
    category_changed = categories.get(product.pk, set()) != {row.category_id}
    if product.pk in shared and (product_changes or customs_changes or category_changed):
        return Outcome(
            row.number,
            FAILED,
            [
                (
                    "sku",
                    f"The product of SKU {row.sku!r} is also sold by another merchant; ask the "
                    "marketplace staff to change its details.",
                )
            ],
        )
    if not (product_changes or stock_changes or customs_changes or category_changed):
        return Outcome(row.number, UNCHANGED)

    if product_changes:
        for name, value in product_changes.items():
            setattr(product, name, value)
        product.date_updated = now
        plan.product_updates[product.pk] = product
        plan.product_fields.update(product_changes)
        plan.product_fields.update(
            column for column, sources in _TRANSLATED.items() if sources & product_changes.keys()
        )
    if stock_changes:
        for name, value in stock_changes.items():
            setattr(record, name, value)
        record.date_updated = now
        plan.stock_updates.append(record)
        plan.stock_fields.update(stock_changes)
    if info is None:
        plan.customs_new.append(
            ProductCustomsInfo(product_id=product.pk, **{"origin_country": "IR", **row.customs})
        )
    elif customs_changes:
        for name, value in customs_changes.items():
            setattr(info, name, value)
        info.updated_at = now
        plan.customs_updates.append(info)
        plan.customs_fields.update(customs_changes)
    if category_changed:
        plan.categories[product.pk] = row.category_id
    return Outcome(row.number, UPDATED)


def plan_write(plan: ChunkPlan, ctx: ImportContext, now: Any) -> None:
    """Bulk-create the new products with their stock records, customs information and category
    links; bulk-update the changed ones, each model only in the columns some row changed."""
    if plan.new_products:
        created = Product.objects.bulk_create([product for _, product in plan.new_products])
        StockRecord.objects.bulk_create(
            [
                StockRecord(
                    product_id=product.pk,
                    partner_id=ctx.partner_id,
                    partner_sku=row.sku,
                    **row.stock,
                )
                for (row, _), product in zip(plan.new_products, created, strict=True)
            ]
        )
        plan.customs_new.extend(
            ProductCustomsInfo(product_id=product.pk, **{"origin_country": "IR", **row.customs})
            for (row, _), product in zip(plan.new_products, created, strict=True)
        )
        for (row, _), product in zip(plan.new_products, created, strict=True):
            plan.categories[product.pk] = row.category_id
    if plan.product_updates:
        # rewrite(False): modeltranslation would turn the update of `title` into one of the
        # active language's column, leaving Oscar's own title column stale.
        Product.objects.rewrite(False).bulk_update(
            list(plan.product_updates.values()), sorted({*plan.product_fields, "date_updated"})
        )
    if plan.stock_updates:
        StockRecord.objects.bulk_update(
            plan.stock_updates, sorted({*plan.stock_fields, "date_updated"})
        )
    if plan.customs_new:
        ProductCustomsInfo.objects.bulk_create(plan.customs_new)
    if plan.customs_updates:
        ProductCustomsInfo.objects.bulk_update(
            plan.customs_updates, sorted({*plan.customs_fields, "updated_at"})
        )
    if plan.categories:
        links = ProductCategory.objects.filter(product_id__in=list(plan.categories))
        kept = set()
        stale = []
        for link_id, product_id, category_id in links.values_list(
            "pk", "product_id", "category_id"
        ):
            if plan.categories[product_id] == category_id:
                kept.add(product_id)
            else:
                stale.append(link_id)
        if stale:
            ProductCategory.objects.filter(pk__in=stale).delete()
        ProductCategory.objects.bulk_create(
            ProductCategory(product_id=product_id, category_id=category_id)
            for product_id, category_id in plan.categories.items()
            if product_id not in kept
        )
        # bulk_create sends no signals: refresh Oscar's product-category view if it uses one.
        if use_productcategory_materialised_view():
            with connection.cursor() as cursor:
                cursor.execute(
                    "REFRESH MATERIALIZED VIEW CONCURRENTLY catalogue_product_category_hierarchy"
                )


def chunk_apply(rows: list[CleanRow], ctx: ImportContext, *, write: bool) -> list[Outcome]:
    """Write the chunk in one go; if the database refuses it, row by row, each row atomic.

    Cleaning has checked everything we can check, so the fallback only runs when another
    import or a dashboard edit raced this one (a UPC or SKU taken meanwhile).
    """
    try:
        with transaction.atomic():
            return chunk_write(rows, ctx, write=write)
    except (IntegrityError, DataError):
        logger.info("catalogue import: chunk refused by the database, retrying row by row")
    outcomes = []
    for row in rows:
        try:
            with transaction.atomic():
                outcomes.extend(chunk_write([row], ctx, write=write))
        except (IntegrityError, DataError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            outcomes.append(Outcome(row.number, FAILED, [("", f"Not saved: {reason}")]))
    return outcomes
