"""Dashboard navigation that hides every entry from users the dashboard refuses."""

from oscar.apps.dashboard import nav

from merchants.dashboard.access import dashboard_access_allowed


class Node(nav.Node):
    def is_visible(self, user):
        return dashboard_access_allowed(user) and super().is_visible(user)
