"""``/finance/reconciliation/``: reconciliation runs and their mismatches (municipal finance)."""

from django.urls import path

from reconciliation import views

app_name = "reconciliation"
urlpatterns = [
    path("", views.RunListView.as_view(), name="runs"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run"),
    path("items/<int:pk>/resolve/", views.ItemResolveView.as_view(), name="item-resolve"),
]
