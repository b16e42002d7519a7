"""Turning held money into a purchase, and the safety nets when that does not happen at once.

Oscar takes payment before it creates the order, outside that transaction, so money can be held
with no order behind it: the buyer closed the tab on the 3-D Secure page, the server died between
the two steps, placement failed. Placing a purchase on a payment is serialised by the payment's
row lock (no call out happens under it) and links the two in the same transaction, so a payment
never gets two purchases and a purchase is never left without its payment.

A payment carries a checkout snapshot (user, guest email, addresses, shipping method code; never
card data), so its purchase can be placed without the buyer's session: by the 3-D Secure return
view and by the orphan job alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.core.loading import get_class, get_model

from payments.exceptions import PaymentNotPlaceable, PlacementFailed
from payments.interface import GatewayError
from payments.models import Payment, PaymentEvent, PaymentStatus
from payments.services.lifecycle import (
    _lock,
    basket_thaw_if_abandoned,
    payment_cancel,
    payment_capture,
    payment_expire,
    payment_placeable_check,
    payment_refresh,
)
from purchases.models import Purchase

logger = logging.getLogger(__name__)

Basket = get_model("basket", "Basket")
ShippingAddress = get_model("order", "ShippingAddress")
BillingAddress = get_model("order", "BillingAddress")
Selector = get_class("partner.strategy", "Selector")
Applicator = get_class("offer.applicator", "Applicator")

#: An authorised payment without a purchase is left this long for the buyer's own request (or
#: their return from 3-D Secure) to place it before the orphan job steps in.
ORPHAN_GRACE = timedelta(minutes=5)

_ADDRESS_SKIP = frozenset({"id", "search_text"})


def address_snapshot(address: Any) -> dict[str, Any] | None:
    """An (unsaved) Oscar address as JSON-safe fields, for ``Payment.checkout``."""
    if address is None:
        return None
    fields: dict[str, Any] = {}
    for field in address._meta.concrete_fields:
        if field.name in _ADDRESS_SKIP:
            continue
        value = getattr(address, field.attname)
        if value is not None and not isinstance(value, str | int | bool):
            value = str(value)  # a PhoneNumber
        fields[field.attname] = value
    return fields


def checkout_snapshot(
    *,
    user: Any,
    guest_email: str,
    shipping_address: Any,
    billing_address: Any,
    shipping_method_code: str | None,
    order_status: str | None,
) -> dict[str, Any]:
    """What placing the purchase needs without the buyer's session. No card data."""
    return {
        "user_id": user.pk if user is not None and user.is_authenticated else None,
        "guest_email": guest_email or "",
        "shipping_address": address_snapshot(shipping_address),
        "billing_address": address_snapshot(billing_address),
        "shipping_method_code": shipping_method_code,
        "order_status": order_status,
    }


def payment_purchase_place(
    *, payment_id: int, place: Callable[[], Purchase], source: str, actor: Any = None
) -> Purchase:
    """Place the purchase paid by ``payment_id`` with ``place()`` and link the two, atomically.

    Under the payment's row lock: a payment that already has its purchase returns it (a second
    submit, a browser retry, the return view and the orphan job racing are all safe); a payment
    holding no money, or being released, raises ``PaymentNotPlaceable``. The purchase total must be
    what was authorised, else ``PlacementFailed`` and nothing is written. Errors of ``place()``
    (Oscar's ``UnableToPlaceOrder`` and our purchase errors) propagate with nothing written.
    """
    with transaction.atomic():
        payment = _lock(payment_id)
        if payment.purchase_id is not None:
            return payment.purchase
        payment_placeable_check(payment)
        if Purchase.objects.filter(basket_id=payment.basket_id).exists():
            raise PlacementFailed("This basket was already placed as another purchase.")
        purchase = place()
        if (purchase.total_minor, purchase.currency) != (payment.amount_minor, payment.currency):
            raise PlacementFailed(
                "The prices changed while you were paying; nothing has been charged. "
                "Please review your basket and pay again."
            )
        payment.purchase = purchase
        payment.save(update_fields=["purchase", "updated_at"])
        PaymentEvent.objects.create(
            payment=payment,
            from_status=payment.status,
            to_status=payment.status,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            source=source[:128],
            reason=f"purchase {purchase.number} placed",
        )
        # A payment captured before its purchase existed is posted now (whichever comes last).
        from settlement.services.payments import payment_settle_in_transaction

        payment_settle_in_transaction(payment)
    return purchase


def payment_capture_quietly(*, payment_id: int, source: str) -> None:
    """Capture after placement; on failure log and leave it to the retrying task.

    Never raises: the purchase exists and the authorisation still holds the money, so the buyer's
    checkout has succeeded whatever the processor says now.
    """
    from marketplace.core.tasks import enqueue_on_commit
    from payments.tasks import payment_capture_retry

    try:
        payment_capture(payment_id=payment_id, source=source)
    except GatewayError as exc:
        if exc.retryable:
            enqueue_on_commit(payment_capture_retry, payment_id)
        logger.error("payment %s: capture failed after placement (%s)", payment_id, exc)
    except Exception:
        logger.exception("payment %s: capture failed after placement", payment_id)


def _place_from_snapshot(payment: Payment) -> Purchase:
    """Place the payment's frozen basket as a purchase from its checkout snapshot."""
    from purchases.services import purchase_place
    from purchases.shipping import Repository

    snapshot = payment.checkout or {}
    user: Any = AnonymousUser()
    if snapshot.get("user_id"):
        user = get_user_model().objects.filter(pk=snapshot["user_id"]).first() or AnonymousUser()
    basket = Basket.objects.get(pk=payment.basket_id)
    if basket.status not in (Basket.FROZEN, Basket.OPEN):
        raise PlacementFailed("This basket can no longer be placed.")
    basket.strategy = Selector().strategy(user=user)
    Applicator().apply(basket, user=user)
    shipping_address = None
    if snapshot.get("shipping_address"):
        shipping_address = ShippingAddress(**snapshot["shipping_address"])
    billing_address = None
    if snapshot.get("billing_address"):
        billing_address = BillingAddress(**snapshot["billing_address"])
        billing_address.save()
    methods = Repository().get_shipping_methods(
        basket=basket, user=user, shipping_addr=shipping_address, request=None
    )
    code = snapshot.get("shipping_method_code")
    method = next((m for m in methods if m.code == code), None)
    if method is None and basket.is_shipping_required():
        raise PlacementFailed("The chosen delivery is no longer available.")
    purchase = purchase_place(
        basket=basket,
        number=payment.reference,
        user=user,
        guest_email=snapshot.get("guest_email", ""),
        shipping_address=shipping_address,
        billing_address=billing_address,
        shipping_method=method,
        status=snapshot.get("order_status"),
        request=None,
    )
    basket.submit()
    return purchase


def payment_release_unplaced(*, payment_id: int, source: str, reason: str) -> Payment:
    """Give the money back for a payment whose purchase cannot be placed: cancel the authorisation,
    or refund the capture in full. Then reopen the basket. Raises ``GatewayError`` if the
    processor cannot be reached (the orphan job tries again on its next run)."""
    from payments.services.refunds import payment_refund_unplaced

    payment = Payment.objects.get(pk=payment_id)
    if payment.purchase_id is None:
        if payment.status in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
            payment_refund_unplaced(payment_id=payment_id, reason=reason)
        else:
            payment_cancel(payment_id=payment_id, source=source, reason=reason)
    basket_thaw_if_abandoned(basket_id=payment.basket_id)
    return Payment.objects.get(pk=payment_id)


def payment_complete(*, payment_id: int, source: str) -> Purchase:
    """Finish a checkout whose payment went ahead without the buyer's original request: place the
    purchase from the payment's snapshot (if it is not placed yet) and capture.

    Used by the 3-D Secure return view and the orphan job. Idempotent. Raises
    ``PaymentNotPlaceable`` when the payment holds no money (declined, expired, still awaiting 3-D
    Secure: refresh first) and ``PlacementFailed`` (message fit for the buyer) when the purchase
    cannot be placed, after giving the money back.
    """
    payment = Payment.objects.get(pk=payment_id)
    if payment.purchase_id is None:
        if payment.status not in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED):
            raise PaymentNotPlaceable(f"payment {payment.pk} is {payment.status}")
        try:
            payment_purchase_place(
                payment_id=payment_id,
                place=lambda: _place_from_snapshot(payment),
                source=source,
            )
        except (UnableToPlaceOrder, PlacementFailed, ValueError) as exc:
            logger.warning("payment %s: purchase could not be placed (%s)", payment_id, exc)
            payment_release_unplaced(payment_id=payment_id, source=source, reason=str(exc))
            raise PlacementFailed(str(exc)) from exc
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == PaymentStatus.AUTHORIZED:
        payment_capture_quietly(payment_id=payment_id, source=source)
    assert payment.purchase is not None
    return payment.purchase


# --- periodic jobs ----------------------------------------------------------------------------


def payments_reconcile_orphans(
    *, now: Any = None, grace: timedelta = ORPHAN_GRACE
) -> dict[str, int]:
    """Money with no order: complete or release every payment that holds money but whose
    purchase was not placed within ``grace``, and capture placed purchases left uncaptured.

    Each payment is handled on its own; one failing does not stop the others. Returns counts
    ("placed", "released", "captured", "failed"). Idempotent.
    """
    now = now or timezone.now()
    counts = {"placed": 0, "released": 0, "captured": 0, "failed": 0}
    cutoff = now - grace
    orphans = Payment.objects.filter(
        status__in=[PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED],
        purchase__isnull=True,
        status_changed_at__lt=cutoff,
    ).values_list("pk", flat=True)
    for payment_id in list(orphans):
        try:
            payment_complete(payment_id=payment_id, source="job:reconcile_orphans")
            counts["placed"] += 1
        except PlacementFailed:
            counts["released"] += 1
        except PaymentNotPlaceable:
            # Being released by someone else; the release finishes on the next run if it stalled.
            try:
                payment_release_unplaced(
                    payment_id=payment_id, source="job:reconcile_orphans", reason="orphan"
                )
                counts["released"] += 1
            except Exception:
                counts["failed"] += 1
                logger.exception("payment %s: releasing the orphan failed", payment_id)
        except Exception:
            counts["failed"] += 1
            logger.exception("payment %s: reconciling the orphan failed", payment_id)
    uncaptured = Payment.objects.filter(
        status=PaymentStatus.AUTHORIZED, purchase__isnull=False, status_changed_at__lt=cutoff
    ).values_list("pk", flat=True)
    for payment_id in list(uncaptured):
        try:
            payment_capture(payment_id=payment_id, source="job:reconcile_orphans")
            counts["captured"] += 1
        except Exception:
            counts["failed"] += 1
            logger.exception("payment %s: capture by the orphan job failed", payment_id)
    return counts


def payments_expire_stale(*, now: Any = None, ttl: timedelta | None = None) -> int:
    """Expire payments still created or awaiting 3-D Secure after ``PAYMENT_AUTHORISATION_TTL_MINUTES``:
    release them at the processor and reopen their frozen baskets. Stock is allocated only when a
    purchase is placed (``purchases.services.purchase_place``), so there is nothing else to free.
    Returns how many were expired. Idempotent."""
    now = now or timezone.now()
    ttl = ttl or timedelta(minutes=settings.PAYMENT_AUTHORISATION_TTL_MINUTES)
    stale = Payment.objects.filter(
        status__in=[PaymentStatus.CREATED, PaymentStatus.REQUIRES_ACTION],
        created_at__lt=now - ttl,
    ).values_list("pk", "basket_id")
    expired = 0
    for payment_id, basket_id in list(stale):
        with transaction.atomic():
            in_flight = (
                Payment.objects.filter(pk=payment_id, in_flight_until__gt=now)
                .select_for_update()
                .exists()
            )
        if in_flight:
            continue
        try:
            payment = payment_expire(payment_id=payment_id, source="job:expire_stale")
        except Exception:
            logger.exception("payment %s: expiring failed", payment_id)
            continue
        if payment.status == PaymentStatus.EXPIRED:
            expired += 1
        basket_thaw_if_abandoned(basket_id=basket_id)
    return expired


def payment_status_sync(*, payment_id: int, source: str) -> Payment:
    """Refresh from the processor, swallowing its unavailability (the caller shows what we know)."""
    try:
        return payment_refresh(payment_id=payment_id, source=source)
    except GatewayError as exc:
        logger.warning("payment %s: refresh failed (%s)", payment_id, exc)
        return Payment.objects.get(pk=payment_id)
