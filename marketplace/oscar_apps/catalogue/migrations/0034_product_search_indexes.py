"""Indexes for the catalogue, category and search pages (marketplace.oscar_apps.search.views).

- catalogue_product_search_gin: GIN over the full-text document the search page matches
  (``product_search_document()``): every title translation and the UPC weighted A, every
  description translation weighted C, 'simple' configuration.
- catalogue_product_browse_idx: the default listing order (priority, then newest), over browsable
  products only (public, not a child). "Newest" needs no index of ours: Oscar's index on
  date_created serves it.

The search expression must stay identical to the view's or PostgreSQL will not use the index.

The indexes are created in the database only (SeparateDatabaseAndState): Product is Oscar's model
and its Meta cannot list them, so recording them in the migration state would make makemigrations
propose removing them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models
from django.db.models import F, Q

TITLE_FIELDS = ("title_fa", "title_en", "title_ar", "title_ru")
DESCRIPTION_FIELDS = ("description_fa", "description_en", "description_ar", "description_ru")


def search_document():
    return SearchVector(*TITLE_FIELDS, "upc", config="simple", weight="A") + SearchVector(
        *DESCRIPTION_FIELDS, config="simple", weight="C"
    )


BROWSABLE = Q(is_public=True, parent__isnull=True)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0033_translated_content"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AddIndex(
                    model_name="product",
                    index=GinIndex(search_document(), name="catalogue_product_search_gin"),
                ),
                migrations.AddIndex(
                    model_name="product",
                    index=models.Index(
                        F("priority").desc(),
                        F("date_created").desc(),
                        F("id").desc(),
                        condition=BROWSABLE,
                        name="catalogue_product_browse_idx",
                    ),
                ),
            ],
            state_operations=[],
        ),
    ]
