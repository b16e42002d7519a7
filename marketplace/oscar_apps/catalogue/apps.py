"""Oscar's catalogue app, forked only to own its migrations.

Why: django-modeltranslation adds per-language columns (``title_fa``, ``title_en``, ...) to
``Product`` and ``Category``, and those columns need migrations that live in the app. The models
themselves are Oscar's, unchanged (see ``models.py``); translation registrations are in
``translation.py``. Its migration 0035 adds the content version that keys the cached pages
(``caching.py``).
"""

import oscar.apps.catalogue.apps as apps


class CatalogueConfig(apps.CatalogueConfig):
    name = "marketplace.oscar_apps.catalogue"
