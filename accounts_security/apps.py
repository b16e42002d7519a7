from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsSecurityConfig(AppConfig):
    """Staff two-factor login, login throttling glue and the audit page."""

    name = "accounts_security"
    verbose_name = _("Security")
    default_auto_field = "django.db.models.BigAutoField"
