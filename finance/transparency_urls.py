"""``/transparency/``: the public page of municipal fees collected (namespace ``transparency``)."""

from django.urls import path

from finance.transparency import transparency_view

app_name = "transparency"
urlpatterns = [
    path("", transparency_view, name="index"),
]
