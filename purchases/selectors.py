"""Reads of purchases."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from oscar.core.loading import get_model

from purchases.models import MerchantOrder, Purchase

Line = get_model("order", "Line")


def purchase_with_parts(*, purchase_id: int) -> Purchase:
    """A purchase with its merchant orders, their Oscar orders and lines, in a fixed number of
    queries. Raises Purchase.DoesNotExist."""
    parts: QuerySet[MerchantOrder] = MerchantOrder.objects.select_related(
        "order", "order__shipping_address", "partner"
    ).prefetch_related(Prefetch("order__lines", queryset=Line.objects.order_by("pk")))
    return Purchase.objects.prefetch_related(Prefetch("merchant_orders", queryset=parts)).get(
        pk=purchase_id
    )
