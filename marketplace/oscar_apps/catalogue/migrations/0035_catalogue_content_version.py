"""A version of what the storefront shows, kept by PostgreSQL, for the cached catalogue pages.

Every INSERT, UPDATE, DELETE or TRUNCATE statement on a table whose rows a catalogue, category,
search or product page shows (products, categories, images, attributes, recommendations, stock
records, partners, merchants, reviews) stamps one row of ``catalogue_content_version`` with a new
number from a sequence, in the writer's transaction. ``catalogue.caching.content_versions()``
reads the rows; the cached pages and menus are keyed by them
(``marketplace/oscar_apps/catalogue/caching.py``).

Why in the database: a trigger sees every write, ``queryset.update()``, bulk imports and raw SQL
included, which no Django signal does; and the stamp commits with the write, so a reader sees the
new version exactly when it can see the new rows (a page rendered from older rows is never stored
under the newer version). Stamps come from a sequence and are never reused, so a rolled-back
write cannot bring back a version that some cached page was rendered under.

No writer waits: the stamp goes to any row no other transaction holds (``SKIP LOCKED``), or to a
new row when all are held, so there are as many rows as writers were ever at once, and the
triggers add no lock that could deadlock checkout.

The table has no Django model (nothing but this SQL and ``caching.py`` touch it).
"""

from django.db import migrations

TABLES = {
    # table: the kinds of version its writes stamp
    "catalogue_product": ["catalogue"],
    "catalogue_category": ["catalogue", "category"],
    "catalogue_productcategory": ["catalogue"],
    "catalogue_productimage": ["catalogue"],
    "catalogue_productclass": ["catalogue"],
    "catalogue_productclass_options": ["catalogue"],
    "catalogue_product_product_options": ["catalogue"],
    "catalogue_option": ["catalogue"],
    "catalogue_productattribute": ["catalogue"],
    "catalogue_productattributevalue": ["catalogue"],
    "catalogue_productattributevalue_value_multi_option": ["catalogue"],
    "catalogue_attributeoption": ["catalogue"],
    "catalogue_productrecommendation": ["catalogue"],
    "partner_stockrecord": ["catalogue"],
    "partner_partner": ["catalogue"],
    "merchants_merchant": ["catalogue"],
    "reviews_productreview": ["catalogue"],
}

TRIGGER = "catalogue_content_version_stamp"

CREATE = """
CREATE SEQUENCE catalogue_content_version_seq;
CREATE TABLE catalogue_content_version (
    id bigserial PRIMARY KEY,
    kind varchar(16) NOT NULL,
    stamp bigint NOT NULL
);
INSERT INTO catalogue_content_version (kind, stamp)
VALUES ('catalogue', nextval('catalogue_content_version_seq')),
       ('category', nextval('catalogue_content_version_seq'));

CREATE FUNCTION catalogue_content_version_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    version_kind text;
    slot bigint;
BEGIN
    FOREACH version_kind IN ARRAY TG_ARGV LOOP
        SELECT id INTO slot FROM catalogue_content_version
        WHERE kind = version_kind ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF slot IS NULL THEN
            INSERT INTO catalogue_content_version (kind, stamp)
            VALUES (version_kind, nextval('catalogue_content_version_seq'));
        ELSE
            UPDATE catalogue_content_version
            SET stamp = nextval('catalogue_content_version_seq') WHERE id = slot;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
"""

DROP = """
DROP FUNCTION catalogue_content_version_stamp() CASCADE;
DROP TABLE catalogue_content_version;
DROP SEQUENCE catalogue_content_version_seq;
"""


def _triggers() -> str:
    statements = []
    for table, kinds in TABLES.items():
        arguments = ", ".join(f"'{kind}'" for kind in kinds)
        statements.append(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}({arguments});"
        )
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0034_product_search_indexes"),
        ("partner", "0007_partneraddress_code"),
        ("merchants", "0002_merchant_onboarding"),
        ("reviews", "0005_productreview_code"),
    ]

    operations = [
        migrations.RunSQL(CREATE + _triggers(), DROP),
    ]
