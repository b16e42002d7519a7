"""Read-only admin views of the ledger: it is written only by ``ledger.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from ledger.models import Account, Entry, Transaction


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "party", "kind", "currency", "balance_minor")
    list_filter = ("party", "kind", "currency")
    search_fields = ("code",)


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount_minor", "currency", "merchant_order")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("idempotency_key", "kind", "occurred_at", "posted_at")
    list_filter = ("kind",)
    search_fields = ("idempotency_key",)
    inlines = [EntryInline]
