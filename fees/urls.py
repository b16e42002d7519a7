"""``/finance/fees/``: fee rules for municipal finance staff and platform admins."""

from django.urls import path

from fees import views

app_name = "fees"
urlpatterns = [
    path("", views.FeeRuleListView.as_view(), name="rule-list"),
    path("new/", views.FeeRuleCreateView.as_view(), name="rule-create"),
    path("<int:pk>/", views.FeeRuleDetailView.as_view(), name="rule-detail"),
    path("<int:pk>/change/", views.FeeRuleChangeView.as_view(), name="rule-change"),
    path("<int:pk>/end/", views.FeeRuleEndView.as_view(), name="rule-end"),
    path("<int:pk>/delete/", views.FeeRuleDeleteView.as_view(), name="rule-delete"),
]
