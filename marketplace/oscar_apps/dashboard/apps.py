"""Oscar's dashboard, closed to everyone but platform administrators and merchant staff.

Oscar lets any ``is_staff`` user into most of its dashboard and shows them every order, customer
and partner. Our customs officers and municipal finance staff are ``is_staff`` only to use the
Django admin, so this config wraps every dashboard URL (Oscar's sub-apps included) in
``merchants.dashboard.access.dashboard_required``, on top of each app's own permissions. The
registered name also makes Oscar's class loader look for ``dashboard.*`` modules here first, which
is how the ``catalogue`` and ``orders`` forks below are picked up.
"""

from oscar.apps.dashboard import apps

# Signing in and out must stay open to everyone.
_UNGATED = frozenset({"login", "logout"})


class DashboardConfig(apps.DashboardConfig):
    name = "marketplace.oscar_apps.dashboard"

    def get_url_decorator(self, pattern):
        """Oscar applies this to every pattern, nested includes too (``post_process_urls``);
        compose our gate outside the app's own permission check."""
        from merchants.dashboard.access import dashboard_required

        own = super().get_url_decorator(pattern)
        if pattern.name in _UNGATED:
            return own
        if own is None:
            return dashboard_required
        return lambda view: dashboard_required(own(view))
