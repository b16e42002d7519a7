"""Signal receivers of the settlement app."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from oscar.apps.order.signals import order_status_changed


@receiver(order_status_changed, dispatch_uid="settlement.order_status_changed")
def order_status_changed_record(*, order: Any, new_status: str, **kwargs: Any) -> None:
    """A merchant order marked delivered starts its hold's return window (runs in the status
    change's transaction when the caller has one: the dashboard's does)."""
    from settlement.services import merchant_order_status_record

    merchant_order_status_record(order_id=order.pk, new_status=new_status)
