"""Load the HS 2022 nomenclature shipped in customs/data/harmonized-system.csv (see its README).

Self-contained on purpose (historical models, its own CSV reader) so that later changes to the
app's code cannot break it. Reversible: unloading deletes the codes, and fails loudly (PROTECT)
while any product is still classified under one.
"""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "harmonized-system.csv"
LEVELS = {2, 4, 6}
EXPECTED_COUNTS = {2: 96, 4: 1228, 6: 5612}
# UN Comtrade's own rows, not HS codes: the grand total and chapter 99 "Commodities not
# specified according to kind" (99 / 9999 / 999999), a statistical bucket nobody may declare under.
SKIPPED_SECTION = "TOTAL"
BATCH_SIZE = 2000


def hs_rows_read(path=CSV_PATH):
    """Yield (code, level, parent, description, section) for each real code in the CSV."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = {"section", "hscode", "description", "parent", "level"}
        if not expected <= set(reader.fieldnames or ()):
            raise RuntimeError(f"{path}: expected columns {sorted(expected)}, got {reader.fieldnames}")
        for row in reader:
            level = int(row["level"])
            if row["section"] == SKIPPED_SECTION or level not in LEVELS:
                continue
            parent = row["parent"] if level > 2 else None
            yield row["hscode"], level, parent, row["description"].strip(), row["section"]


def hs_codes_load(apps, schema_editor):
    HSCode = apps.get_model("customs", "HSCode")
    codes = [
        HSCode(code=code, level=level, parent_id=parent, description=description, section=section)
        for code, level, parent, description, section in hs_rows_read()
    ]
    counts = {level: sum(1 for code in codes if code.level == level) for level in LEVELS}
    if counts != EXPECTED_COUNTS:
        raise RuntimeError(f"{CSV_PATH}: expected {EXPECTED_COUNTS} codes per level, read {counts}")
    # Parent foreign keys are checked at commit (Django creates them DEFERRABLE INITIALLY
    # DEFERRED), so the order of rows does not matter. ignore_conflicts lets a partly loaded
    # table be completed instead of failing.
    HSCode.objects.bulk_create(codes, batch_size=BATCH_SIZE, ignore_conflicts=True)


def hs_codes_unload(apps, schema_editor):
    HSCode = apps.get_model("customs", "HSCode")
    for level in (6, 4, 2):  # children before parents: parent is PROTECT
        HSCode.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customs", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(hs_codes_load, hs_codes_unload),
    ]
