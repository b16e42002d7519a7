"""``/dashboard/merchant/customs/...`` (included by ``merchants/dashboard/urls.py``)."""

from django.urls import path

from customs import merchant_views

app_name = "customs"

urlpatterns = [
    path("", merchant_views.MerchantDeclarationListView.as_view(), name="declarations"),
    path("<int:pk>/", merchant_views.MerchantDeclarationDetailView.as_view(), name="declaration"),
    path(
        "<int:pk>/queries/<int:query_pk>/answer/",
        merchant_views.MerchantQueryAnswerView.as_view(),
        name="query-answer",
    ),
]
