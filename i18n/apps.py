from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class I18nConfig(AppConfig):
    name = "i18n"
    label = "marketplace_i18n"
    verbose_name = _("Languages and calendars")

    def ready(self) -> None:
        # Templates print a plain {{ date }} through django.template.base.localize (Django has no
        # setting for it); ours gives Jalali dates under Persian and is Django's otherwise
        # (i18n/dateformat.py). tests/i18n/test_jalali_everywhere.py checks the seam still exists.
        from django.template import base

        from i18n.dateformat import localize

        base.localize = localize
