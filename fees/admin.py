"""Fee rules and order fee snapshots in Django's admin, read-only.

Rules are written through ``/finance/fees/`` (``fees.services``), which keeps rules in force from
being edited in place and records who changed what; the admin only shows them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fees.models import FeeRule, OrderLineFees


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FeeRule)
class FeeRuleAdmin(_ReadOnly):
    list_display = (
        "id",
        "kind",
        "merchant",
        "category",
        "rate_bp",
        "fixed_minor",
        "min_minor",
        "max_minor",
        "payer",
        "exempt",
        "valid_from",
        "valid_to",
    )
    list_filter = ("kind", "payer", "exempt")
    list_select_related = ("merchant", "category")
    date_hierarchy = "valid_from"


@admin.register(OrderLineFees)
class OrderLineFeesAdmin(_ReadOnly):
    list_display = (
        "line",
        "merchant_order",
        "base_minor",
        "commission_minor",
        "municipal_fee_minor",
        "municipal_fee_payer",
        "vat_minor",
        "duty_minor",
        "gross_minor",
        "merchant_net_minor",
    )
    list_filter = ("municipal_fee_payer",)
    raw_id_fields = ("line", "merchant_order", "category")
