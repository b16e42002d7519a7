"""`catalogue_import_run`: what an import writes, what a re-import leaves alone, bad rows."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from catalogue_imports.exceptions import CatalogueFileError
from catalogue_imports.services import RowError, catalogue_import_run, writing
from customs.models import ProductCustomsInfo
from tests.catalogue_imports.files import (
    HEADER,
    catalogue_csv,
    catalogue_row,
    catalogue_xlsx,
)
from tests.merchants.factories import MerchantFactory
from tests.search.factories import ProductFactory, StockRecordFactory

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def _import(merchant, data: bytes, filename: str = "catalogue.csv", **options):
    return catalogue_import_run(
        file=io.BytesIO(data), filename=filename, merchant=merchant, **options
    )


def _counts(result) -> dict[str, int | None]:
    return {
        "total": result.total,
        "processed": result.processed,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "failed": result.failed,
    }


def _catalogue_rows() -> int:
    return (
        Product.objects.count()
        + StockRecord.objects.count()
        + ProductCustomsInfo.objects.count()
        + ProductCategory.objects.count()
    )


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def _timestamps() -> dict[str, list]:
    return {
        "products": list(Product.objects.order_by("pk").values_list("pk", "date_updated")),
        "stockrecords": list(StockRecord.objects.order_by("pk").values_list("pk", "date_updated")),
        "customs": list(ProductCustomsInfo.objects.order_by("pk").values_list("pk", "updated_at")),
    }


TWO_ROWS = [
    catalogue_row(
        "SAF-1",
        title_fa="زعفران نگین یک گرمی",
        title_en="Negin saffron, 1 g",
        description_fa="زعفران سرگل",
        description_en="Sargol saffron",
        price="1,250,000",
        stock="12",
        upc="6260000000017",
    ),
    catalogue_row(
        "PIS-1",
        title_fa="پسته اکبری",
        title_en="Akbari pistachios, 500 g",
        description_en="",
        price="4800000",
        stock="0",
        category="Nuts & dried fruit > Pistachios",
        hs_code="0802.51",
        origin_country="ir",
        net_weight_grams="500",
        customs_description_en="Pistachios, in shell",
        is_public="no",
    ),
]


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("catalogue.csv", catalogue_csv(TWO_ROWS)),
        ("catalogue.xlsx", catalogue_xlsx(TWO_ROWS)),
    ],
    ids=["csv", "xlsx"],
)
def test_a_first_import_creates_products_stock_records_and_customs_info(
    merchant, categories, filename, data
):
    result = _import(merchant, data, filename)

    assert _counts(result) == {
        "total": 2,
        "processed": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
    }
    assert result.errors == [] and result.written
    saffron = StockRecord.objects.select_related("product").get(
        partner=merchant.partner, partner_sku="SAF-1"
    )
    assert (saffron.price, saffron.price_currency, saffron.num_in_stock) == (
        Decimal("1250000"),
        "IRR",
        12,
    )
    # rewrite(False): the stored columns, Oscar's own `title` included.
    assert Product.objects.rewrite(False).filter(pk=saffron.product_id).values(
        "title", "title_en", "title_fa", "description", "description_en", "description_fa",
        "slug", "upc", "is_public", "structure", "product_class__slug",
    ).get() == {
        "title": "Negin saffron, 1 g",
        "title_en": "Negin saffron, 1 g",
        "title_fa": "زعفران نگین یک گرمی",
        "description": "Sargol saffron",
        "description_en": "Sargol saffron",
        "description_fa": "زعفران سرگل",
        "slug": "negin-saffron-1-g",
        "upc": "6260000000017",
        "is_public": True,
        "structure": "standalone",
        "product_class__slug": "goods",
    }  # fmt: skip
    assert list(saffron.product.categories.all()) == [categories["saffron"]]
    info = saffron.product.customs_info
    assert (
        info.hs_code_id,
        info.origin_country,
        info.net_weight_grams,
        info.customs_description,
    ) == ("091020", "IR", 5, "Saffron, dried stigmas")

    pistachios = StockRecord.objects.select_related("product").get(
        partner=merchant.partner, partner_sku="PIS-1"
    )
    assert (pistachios.price, pistachios.num_in_stock) == (Decimal("4800000"), 0)
    assert pistachios.product.is_public is False
    assert pistachios.product.upc is None or pistachios.product.upc == ""
    assert list(pistachios.product.categories.all()) == [categories["pistachios"]]
    assert pistachios.product.customs_info.hs_code_id == "080251"
    assert pistachios.product.customs_info.net_weight_grams == 500


def test_an_unchanged_re_import_writes_nothing(merchant):
    data = catalogue_csv(TWO_ROWS)
    _import(merchant, data)
    before = _timestamps()

    with CaptureQueriesContext(connection) as queries:
        result = _import(merchant, data)

    assert _counts(result) == {
        "total": 2,
        "processed": 2,
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "failed": 0,
    }
    assert _writes(queries.captured_queries) == []
    assert _timestamps() == before


def test_changing_one_price_updates_exactly_that_stock_record(merchant):
    _import(merchant, catalogue_csv(TWO_ROWS))
    before = _timestamps()
    changed = [TWO_ROWS[0], {**TWO_ROWS[1], "price": "4,900,000"}]

    with CaptureQueriesContext(connection) as queries:
        result = _import(merchant, catalogue_csv(changed))

    assert (result.created, result.updated, result.unchanged, result.failed) == (0, 1, 1, 0)
    pistachios = StockRecord.objects.get(partner=merchant.partner, partner_sku="PIS-1")
    assert pistachios.price == Decimal("4900000")
    writes = _writes(queries.captured_queries)
    assert len(writes) == 1 and writes[0].startswith('UPDATE "partner_stockrecord"')
    after = _timestamps()
    assert after["products"] == before["products"]
    assert after["customs"] == before["customs"]
    moved = [
        pk
        for (pk, at), (_, was) in zip(after["stockrecords"], before["stockrecords"], strict=True)
        if at != was
    ]
    assert moved == [pistachios.pk]


def test_a_re_import_updates_titles_category_and_customs_of_existing_products(merchant, categories):
    _import(merchant, catalogue_csv(TWO_ROWS))
    changed = {
        **TWO_ROWS[0],
        "title_en": "Negin saffron, 2 g",
        "category": "Nuts & dried fruit > Pistachios",
        "net_weight_grams": "2",
    }

    result = _import(merchant, catalogue_csv([changed, TWO_ROWS[1]]))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    product = Product.objects.get(stockrecords__partner_sku="SAF-1")
    stored = (
        Product.objects.rewrite(False)
        .filter(pk=product.pk)
        .values("title", "title_en", "slug")
        .get()
    )
    assert stored == {
        "title": "Negin saffron, 2 g",
        "title_en": "Negin saffron, 2 g",
        "slug": "negin-saffron-2-g",
    }
    assert list(product.categories.all()) == [categories["pistachios"]]
    assert product.customs_info.net_weight_grams == 2


def test_bad_rows_are_reported_by_row_column_and_reason_and_not_written(merchant):
    rows = [
        catalogue_row("GOOD-1"),  # row 2
        catalogue_row("BAD-PRICE", price="12,50,000"),  # row 3
        catalogue_row("BAD-STOCK", stock="-3"),  # row 4
        catalogue_row("BAD-HS", hs_code="999999"),  # row 5
        catalogue_row("BAD-CAT", category="Carpets"),  # row 6
        catalogue_row("NO-TITLE", title_en=""),  # row 7
        catalogue_row("GOOD-1", title_en="Twice"),  # row 8: duplicate SKU
        catalogue_row(
            "PERSIAN-DIGITS", price="۱٬۲۵۰٬۰۰۰", stock="۷", hs_code="۰۹۱۰۲۰", net_weight_grams="۵"
        ),  # row 9
        catalogue_row("BAD-FRACTION", price="1250000.5"),  # row 10
    ]

    result = _import(merchant, catalogue_csv(rows))

    assert _counts(result) == {
        "total": 9,
        "processed": 9,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": 7,
    }
    assert result.errors == [
        RowError(
            3, "price", "Enter the price as a number such as 1250000 or 1,250,000, not '12,50,000'."
        ),
        RowError(4, "stock", "Stock must be 0 or more, not -3."),
        RowError(5, "hs_code", "999999 is not a subheading of the HS 2022 nomenclature."),
        RowError(
            6,
            "category",
            "There is no category 'Carpets'. Use an existing category's English or Persian name, "
            "levels separated by '>' (such as 'Nuts & dried fruit > Pistachios').",
        ),
        RowError(7, "title_en", "This column needs a value."),
        RowError(8, "sku", "SKU 'GOOD-1' is already in row 2."),
        RowError(10, "price", "IRR prices take no fractions; '1250000.5' has more."),
    ]
    assert result.errors_total == 7
    assert sorted(StockRecord.objects.values_list("partner_sku", flat=True)) == [
        "GOOD-1",
        "PERSIAN-DIGITS",
    ]
    assert (
        Product.objects.get(stockrecords__partner_sku="GOOD-1").title_en == "Negin saffron GOOD-1"
    )
    persian = StockRecord.objects.get(partner_sku="PERSIAN-DIGITS")
    assert (persian.price, persian.num_in_stock) == (Decimal("1250000"), 7)
    assert persian.product.customs_info.net_weight_grams == 5


def test_every_bad_cell_of_a_row_is_reported(merchant):
    row = catalogue_row("X", origin_country="XX", net_weight_grams="0", is_public="maybe")

    result = _import(merchant, catalogue_csv([row]))

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "origin_country"),
        (2, "net_weight_grams"),
        (2, "is_public"),
    ]
    assert result.failed == 1
    assert _catalogue_rows() == 0


def test_categories_resolve_by_persian_names_and_by_a_unique_leaf_name(merchant, categories):
    rows = [
        catalogue_row("FA", category="آجیل و خشکبار > پسته"),
        catalogue_row("LEAF", category="  pistachios "),
    ]

    result = _import(merchant, catalogue_csv(rows))

    assert result.failed == 0
    for sku in ("FA", "LEAF"):
        product = Product.objects.get(stockrecords__partner_sku=sku)
        assert list(product.categories.all()) == [categories["pistachios"]]


def test_a_upc_of_another_product_or_repeated_in_the_file_is_a_row_error(merchant):
    ProductFactory(upc="6260000000099")
    rows = [
        catalogue_row("A", upc="6260000000099"),
        catalogue_row("B", upc="6260000000100"),
        catalogue_row("C", upc="6260000000100"),
    ]

    result = _import(merchant, catalogue_csv(rows))

    assert result.errors == [
        RowError(2, "upc", "UPC '6260000000099' belongs to another product."),
        RowError(4, "upc", "UPC '6260000000100' is already in row 3."),
    ]
    assert list(
        StockRecord.objects.filter(partner=merchant.partner).values_list("partner_sku", flat=True)
    ) == ["B"]


def test_another_merchants_product_is_not_changed_through_a_shared_sku(merchant):
    product = ProductFactory(title_en="Shared saffron")
    StockRecordFactory(product=product, partner=merchant.partner, partner_sku="SHARED")
    StockRecordFactory(product=product, partner=MerchantFactory().partner, partner_sku="THEIRS")

    result = _import(merchant, catalogue_csv([catalogue_row("SHARED")]))

    assert result.failed == 1
    assert result.errors[0].column == "sku"
    assert "also sold by another merchant" in result.errors[0].message
    product.refresh_from_db()
    assert product.title_en == "Shared saffron"


def test_all_or_nothing_with_one_bad_row_writes_nothing(merchant):
    rows = [catalogue_row("A"), catalogue_row("B", stock="lots"), catalogue_row("C")]

    result = _import(merchant, catalogue_csv(rows), all_or_nothing=True)

    assert result.rejected and not result.written
    assert (result.created, result.failed) == (2, 1)  # what would have been
    assert result.errors == [RowError(3, "stock", "Enter stock as a whole number, not 'lots'.")]
    assert _catalogue_rows() == 0


def test_all_or_nothing_with_good_rows_writes_them_all(merchant):
    result = _import(merchant, catalogue_csv(TWO_ROWS), all_or_nothing=True)

    assert result.written and not result.rejected
    assert StockRecord.objects.filter(partner=merchant.partner).count() == 2


def test_a_dry_run_counts_but_writes_nothing(merchant):
    _import(merchant, catalogue_csv(TWO_ROWS))
    before = _timestamps()
    rows = [{**TWO_ROWS[0], "price": "1300000"}, TWO_ROWS[1], catalogue_row("NEW")]

    result = _import(merchant, catalogue_csv(rows), dry_run=True)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert not result.written
    assert _timestamps() == before
    assert StockRecord.objects.get(partner_sku="SAF-1").price == Decimal("1250000")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            [c for c in HEADER if c != "price"],
            "The header row (row 1) has missing columns: price.",
        ),
        (
            [*HEADER, "colour"],
            "The header row (row 1) has unknown columns: colour.",
        ),
    ],
    ids=["missing", "unknown"],
)
def test_a_bad_header_refuses_the_whole_file(merchant, header, message):
    data = catalogue_csv([catalogue_row("A")], header=header)

    with pytest.raises(CatalogueFileError) as raised:
        _import(merchant, data)

    assert raised.value.message.startswith(message)
    assert "The columns are: sku, title_fa, title_en," in raised.value.message
    assert _catalogue_rows() == 0


def test_optional_columns_may_be_left_out_and_keep_what_is_stored(merchant):
    _import(merchant, catalogue_csv(TWO_ROWS))
    header = [
        c for c in HEADER if c not in {"upc", "is_public", "description_fa", "description_en"}
    ]

    result = _import(merchant, catalogue_csv(TWO_ROWS, header=header))

    assert (result.unchanged, result.failed) == (2, 0)
    product = Product.objects.get(stockrecords__partner_sku="SAF-1")
    assert (product.upc, product.description_en) == ("6260000000017", "Sargol saffron")


def test_chunks_do_not_change_the_outcome(merchant):
    rows = [catalogue_row(f"S{i}") for i in range(5)]
    rows[2]["price"] = "free"
    seen = []

    result = _import(
        merchant, catalogue_csv(rows), chunk_size=2, progress=lambda r: seen.append(r.processed)
    )

    assert (result.created, result.failed) == (4, 1)
    assert [e.row for e in result.errors] == [4]
    assert seen == [0, 2, 4, 5]


def test_a_row_the_database_refuses_is_reported_and_the_others_are_written(merchant, monkeypatch):
    write = writing.plan_write

    def refuse_race(plan, ctx, now):
        if any(row.sku == "RACE" for row, _ in plan.new_products):
            raise IntegrityError('duplicate key value violates unique constraint "upc"')
        write(plan, ctx, now)

    monkeypatch.setattr(writing, "plan_write", refuse_race)
    rows = [catalogue_row("A"), catalogue_row("RACE"), catalogue_row("B")]

    result = _import(merchant, catalogue_csv(rows))

    assert (result.created, result.failed) == (2, 1)
    assert result.errors == [
        RowError(3, "", 'Not saved: duplicate key value violates unique constraint "upc"')
    ]
    assert sorted(StockRecord.objects.values_list("partner_sku", flat=True)) == ["A", "B"]
    assert Product.objects.count() == 2


def test_spreadsheet_numbers_are_read_as_the_merchant_typed_them(merchant):
    row = catalogue_row(
        "XL", price=1250000, stock=3, hs_code=91020, net_weight_grams=5.0, is_public=True
    )

    result = _import(merchant, catalogue_xlsx([row]), "catalogue.xlsx")

    assert result.failed == 0, result.errors
    record = StockRecord.objects.get(partner_sku="XL")
    assert (record.price, record.num_in_stock) == (Decimal("1250000"), 3)
    assert record.product.customs_info.hs_code_id == "091020"
