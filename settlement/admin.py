"""Read-only admin views of holds, payout accounts and payouts (changes go through services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from settlement.models import MerchantOrderSettlement, MerchantPayoutAccount, Payout, PayoutEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(MerchantOrderSettlement)
class MerchantOrderSettlementAdmin(ReadOnlyAdmin):
    list_display = (
        "merchant_order",
        "merchant",
        "status",
        "delivered_at",
        "available_on",
        "customs_required",
        "customs_released_at",
        "released_at",
        "payout",
    )
    list_filter = ("status", "customs_required")
    search_fields = ("merchant_order__order__number", "merchant__name_en", "merchant__name_fa")


@admin.register(MerchantPayoutAccount)
class MerchantPayoutAccountAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "gateway", "account_ref", "payouts_enabled", "created_at")
    list_filter = ("gateway",)


class PayoutEventInline(admin.TabularInline):
    model = PayoutEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "source", "reason", "created_at")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "merchant",
        "amount_minor",
        "currency",
        "status",
        "gateway",
        "transfer_ref",
        "created_at",
    )
    list_filter = ("status", "gateway", "currency")
    search_fields = ("transfer_ref", "merchant__name_en", "merchant__name_fa")
    inlines = [PayoutEventInline]
