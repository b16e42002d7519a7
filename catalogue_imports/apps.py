from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueImportsConfig(AppConfig):
    name = "catalogue_imports"
    verbose_name = _("Catalogue imports")
