"""Benchmark the catalogue import: a first import, an unchanged re-import, and 10% changed.

    python benchmarks/bench_import.py [--rows 10000] [--format csv|xlsx] [--keep]
    make bench-import BENCH_ARGS="--rows 20000"

Runs against the database in DATABASE_URL (migrating it first, as `make demo` does) with a fresh
merchant created for the run; its products, stock records, customs information and the merchant
are deleted afterwards unless --keep. Prints seconds and rows per second for each import.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.local")

HEADER = (
    "sku",
    "title_fa",
    "title_en",
    "description_fa",
    "description_en",
    "price",
    "stock",
    "category",
    "hs_code",
    "origin_country",
    "net_weight_grams",
    "customs_description_en",
    "upc",
    "is_public",
)


def _rows(*, count: int, tag: str, categories: list[str], hs_codes: list[str], changed_every: int):
    """The file's rows; with `changed_every` n, every n-th row differs (price, stock or title)."""
    for i in range(count):
        changed = changed_every and i % changed_every == 0
        price = 1_250_000 + (i % 997) * 1000 + (5000 if changed else 0)
        title_en = f"Saffron sampler {tag} no. {i}" + (" (new)" if changed and i % 3 == 0 else "")
        yield (
            f"{tag}-{i:07d}",
            f"زعفران نمونه {tag} شماره {i}",
            title_en,
            "زعفران سرگل مشهد، بسته بندی شده در قوطی فلزی.",
            f"Sargol saffron from Mashhad, tin {i % 7 + 1} g.",
            f"{price:,}",
            str(i % 50 + (1 if changed else 0)),
            categories[i % len(categories)],
            hs_codes[i % len(hs_codes)],
            "IR",
            str(i % 500 + 1),
            "Saffron, dried stigmas",
            f"{tag}{i:08d}",
            "yes",
        )


def _file(rows, *, file_format: str) -> tuple[io.BytesIO, str]:
    if file_format == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        return buffer, "bench.xlsx"
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return io.BytesIO(text.getvalue().encode("utf-8")), "bench.csv"


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--keep", action="store_true", help="keep the merchant and its products")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from oscar.core.loading import get_model

    from catalogue_imports.services import catalogue_import_run
    from customs.models import HSCode
    from merchants.models import Merchant, MerchantStatus

    Category = get_model("catalogue", "Category")
    Partner = get_model("partner", "Partner")
    Product = get_model("catalogue", "Product")

    call_command("migrate", interactive=False, verbosity=0)
    tag = f"bench{int(time.time())}"
    partner = Partner.objects.create(code=tag, name=f"Benchmark {tag}")
    merchant = Merchant.objects.create(
        partner=partner, slug=tag, name_en=f"Benchmark {tag}", name_fa="بنچمارک",
        status=MerchantStatus.APPROVED,
    )  # fmt: skip
    category = Category.objects.add_root(
        {"name": tag, "name_en": tag, "name_fa": f"دسته {tag}", "slug": tag}
    )
    child = Category.objects.add_child(
        category, {"name": "Saffron", "name_en": "Saffron", "name_fa": "زعفران", "slug": "saffron"}
    )
    categories = [tag, f"{tag} > Saffron", f"دسته {tag} > زعفران"]
    hs_codes = list(HSCode.objects.filter(level=6).order_by("code").values_list("code", flat=True))
    hs_codes = hs_codes[:: max(1, len(hs_codes) // 40)]

    out(f"{args.rows} rows ({args.format}), merchant {tag}, database {_database_name()}")
    out(f"{'import':<24}{'seconds':>8}{'rows/s':>8}{'cpu s':>8}   created updated unchanged failed")
    try:
        for label, changed_every in (
            ("first import", 0),
            ("re-import, unchanged", 0),
            ("re-import, 10% changed", 10),
        ):
            rows = _rows(
                count=args.rows,
                tag=tag,
                categories=categories,
                hs_codes=hs_codes,
                changed_every=changed_every,
            )
            file, filename = _file(rows, file_format=args.format)
            started, cpu_started = time.perf_counter(), time.process_time()
            result = catalogue_import_run(file=file, filename=filename, merchant=merchant)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            out(
                f"{label:<24}{seconds:>8.2f}{args.rows / seconds:>8.0f}{cpu:>8.2f}   "
                f"{result.created:>7} {result.updated:>7} {result.unchanged:>9} {result.failed:>6}"
            )
            for error in result.errors[:5]:
                out(f"    row {error.row}, {error.column}: {error.message}")
    finally:
        if not args.keep:
            Product.objects.filter(stockrecords__partner=partner).delete()
            merchant.delete()
            partner.delete()
            child.delete()
            Category.objects.filter(pk=category.pk).delete()
    return 0


def _database_name() -> str:
    from django.db import connection

    return connection.settings_dict["NAME"]


if __name__ == "__main__":
    sys.exit(main())
