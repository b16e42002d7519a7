"""Declarations: creation from a paid cross-border merchant order, and the status machinery every
other service uses (transition under row lock + audit event + notifications + seams)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customs.conf import setting, sla_hours
from customs.exceptions import CustomsError, TransitionNotAllowed
from customs.models import (
    DECLARATION_TRANSITIONS,
    LANE_STATUSES,
    Declaration,
    DeclarationEvent,
    DeclarationItem,
    DeclarationStatus,
    EventAction,
    Lane,
    RiskHit,
)
from customs.selectors.risk import RiskAssessment, risk_assess
from customs.selectors.rules import (
    CustomsLine,
    DestinationRules,
    destination_rules_effective_on,
    landed_cost_quote_with,
)
from customs.signals import declaration_status_changed
from marketplace.core.money import to_minor
from purchases.models import MerchantOrder

logger = logging.getLogger(__name__)

S = DeclarationStatus


# --- the machinery --------------------------------------------------------------------------


def event_append(
    declaration: Declaration,
    *,
    action: str,
    actor: Any = None,
    reason: str = "",
    source: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
) -> DeclarationEvent:
    """Append one audit event (the table refuses updates and deletes)."""
    return DeclarationEvent.objects.create(
        declaration=declaration,
        action=action,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        source=source or ("officer" if actor is not None else "system"),
        reason=reason,
        before=before or {},
        after=after or {},
        from_status=from_status,
        to_status=to_status,
    )


def declaration_lock(declaration_id: int) -> Declaration:
    """The declaration, locked for update. Call inside a transaction."""
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("merchant", "merchant_order")
        .get(pk=declaration_id)
    )


def transition(
    declaration: Declaration,
    target: str,
    *,
    actor: Any = None,
    reason: str = "",
    source: str = "",
    allow_skip: bool = False,
) -> DeclarationEvent:
    """Move a locked declaration to ``target`` and append the event (who, from, to, why).

    Sets the lane and (in-house) the SLA timer on a lane status, the release/rejection/exit
    times; queues the
    status notifications to the merchant's subscribed systems on commit; sends
    ``declaration_status_changed``. ``allow_skip`` (a customs system's callbacks) accepts any
    target reachable through the transition table, not only a direct successor. Raises
    ``TransitionNotAllowed``; nothing is written then.
    """
    current = declaration.status
    allowed = (
        target in _reachable(current) if allow_skip else target in DECLARATION_TRANSITIONS[current]
    )
    if not allowed:
        raise TransitionNotAllowed(current, target)
    now = timezone.now()
    before = _snapshot(declaration)
    declaration.status = target
    if target in LANE_STATUSES:
        declaration.lane = target
        if declaration.lane_assigned_at is None:
            declaration.lane_assigned_at = now
            # SLA timers are for our own officers; an external system keeps its own.
            if setting("CUSTOMS_BACKEND") == "inhouse":
                declaration.sla_due_at = now + timedelta(hours=sla_hours(target))
    if target == S.RELEASED:
        declaration.released_at = now
    elif target == S.REJECTED:
        declaration.rejected_at = now
    elif target == S.EXITED:
        declaration.exited_at = now
    declaration.save()
    event = event_append(
        declaration,
        action=EventAction.STATUS,
        actor=actor,
        reason=reason,
        source=source,
        before=before,
        after=_snapshot(declaration),
        from_status=current,
        to_status=target,
    )
    from customs.services.hooks import merchant_notifications_queue

    merchant_notifications_queue(declaration=declaration, event=event)
    declaration_status_changed.send(
        sender=Declaration,
        declaration=declaration,
        event=event,
        from_status=current,
        to_status=target,
    )
    return event


def _reachable(current: str) -> set[str]:
    seen: set[str] = set()
    frontier = [current]
    while frontier:
        for successor in DECLARATION_TRANSITIONS[frontier.pop()]:
            if successor not in seen:
                seen.add(successor)
                frontier.append(successor)
    seen.discard(current)
    return seen


def _snapshot(declaration: Declaration) -> dict[str, Any]:
    return {
        "status": declaration.status,
        "lane": declaration.lane,
        "assigned_to": declaration.assigned_to_id,
    }


def release_apply(
    declaration: Declaration,
    *,
    actor: Any = None,
    reason: str = "",
    source: str = "",
    allow_skip: bool = False,
) -> DeclarationEvent:
    """Release a locked declaration and tell settlement, in the caller's transaction."""
    from customs.integrations import settlement_release

    event = transition(
        declaration, S.RELEASED, actor=actor, reason=reason, source=source, allow_skip=allow_skip
    )
    assert declaration.released_at is not None
    settlement_release(merchant_order_id=declaration.merchant_order_id, at=declaration.released_at)
    return event


def reject_apply(
    declaration: Declaration,
    *,
    actor: Any = None,
    reason: str,
    source: str = "",
    allow_skip: bool = False,
) -> DeclarationEvent:
    """Reject a locked declaration; once committed, refund its merchant order (the refund calls
    the processor, so never inside this transaction; a failure is retried by a task)."""
    event = transition(
        declaration, S.REJECTED, actor=actor, reason=reason, source=source, allow_skip=allow_skip
    )
    declaration_id = declaration.pk
    transaction.on_commit(lambda: rejection_refund(declaration_id=declaration_id), robust=True)
    return event


def rejection_refund(*, declaration_id: int) -> Any | None:
    """Cancel and refund the merchant order of a rejected declaration (see
    ``customs.integrations``). On a processor outage, queue ``customs.rejection_refund_retry``.
    Idempotent. Returns the refund, if any."""
    from customs.integrations import (
        merchant_order_cancel_on_rejection,
        merchant_order_refund_on_rejection,
    )
    from payments.interface import GatewayError

    declaration = Declaration.objects.get(pk=declaration_id)
    if declaration.status != S.REJECTED:
        return None
    merchant_order_cancel_on_rejection(merchant_order_id=declaration.merchant_order_id)
    reason = _("Customs rejected declaration %(number)s.") % {"number": declaration.number}
    try:
        return merchant_order_refund_on_rejection(
            merchant_order_id=declaration.merchant_order_id, reason=reason
        )
    except GatewayError as exc:
        from customs.tasks import rejection_refund_retry
        from marketplace.core.tasks import enqueue_on_commit

        logger.warning("declaration %s: refund failed (%s); queued", declaration_id, exc)
        enqueue_on_commit(rejection_refund_retry, declaration_id)
        return None


# --- creation ---------------------------------------------------------------------------------


def _exporter(merchant_order: MerchantOrder) -> dict[str, Any]:
    merchant = merchant_order.partner.merchant
    application = getattr(merchant, "application", None)
    return {
        "name": merchant.name_en,
        "name_fa": merchant.name_fa,
        "id": application.national_id if application else "",
        "address_lines": [application.address] if application else [],
        "city": merchant.city,
        "country": settings.MARKETPLACE_SHIPPING["domestic_country"],
        "phone": application.phone if application else "",
    }


def _consignee(merchant_order: MerchantOrder) -> dict[str, Any]:
    address = merchant_order.order.shipping_address
    phone = getattr(address, "phone_number", None)
    return {
        "name": address.name,
        "address_lines": [line for line in (address.line1, address.line2, address.line3) if line],
        "city": address.line4,
        "state": address.state,
        "postcode": address.postcode or "",
        "country": address.country_id,
        "phone": str(phone) if phone else "",
        "email": merchant_order.purchase.email,
    }


def _items_build(merchant_order: MerchantOrder, currency: str) -> list[DeclarationItem]:
    items = []
    lines = merchant_order.order.lines.select_related("product__customs_info").order_by("pk")
    for sequence, line in enumerate(lines, start=1):
        info = getattr(line.product, "customs_info", None) if line.product else None
        if info is None:
            raise CustomsError(
                _("%(title)s has no customs data (HS code, origin, weight).")
                % {"title": line.title}
            )
        items.append(
            DeclarationItem(
                sequence=sequence,
                order_line=line,
                product=line.product,
                description=info.customs_description,
                hs_code_id=info.hs_code_id,
                quantity=line.quantity,
                net_weight_grams=info.net_weight_grams * line.quantity,
                # Goods after discount, without VAT (the fee snapshot's base).
                value_minor=to_minor(line.line_price_excl_tax, currency),
                origin_country=info.origin_country,
                cultural_heritage=info.cultural_heritage,
            )
        )
    return items


def taxes_assess(
    declaration: Declaration, items: list[DeclarationItem], rules: DestinationRules
) -> None:
    """Set each item's duty rate, duty and import VAT and the declaration's totals from
    ``rules`` (no query; the caller saves)."""
    quote = landed_cost_quote_with(
        rules=rules,
        lines=[
            CustomsLine(
                hs_code=item.hs_code_id,
                quantity=item.quantity,
                value_minor=item.value_minor,
                product_id=item.product_id,
                cultural_heritage=item.cultural_heritage,
                origin_country=item.origin_country,
            )
            for item in items
        ],
        shipping_minor=declaration.shipping_minor,
        currency=declaration.currency,
    )
    for item, cost in zip(items, quote.lines, strict=True):
        item.duty_rate_bp = cost.duty_rate_bp
        item.duty_minor = cost.duty_minor
        item.import_vat_minor = cost.import_vat_minor
    declaration.goods_value_minor = quote.goods_value_minor
    declaration.duty_minor = quote.duty_minor
    declaration.import_vat_minor = quote.import_vat_minor
    declaration.incoterm = quote.incoterm
    declaration.rules = quote.rules


def rules_for(declaration: Declaration) -> DestinationRules:
    """The rules in force when the order was placed (what its duties were assessed with)."""
    from customs.exceptions import DestinationNotSupported

    at = declaration.merchant_order.order.date_placed
    rules = destination_rules_effective_on(country=declaration.destination_country, at=at)
    if rules is None:
        raise DestinationNotSupported(declaration.destination_country)
    return rules


def declaration_create(*, merchant_order_id: int) -> Declaration | None:
    """Create the declaration of a paid cross-border merchant order and hand it to the backend.

    Exporter: the merchant; consignee: the buyer at the order's shipping address; one item per
    order line (HS code, origin, weight and English description from the product's customs data,
    value = what the buyer paid for the line); duty and import VAT assessed with the destination
    rules in force when the order was placed; risk rules evaluated (each hit recorded). The
    backend then takes over (in-house: lane assigned, green and blue released at once; HTTP: the
    e-CN23 is queued for delivery).

    Idempotent: returns the existing declaration when there is one (the merchant order's row is
    locked, so two concurrent calls create one). Returns None for a domestic order. Raises
    ``purchases.models.MerchantOrder.DoesNotExist``, ``DestinationNotSupported`` or
    ``CustomsError`` (a product without customs data); nothing is written then.
    """
    from customs.backends import customs_backend

    with transaction.atomic():
        merchant_order = (
            MerchantOrder.objects.select_for_update(of=("self",))
            .select_related("order__shipping_address", "partner__merchant", "purchase")
            .get(pk=merchant_order_id)
        )
        existing = Declaration.objects.filter(merchant_order=merchant_order).first()
        if existing is not None:
            return existing
        address = merchant_order.order.shipping_address
        country = getattr(address, "country_id", None)
        if country in (None, settings.MARKETPLACE_SHIPPING["domestic_country"]):
            return None
        currency = merchant_order.order.currency
        items = _items_build(merchant_order, currency)
        declaration = Declaration(
            number=f"CN23-{merchant_order.order.number}",
            merchant_order=merchant_order,
            merchant=merchant_order.partner.merchant,
            destination_country=country,
            currency=currency,
            exporter=_exporter(merchant_order),
            consignee=_consignee(merchant_order),
            goods_value_minor=0,
            shipping_minor=merchant_order.shipping_minor,
            duty_collected_minor=merchant_order.duty_minor,
            net_weight_grams=sum(item.net_weight_grams for item in items),
            submitted_at=timezone.now(),
        )
        taxes_assess(declaration, items, rules_for(declaration))
        declaration.save()
        for item in items:
            item.declaration = declaration
        DeclarationItem.objects.bulk_create(items)
        event_append(
            declaration,
            action=EventAction.CREATED,
            to_status=S.SUBMITTED,
            reason=_("Created when the order was paid."),
            after={
                "items": len(items),
                "goods_value_minor": declaration.goods_value_minor,
                "duty_minor": declaration.duty_minor,
                "import_vat_minor": declaration.import_vat_minor,
            },
        )
        assessment = risk_assess(declaration=declaration)
        RiskHit.objects.bulk_create(
            RiskHit(
                declaration=declaration,
                rule_id=hit.rule_id,
                kind=hit.kind,
                lane=hit.lane,
                reason=hit.reason[:255],
                detail=hit.detail,
            )
            for hit in assessment.hits
        )
        customs_backend().declaration_submitted(declaration=declaration, assessment=assessment)
    logger.info("declaration %s created (%s)", declaration.number, declaration.status)
    return declaration


def lane_assign(declaration: Declaration, assessment: RiskAssessment) -> None:
    """In-house selectivity: move a locked, submitted declaration to its lane, with the risk
    reasons as the event's why; release green and blue at once when
    ``CUSTOMS_AUTO_RELEASE_LANES`` says so (blue is flagged for post-clearance audit)."""
    reasons = "; ".join(hit.reason for hit in assessment.hits) or _("No risk rule hit.")
    transition(declaration, assessment.lane, reason=reasons, source="selectivity")
    if assessment.lane == Lane.BLUE:
        declaration.post_clearance_audit = True
        declaration.save(update_fields=["post_clearance_audit", "updated_at"])
    if assessment.lane in set(setting("CUSTOMS_AUTO_RELEASE_LANES")):
        release_apply(
            declaration,
            reason=_("Released automatically: %(lane)s lane.") % {"lane": assessment.lane},
            source="selectivity",
        )
