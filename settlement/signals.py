"""Signal receivers of the settlement app."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from oscar.apps.order.signals import order_status_changed

from customs.signals import declaration_duty_changed, declaration_status_changed


@receiver(order_status_changed, dispatch_uid="settlement.order_status_changed")
def order_status_changed_record(*, order: Any, new_status: str, **kwargs: Any) -> None:
    """A merchant order marked delivered starts its hold's return window (runs in the status
    change's transaction when the caller has one: the dashboard's does)."""
    from settlement.services import merchant_order_status_record

    merchant_order_status_record(order_id=order.pk, new_status=new_status)


@receiver(declaration_duty_changed, dispatch_uid="settlement.declaration_duty_changed")
def declaration_duty_changed_post(
    *, declaration: Any, old: Any, new: Any, event: Any, **kwargs: Any
) -> None:
    """An officer's amendment changed a declaration's duty and import VAT: book the difference
    for a DDP declaration (the marketplace absorbs it; ``settlement.services.duties``). Runs in
    the amendment's transaction: if the posting fails, the amendment is rolled back with it."""
    from settlement.services.duties import declaration_duty_adjust_post

    declaration_duty_adjust_post(declaration=declaration, old=old, new=new, event=event)


@receiver(declaration_status_changed, dispatch_uid="settlement.declaration_status_changed")
def declaration_rejected_post(
    *, declaration: Any, event: Any, to_status: str, **kwargs: Any
) -> None:
    """A rejected DDP declaration owes customs nothing: reverse its duty adjustments (the
    refund gives the buyer back the duties collected at checkout)."""
    from customs.models import DeclarationStatus

    if to_status != DeclarationStatus.REJECTED:
        return
    from settlement.services.duties import declaration_duty_adjustments_reverse

    declaration_duty_adjustments_reverse(declaration=declaration, event=event)
