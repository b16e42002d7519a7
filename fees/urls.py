from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
app_name = "fees"
