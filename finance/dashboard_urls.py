"""``/finance/`` (namespace ``finance``, joined with the remittance pages in ``finance.urls``)."""

from django.urls import URLPattern, path

from finance.dashboard_views import dashboard_view

urlpatterns: list[URLPattern] = [
    path("", dashboard_view, name="dashboard"),
]
