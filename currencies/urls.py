from django.urls import path

from currencies import views

app_name = "currencies"

urlpatterns = [path("", views.display_currency_set, name="set")]
