from django.urls import path

from accounts_security import views

app_name = "accounts_security"

urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("setup/", views.SetupView.as_view(), name="setup"),
]
