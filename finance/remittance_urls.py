"""``/finance/remittance/...`` (joined into namespace ``finance`` by ``finance.urls``)."""

from django.urls import URLPattern, path

from finance.remittance import views

urlpatterns: list[URLPattern] = [
    path("remittance/", views.RemittanceListView.as_view(), name="remittance-list"),
    path(
        "remittance/statement/",
        views.StatementView.as_view(),
        name="remittance-statement",
    ),
    path(
        "remittance/statement/<str:fmt>/",
        views.StatementExportView.as_view(),
        name="remittance-export",
    ),
    path(
        "remittance/record/",
        views.RemittanceRecordView.as_view(),
        name="remittance-record",
    ),
]
