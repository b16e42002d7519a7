"""Oscar's catalogue app, forked only to own its migrations.

Why: django-modeltranslation adds per-language columns (``title_fa``, ``title_en``, ...) to
``Product`` and ``Category``, and those columns need migrations that live in the app. The models
themselves are Oscar's, unchanged (see ``models.py``); translation registrations are in
``translation.py``.
"""

import oscar.apps.catalogue.apps as apps


class CatalogueConfig(apps.CatalogueConfig):
    name = "marketplace.oscar_apps.catalogue"

    def ready(self):
        super().ready()
        from django.db.models.signals import post_delete, post_save

        from marketplace.oscar_apps.catalogue.caching import category_tree_version_bump

        category = self.get_model("Category")
        post_save.connect(category_tree_version_bump, sender=category, dispatch_uid="cat-menu-save")
        post_delete.connect(
            category_tree_version_bump, sender=category, dispatch_uid="cat-menu-delete"
        )
