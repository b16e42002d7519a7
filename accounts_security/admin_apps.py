from django.contrib.admin.apps import AdminConfig


class MarketplaceAdminConfig(AdminConfig):
    """Django's admin, served by `accounts_security.admin_site.MarketplaceAdminSite`."""

    default_site = "accounts_security.admin_site.MarketplaceAdminSite"
