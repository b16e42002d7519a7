"""Read-only admin of the outbox: see what is pending and why (``last_error``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from outbox.models import OutboxMessage


class PendingFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("Pending")), ("sent", _("Sent"))]

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "task_name", "created_at", "available_at", "attempts", "sent_at")
    list_filter = (PendingFilter, "task_name")
    search_fields = ("task_name", "last_error")
    readonly_fields = (
        "task_name",
        "args",
        "kwargs",
        "created_at",
        "available_at",
        "attempts",
        "sent_at",
        "last_error",
    )
    ordering = ("-id",)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
