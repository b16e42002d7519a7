"""Per-product content versions, so that a write to one product (a checkout's stock allocation
above all) no longer invalidates every cached storefront page.

Migration 0035 stamps one global ``catalogue`` version on every write to a table the storefront
shows. This one splits it for the tables whose rows belong to one product:

- ``catalogue_product_version`` holds a stamp per product, changed in the writer's transaction
  by every INSERT, UPDATE or DELETE of the product row or of its stock records, images, category
  memberships, attribute values, options, recommendations (as the recommending product) and
  reviews; a variant's write stamps its parent as well (the parent's card and page show it).
- those writes also stamp a new ``listing`` version, which keys the catalogue, category and search
  pages (what they list, and in which order, may change), except an UPDATE of stock records
  changing nothing but stock (``num_in_stock``, ``num_allocated``, ``low_stock_threshold``,
  ``date_updated``): stock changes neither what a listing holds nor its order, so a checkout stamps
  only the products it sold.
- everything else (categories, partners, merchants, product classes, options, attributes, and a
  TRUNCATE of anything) stamps ``catalogue`` as before.

A cached page stores the stamps of the products it shows and is served only while they are
unchanged (``marketplace/oscar_apps/catalogue/caching.py``). Stamps come from the sequence of
migration 0035, so they are never reused.
"""

# The SQL is built from the constants of this file only.
# ruff: noqa: S608

from django.db import migrations

#: table: (the column naming the product a row belongs to, whether a write changes listings)
PRODUCT_TABLES = {
    "catalogue_product": ("id", True),
    "partner_stockrecord": ("product_id", True),
    "catalogue_productimage": ("product_id", True),
    "catalogue_productcategory": ("product_id", True),
    "catalogue_productattributevalue": ("product_id", True),
    "catalogue_product_product_options": ("product_id", True),
    "catalogue_productrecommendation": ("primary_id", False),
    "reviews_productreview": ("product_id", True),
}
STOCK_COLUMNS = ("num_in_stock", "num_allocated", "low_stock_threshold", "date_updated")

OLD_TRIGGER = "catalogue_content_version_stamp"

CREATE = """
CREATE TABLE catalogue_product_version (
    product_id bigint PRIMARY KEY,
    stamp bigint NOT NULL
);
INSERT INTO catalogue_content_version (kind, stamp)
VALUES ('listing', nextval('catalogue_content_version_seq'));

CREATE FUNCTION catalogue_product_version_stamp(product_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO catalogue_product_version (product_id, stamp)
    SELECT id, nextval('catalogue_content_version_seq')
    FROM (
        SELECT unnest(product_ids) AS id
        UNION
        SELECT parent_id FROM catalogue_product
        WHERE id = ANY(product_ids) AND parent_id IS NOT NULL
    ) ids
    WHERE id IS NOT NULL
    ORDER BY id
    ON CONFLICT (product_id) DO UPDATE SET stamp = EXCLUDED.stamp;
$$;
"""


def _function(table: str, column: str, listing: bool, event: str) -> str:
    name = f"{table}_version_{event.lower()}"
    if table == "catalogue_product":
        # a variant's row names its parent: stamped even when the variant is deleted
        sources = ["new_rows"] if event == "INSERT" else ["old_rows"]
        if event == "UPDATE":
            sources.append("new_rows")
        union = " UNION ".join(
            f"SELECT id FROM {rows} UNION SELECT parent_id FROM {rows}" for rows in sources
        )
        ids = f"SELECT array_agg(id) FROM ({union}) changed"
    elif event == "INSERT":
        ids = f"SELECT array_agg({column}) FROM new_rows"
    elif event == "DELETE":
        ids = f"SELECT array_agg({column}) FROM old_rows"
    else:
        ids = (
            f"SELECT array_agg({column}) FROM "
            f"(SELECT {column} FROM new_rows UNION SELECT {column} FROM old_rows) changed"
        )
    if event == "UPDATE" and table == "partner_stockrecord":
        stock = " - ".join(f"'{c}'" for c in STOCK_COLUMNS)
        # listings change unless nothing but stock changed
        listing_check = f"""
    IF EXISTS (
        SELECT 1 FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
        WHERE n.id IS NULL OR o.id IS NULL
           OR (to_jsonb(n) - {stock}) IS DISTINCT FROM (to_jsonb(o) - {stock})
    ) THEN
        PERFORM catalogue_content_version_stamp_kind('listing');
    END IF;"""
    elif listing:
        listing_check = "\n    PERFORM catalogue_content_version_stamp_kind('listing');"
    else:
        listing_check = ""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    {ids} INTO ids;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM catalogue_product_version_stamp(ids);{listing_check}
    RETURN NULL;
END
$$;
CREATE TRIGGER {name} AFTER {event} ON {table}
REFERENCING {"OLD TABLE AS old_rows" if event != "INSERT" else ""}
    {"NEW TABLE AS new_rows" if event != "DELETE" else ""}
FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


# One kind stamped as migration 0035's trigger function does (a free row, SKIP LOCKED).
STAMP_KIND = """
CREATE FUNCTION catalogue_content_version_stamp_kind(version_kind text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    slot bigint;
BEGIN
    SELECT id INTO slot FROM catalogue_content_version
    WHERE kind = version_kind ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF slot IS NULL THEN
        INSERT INTO catalogue_content_version (kind, stamp)
        VALUES (version_kind, nextval('catalogue_content_version_seq'));
    ELSE
        UPDATE catalogue_content_version
        SET stamp = nextval('catalogue_content_version_seq') WHERE id = slot;
    END IF;
END
$$;
"""


def _forward() -> str:
    statements = [CREATE, STAMP_KIND]
    for table, (column, listing) in PRODUCT_TABLES.items():
        statements.append(f"DROP TRIGGER {OLD_TRIGGER} ON {table};")
        # a TRUNCATE has no rows to name: everything is stamped
        statements.append(
            f"CREATE TRIGGER {OLD_TRIGGER} AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {OLD_TRIGGER}('catalogue', 'listing');"
        )
        for event in ("INSERT", "UPDATE", "DELETE"):
            statements.append(_function(table, column, listing, event))
    return "\n".join(statements)


def _backward() -> str:
    statements = []
    for table in PRODUCT_TABLES:
        statements.append(f"DROP TRIGGER {OLD_TRIGGER} ON {table};")
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_version_{event.lower()}"
            statements.append(f"DROP TRIGGER {name} ON {table};")
            statements.append(f"DROP FUNCTION {name}();")
        statements.append(
            f"CREATE TRIGGER {OLD_TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {OLD_TRIGGER}('catalogue');"
        )
    statements += [
        "DROP FUNCTION catalogue_content_version_stamp_kind(text);",
        "DROP FUNCTION catalogue_product_version_stamp(bigint[]);",
        "DROP TABLE catalogue_product_version;",
        "DELETE FROM catalogue_content_version WHERE kind = 'listing';",
    ]
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0035_catalogue_content_version"),
    ]

    operations = [
        migrations.RunSQL(_forward(), _backward()),
    ]
