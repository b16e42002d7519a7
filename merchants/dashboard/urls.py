from django.urls import path

from merchants.dashboard import views

app_name = "merchant_dashboard"

urlpatterns = [
    path(
        "products/<int:pk>/customs/",
        views.ProductCustomsUpdateView.as_view(),
        name="product-customs",
    ),
    path("hs-codes/", views.hs_code_search_view, name="hs-code-search"),
]
