"""Exchange rates in Django's admin: staff add a rate (a new row); nothing is edited in place, so
every price shown in the past stays explainable. Each write is audited by pghistory with the admin
user."""

from __future__ import annotations

from typing import Any

import pghistory
from django.contrib import admin
from django.http import HttpRequest

from currencies.models import ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = (
        "currency",
        "base_currency",
        "rate",
        "effective_at",
        "source",
        "illustrative",
        "fetched_at",
        "created_by",
    )
    list_filter = ("currency", "illustrative", "source")
    date_hierarchy = "effective_at"
    readonly_fields = ("fetched_at", "created_by")
    fields = ("currency", "base_currency", "rate", "effective_at", "source", "illustrative")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        from django.conf import settings

        return {
            "base_currency": settings.OSCAR_DEFAULT_CURRENCY,
            "source": "admin",
            **super().get_changeform_initial_data(request),
        }

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A rate is never edited: a new rate is a new row (the change page is read-only).
        return False

    def save_model(self, request: HttpRequest, obj: ExchangeRate, form: Any, change: bool) -> None:
        if obj.created_by_id is None:
            obj.created_by = request.user
        with pghistory.context(user=request.user.pk, url=request.path):
            super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: ExchangeRate) -> None:
        with pghistory.context(user=request.user.pk, url=request.path):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with pghistory.context(user=request.user.pk, url=request.path):
            super().delete_queryset(request, queryset)
