"""Reads of declarations: the officers' queues, what a merchant sees, shipping gating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from customs.models import (
    OPEN_STATUSES,
    RELEASED_STATUSES,
    Declaration,
    DeclarationStatus,
    Lane,
)

#: The fields an officer's pages may read. Payment data is in none of these models; the queue
#: and detail querysets ``select_related`` only these relations so a template cannot reach the
#: payment through a cached relation by accident.
OFFICER_RELATIONS = ("merchant", "assigned_to", "merchant_order__order")


@dataclass(frozen=True)
class QueueFilters:
    lane: str = ""
    status: str = ""
    destination: str = ""
    merchant_id: int | None = None
    older_than_hours: int | None = None
    sla_breached: bool | None = None
    mine_only: bool = False
    open_only: bool = True


def declaration_queue(
    *, filters: QueueFilters, user: Any = None, now: datetime | None = None
) -> QuerySet[Declaration]:
    """Declarations for the officers' queue, oldest first, narrowed by ``filters``: lane, status,
    destination, merchant, submitted more than N hours ago, SLA breached or not, assigned to
    ``user`` only; open ones only unless ``open_only`` is False (or a closed status is asked)."""
    now = now or timezone.now()
    queryset = Declaration.objects.select_related(*OFFICER_RELATIONS).annotate(
        open_queries=Count("queries", filter=Q(queries__answered_at__isnull=True))
    )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    elif filters.open_only:
        queryset = queryset.filter(status__in=list(OPEN_STATUSES))
    if filters.lane:
        queryset = queryset.filter(lane=filters.lane)
    if filters.destination:
        queryset = queryset.filter(destination_country=filters.destination.upper())
    if filters.merchant_id:
        queryset = queryset.filter(merchant_id=filters.merchant_id)
    if filters.older_than_hours:
        queryset = queryset.filter(
            submitted_at__lte=now - timedelta(hours=filters.older_than_hours)
        )
    if filters.sla_breached is True:
        queryset = queryset.filter(sla_breached_at__isnull=False)
    elif filters.sla_breached is False:
        queryset = queryset.filter(sla_breached_at__isnull=True)
    if filters.mine_only and user is not None:
        queryset = queryset.filter(assigned_to=user)
    return queryset.order_by("submitted_at", "pk")


def lane_counts() -> dict[str, int]:
    """Open declarations per lane ("" = not assigned yet)."""
    rows = (
        Declaration.objects.filter(status__in=list(OPEN_STATUSES))
        .values("lane")
        .annotate(n=Count("pk"))
    )
    counts = {lane: 0 for lane in ["", *Lane.values]}
    for row in rows:
        counts[row["lane"]] = row["n"]
    return counts


def declaration_for_officer(*, declaration_id: int) -> Declaration:
    """One declaration with what the detail page shows. Raises ``Declaration.DoesNotExist``."""
    return (
        Declaration.objects.select_related(*OFFICER_RELATIONS, "release_requested_by")
        .prefetch_related("items__hs_code", "risk_hits", "documents", "queries", "events__actor")
        .get(pk=declaration_id)
    )


def declarations_of_merchants(*, merchant_ids: list[int]) -> QuerySet[Declaration]:
    return (
        Declaration.objects.filter(merchant_id__in=merchant_ids)
        .select_related("merchant_order__order")
        .annotate(open_queries=Count("queries", filter=Q(queries__answered_at__isnull=True)))
        .order_by("-submitted_at", "-pk")
    )


def declaration_is_released(*, merchant_order_id: int) -> bool:
    """Whether customs released the merchant order's goods (released or already exited). False
    when it has no declaration. One query."""
    return Declaration.objects.filter(
        merchant_order_id=merchant_order_id, status__in=list(RELEASED_STATUSES)
    ).exists()


def merchant_order_shipment_allowed(*, merchant_order_id: int) -> bool:
    """Whether the merchant may mark the order shipped: a domestic order always; a cross-border
    one once its declaration is released. The gate for the order status pipeline."""
    from purchases.models import MerchantOrder

    row = (
        MerchantOrder.objects.filter(pk=merchant_order_id)
        .values("order__shipping_address__country_id", "declaration__status")
        .first()
    )
    if row is None:
        return False
    country = row["order__shipping_address__country_id"]
    if country in (None, settings.MARKETPLACE_SHIPPING["domestic_country"]):
        return True
    return row["declaration__status"] in RELEASED_STATUSES


def order_shipment_check(*, order_id: int, new_status: str) -> None:
    """The gate of the order status pipeline: raise ``ShipmentNotAllowed`` when ``new_status``
    is one of ``CUSTOMS_SHIPPED_STATUSES`` ("Shipped", "Delivered") and the Oscar order is a
    cross-border merchant order whose declaration is not released (or not created yet). Other
    orders and statuses pass. Read-only: one query, two when refused."""
    from customs.conf import setting
    from customs.exceptions import ShipmentNotAllowed
    from purchases.models import MerchantOrder

    if new_status not in set(setting("CUSTOMS_SHIPPED_STATUSES")):
        return
    row = (
        MerchantOrder.objects.filter(order_id=order_id)
        .values("pk", "order__number", "order__shipping_address__country_id")
        .first()
    )
    if row is None or merchant_order_shipment_allowed(merchant_order_id=row["pk"]):
        return
    declaration = Declaration.objects.filter(merchant_order_id=row["pk"]).first()
    raise ShipmentNotAllowed(
        order_number=row["order__number"],
        status=new_status,
        declaration_status=str(declaration.get_status_display()) if declaration else "",
    )


def status_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in DeclarationStatus.choices]
