"""``/merchants/...``: applying, municipal review, licence scans, public merchant pages.

The fixed paths come before ``<slug>/``; ``merchants.services.RESERVED_SLUGS`` keeps merchant
slugs from taking them.
"""

from django.urls import path

from merchants import views

app_name = "merchants"

urlpatterns = [
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("review/", views.ReviewQueueView.as_view(), name="review"),
    path("review/<int:pk>/", views.ReviewDetailView.as_view(), name="review-detail"),
    path(
        "applications/<int:pk>/licence/",
        views.LicenceScanView.as_view(),
        name="licence-scan",
    ),
    path("<slug:slug>/", views.MerchantDetailView.as_view(), name="detail"),
]
