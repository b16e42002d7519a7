from django.urls import include, path

from merchants.dashboard import money, views

app_name = "merchant_dashboard"

urlpatterns = [
    path(
        "products/<int:pk>/customs/",
        views.ProductCustomsUpdateView.as_view(),
        name="product-customs",
    ),
    path("hs-codes/", views.hs_code_search_view, name="hs-code-search"),
    path("customs/", include("customs.merchant_urls")),  # declarations, customs queries
    path("money/", money.money_view, name="money"),
    path("money/statement.csv", money.money_statement_csv_view, name="money-statement-csv"),
]
