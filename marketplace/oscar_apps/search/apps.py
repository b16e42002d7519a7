"""Oscar's search app, re-pointed at PostgreSQL.

Oscar 4.2 routes catalogue, category and search pages through django-haystack. Registering this
config under the ``search`` label makes Oscar's class loader pick our ``views`` and ``forms`` modules
first, so every listing comes from PostgreSQL without copying Oscar's models or migrations.
"""

from oscar.apps.search import apps


class SearchConfig(apps.SearchConfig):
    name = "marketplace.oscar_apps.search"
