"""A payment's life with the processor: authorise, capture, cancel, expire, refresh.

The pattern of every call out: under a row lock, decide and write what we are about to do (a
pending payment, a cancel request), commit, call the gateway with an idempotency key derived from
our ids (``payment:<id>:<operation>``), then record the answer under the lock again. No row lock is
ever held across a call to the processor.

Recording an answer (``payment_result_apply``) is the one place statuses change after creation:
the processor's view of the payment is mapped to our status and the payment walks there along
``PAYMENT_TRANSITIONS`` (forward only, one event row per step), so the same answer applied twice,
or answers applied out of order, end in the same state.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from marketplace.core.money import Money
from payments.exceptions import (
    CurrencyNotSupported,
    InvalidTransition,
    PaymentDeclined,
    PaymentNotPlaceable,
    PaymentUnavailable,
)
from payments.gateways import gateway_by_name, gateway_get
from payments.interface import (
    AuthorizeRequest,
    CardDeclined,
    DisputeStatus,
    GatewayError,
    GatewayPaymentStatus,
    InvalidRequest,
    PaymentMethodInput,
    PaymentResult,
)
from payments.models import (
    LIVE_STATUSES,
    PAYMENT_TRANSITIONS,
    Payment,
    PaymentEvent,
    PaymentStatus,
)

logger = logging.getLogger(__name__)

Basket = get_model("basket", "Basket")

#: How long an authorise call may still be answering; a second submit meanwhile waits for it
#: instead of calling the processor again. Longer than any gateway's timeout.
IN_FLIGHT = timedelta(seconds=60)

#: Statuses whose authorisation may still be released (nothing captured yet).
RELEASABLE = frozenset(
    {PaymentStatus.CREATED, PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED}
)
ENDED = frozenset({PaymentStatus.FAILED, PaymentStatus.CANCELED, PaymentStatus.EXPIRED})


@dataclass(frozen=True)
class AuthorizeOutcome:
    """What ``payment_authorize`` did. ``called_gateway`` is False when an earlier submit of the
    same basket already owns the live payment: the caller then shows that payment's progress
    instead of charging again."""

    payment: Payment
    called_gateway: bool


# --- transitions ------------------------------------------------------------------------------


def _path(from_status: str, to_status: str) -> list[str]:
    """The shortest forward walk from one status to another (empty if equal or unreachable)."""
    if from_status == to_status:
        return []
    queue: deque[tuple[str, list[str]]] = deque([(from_status, [])])
    seen = {from_status}
    while queue:
        status, path = queue.popleft()
        for following in sorted(PAYMENT_TRANSITIONS.get(status, frozenset())):
            if following in seen:
                continue
            if following == to_status:
                return [*path, following]
            seen.add(following)
            queue.append((following, [*path, following]))
    return []


def _transition(
    payment: Payment, to_status: str, *, source: str, actor: Any = None, reason: str = ""
) -> None:
    """Move a locked payment one step along the table and log it; the caller saves."""
    if to_status not in PAYMENT_TRANSITIONS[payment.status]:
        raise InvalidTransition(
            entity="payment", pk=payment.pk, from_status=payment.status, to_status=to_status
        )
    PaymentEvent.objects.create(
        payment=payment,
        from_status=payment.status,
        to_status=to_status,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        source=source[:128],
        reason=reason,
    )
    payment.status = to_status
    payment.status_changed_at = timezone.now()


def _lock(payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def _target_status(result: PaymentResult) -> str:
    """Our status for the processor's view of the payment."""
    if result.dispute_status == DisputeStatus.OPEN:
        return PaymentStatus.DISPUTED
    if result.dispute_status == DisputeStatus.WON:
        return PaymentStatus.DISPUTE_WON
    if result.dispute_status == DisputeStatus.LOST:
        return PaymentStatus.DISPUTE_LOST
    if result.status == GatewayPaymentStatus.CAPTURED:
        captured, refunded = result.captured.amount_minor, result.refunded.amount_minor
        if captured and refunded >= captured:
            return PaymentStatus.REFUNDED
        if refunded:
            return PaymentStatus.PARTIALLY_REFUNDED
        return PaymentStatus.CAPTURED
    return {
        GatewayPaymentStatus.REQUIRES_ACTION: PaymentStatus.REQUIRES_ACTION,
        GatewayPaymentStatus.PROCESSING: PaymentStatus.CREATED,
        GatewayPaymentStatus.AUTHORIZED: PaymentStatus.AUTHORIZED,
        GatewayPaymentStatus.FAILED: PaymentStatus.FAILED,
        GatewayPaymentStatus.CANCELED: PaymentStatus.CANCELED,
    }[result.status]


def payment_result_apply(
    *,
    payment_id: int,
    result: PaymentResult,
    source: str,
    actor: Any = None,
    reason: str = "",
    released_status: str | None = None,
) -> Payment:
    """Record the processor's view of a payment and move it forward to match.

    Fills the provider reference, card brand and last four, decline code and message, 3-D Secure
    URL and fee; captured and refunded amounts only grow. The status walks along the transition
    table to the one the result implies, one event per step; a status behind ours, or off the
    table, changes nothing. ``released_status`` (EXPIRED) replaces CANCELED when we released the
    authorisation because it went stale. Idempotent; safe for duplicated and reordered answers.
    """
    with transaction.atomic():
        payment = _lock(payment_id)
        if not payment.provider_ref and result.provider_ref:
            payment.provider_ref = result.provider_ref
        if result.card_last4 and not payment.card_last4:
            payment.card_brand = result.card_brand[:32]
            payment.card_last4 = result.card_last4[-4:]
        if result.decline_code:
            payment.decline_code = result.decline_code[:64]
            payment.decline_message = result.decline_message[:255]
        if result.action_url:
            payment.action_url = result.action_url
        if result.fee is not None and result.fee.currency == payment.currency:
            payment.fee_minor = result.fee.amount_minor
        if result.captured.currency == payment.currency:
            payment.captured_minor = min(
                max(payment.captured_minor, result.captured.amount_minor), payment.amount_minor
            )
            payment.refunded_minor = min(
                max(payment.refunded_minor, result.refunded.amount_minor), payment.captured_minor
            )
        payment.in_flight_until = None
        target = _target_status(result)
        if target == PaymentStatus.CANCELED and released_status:
            target = released_status
        steps = _path(payment.status, target)
        if not steps and target != payment.status:
            logger.info(
                "payment %s: %s says %s, staying %s (%s)",
                payment.pk,
                payment.gateway,
                target,
                payment.status,
                source,
            )
        for step in steps:
            _transition(payment, step, source=source, actor=actor, reason=reason)
        payment.save()
        # Ledger postings of what the payment now is (capture, fee, disputes), in this commit.
        from settlement.services.payments import payment_settle_in_transaction

        payment_settle_in_transaction(payment)
    return payment


# --- authorise --------------------------------------------------------------------------------


def _claim(
    *,
    basket: Any,
    reference: str,
    amount: Money,
    gateway: str,
    user: Any,
    checkout: Mapping[str, Any],
) -> tuple[str, Payment]:
    """Find or create the basket's live payment for ``reference`` and decide what to do with it:
    ("call", payment) authorise now; ("existing", payment) an earlier submit owns it;
    ("retire", payment) it was for other amounts and must be released first."""
    now = timezone.now()
    live_filter = {"basket_id": basket.pk, "reference": reference, "status__in": LIVE_STATUSES}
    with transaction.atomic():
        live = Payment.objects.select_for_update().filter(**live_filter).first()
        if live is None:
            try:
                with transaction.atomic():
                    payment = Payment.objects.create(
                        reference=reference,
                        basket_id=basket.pk,
                        user=user if user is not None and user.is_authenticated else None,
                        gateway=gateway,
                        amount_minor=amount.amount_minor,
                        currency=amount.currency,
                        checkout=dict(checkout),
                        in_flight_until=now + IN_FLIGHT,
                    )
                    payment.idempotency_base = f"payment:{payment.pk}"
                    payment.save(update_fields=["idempotency_base"])
                    PaymentEvent.objects.create(
                        payment=payment,
                        from_status="",
                        to_status=PaymentStatus.CREATED,
                        actor=payment.user,
                        source="checkout",
                        reason=f"{amount} for purchase {reference}",
                    )
                return "call", payment
            except IntegrityError:
                # A concurrent submit created it first (the unique index waited for its commit).
                live = Payment.objects.select_for_update().get(**live_filter)
        in_flight = live.in_flight_until is not None and live.in_flight_until > now
        same = (live.amount_minor, live.currency, live.gateway) == (
            amount.amount_minor,
            amount.currency,
            gateway,
        )
        if not same and not in_flight and live.purchase_id is None and live.status in RELEASABLE:
            return "retire", live
        if live.status == PaymentStatus.CREATED and not in_flight and same:
            # An earlier call ended without an answer (timeout): ask again with the same key.
            live.in_flight_until = now + IN_FLIGHT
            live.checkout = dict(checkout)
            live.save(update_fields=["in_flight_until", "checkout", "updated_at"])
            return "call", live
        return "existing", live


def _authorize_failed(
    payment: Payment, *, decline_code: str, message: str, source: str = "checkout"
) -> Payment:
    with transaction.atomic():
        locked = _lock(payment.pk)
        locked.decline_code = decline_code[:64]
        locked.decline_message = message[:255]
        locked.in_flight_until = None
        if PaymentStatus.FAILED in PAYMENT_TRANSITIONS[locked.status]:
            _transition(locked, PaymentStatus.FAILED, source=source, reason=decline_code)
        locked.save()
    return locked


def payment_authorize(
    *,
    basket: Any,
    reference: str,
    amount: Money,
    payment_method: PaymentMethodInput,
    return_url: Callable[[Payment], str],
    user: Any = None,
    checkout: Mapping[str, Any] | None = None,
    customer_email: str = "",
) -> AuthorizeOutcome:
    """Authorise ``amount`` for the basket's purchase ``reference`` (one live payment per pair).

    Writes the pending payment and commits, then calls the active gateway with the key
    ``payment:<id>:authorize`` and records the answer with an event. A second submit of the same
    basket finds the live payment (row lock) and returns it without calling the processor
    (``called_gateway=False``); after an unanswered call it asks again with the same key. A live
    payment for other amounts (the basket changed after a failure) is released first.

    Returns the payment AUTHORIZED, or REQUIRES_ACTION with ``action_url`` for 3-D Secure.
    Raises ``PaymentDeclined`` (card refused or card data wrong; the payment is FAILED, nothing
    taken), ``PaymentUnavailable`` (processor unreachable; safe to retry) or
    ``CurrencyNotSupported``. Idempotent per basket and reference.
    """
    gateway = gateway_get()
    if amount.currency not in gateway.currencies:
        raise CurrencyNotSupported(amount.currency, gateway.name)
    for _attempt in range(3):
        decision, payment = _claim(
            basket=basket,
            reference=reference,
            amount=amount,
            gateway=gateway.name,
            user=user,
            checkout=checkout or {},
        )
        if decision == "retire":
            payment_cancel(payment_id=payment.pk, source="checkout", reason="basket changed")
            continue
        break
    else:  # pragma: no cover - only if releasing keeps failing silently
        raise PaymentUnavailable("an earlier payment for this basket could not be released")
    if decision == "existing":
        return AuthorizeOutcome(payment=payment, called_gateway=False)

    request = AuthorizeRequest(
        amount=amount,
        reference=reference,
        idempotency_key=payment.key("authorize"),
        return_url=return_url(payment),
        payment_method=payment_method,
        description=f"Purchase {reference}",
        customer_email=customer_email,
        metadata={"payment_id": str(payment.pk), "purchase_number": reference},
    )
    try:
        result = gateway.payment_authorize(request=request)
    except CardDeclined as exc:
        if exc.result is not None:
            payment_result_apply(payment_id=payment.pk, result=exc.result, source="checkout")
        _authorize_failed(payment, decline_code=exc.decline_code, message=exc.user_message)
        raise PaymentDeclined(
            decline_code=exc.decline_code, user_message=exc.user_message
        ) from None
    except InvalidRequest as exc:
        _authorize_failed(payment, decline_code="invalid_request", message=exc.user_message)
        raise PaymentDeclined(
            decline_code="invalid_request",
            user_message=exc.user_message or "Your card could not be charged.",
            param=exc.param,
        ) from None
    except GatewayError as exc:
        Payment.objects.filter(pk=payment.pk).update(
            in_flight_until=None, last_error=f"authorize: {exc}"[:2000]
        )
        logger.warning("payment %s: authorize failed (%s)", payment.pk, exc)
        raise PaymentUnavailable(str(exc)) from exc
    payment = payment_result_apply(payment_id=payment.pk, result=result, source="checkout")
    if payment.status == PaymentStatus.FAILED:
        raise PaymentDeclined(
            decline_code=payment.decline_code or "generic_decline",
            user_message=payment.decline_message or "Your card was declined.",
        )
    return AuthorizeOutcome(payment=payment, called_gateway=True)


# --- after authorisation ----------------------------------------------------------------------


def payment_refresh(*, payment_id: int, source: str) -> Payment:
    """Ask the processor for the payment's state and record it (see ``payment_result_apply``).

    A payment whose authorise answer never arrived is looked up by its idempotency key. Raises
    ``GatewayError`` when the processor cannot answer. Idempotent.
    """
    payment = Payment.objects.get(pk=payment_id)
    gateway = gateway_by_name(payment.gateway)
    if payment.provider_ref:
        result: PaymentResult | None = gateway.payment_retrieve(provider_ref=payment.provider_ref)
    else:
        result = gateway.payment_find(idempotency_key=payment.key("authorize"))
    if result is None:
        return payment
    return payment_result_apply(payment_id=payment.pk, result=result, source=source)


def payment_capture(
    *, payment_id: int, amount_minor: int | None = None, source: str, actor: Any = None
) -> Payment:
    """Capture an authorised payment (whole, or ``amount_minor`` of it) with the key
    ``payment:<id>:capture``. Only once its purchase exists.

    Idempotent: a payment already captured (or further) is returned as it is. Raises
    ``PaymentNotPlaceable`` when there is no purchase, ``InvalidTransition`` when there is nothing to
    capture and ``GatewayError`` from the processor (``retryable`` says whether to try again; a
    refusal also refreshes the payment from the processor).
    """
    with transaction.atomic():
        payment = _lock(payment_id)
        if payment.status != PaymentStatus.AUTHORIZED:
            if payment.status in LIVE_STATUSES and payment.captured_minor:
                return payment
            raise InvalidTransition(
                entity="payment",
                pk=payment.pk,
                from_status=payment.status,
                to_status=PaymentStatus.CAPTURED,
            )
        if payment.purchase_id is None:
            raise PaymentNotPlaceable(f"payment {payment.pk} has no purchase to capture for")
    gateway = gateway_by_name(payment.gateway)
    amount = None if amount_minor is None else Money(amount_minor, payment.currency)
    try:
        result = gateway.payment_capture(
            provider_ref=payment.provider_ref, amount=amount, idempotency_key=payment.key("capture")
        )
    except GatewayError as exc:
        Payment.objects.filter(pk=payment.pk).update(last_error=f"capture: {exc}"[:2000])
        if not exc.retryable:
            payment_refresh(payment_id=payment.pk, source=source)
        raise
    return payment_result_apply(payment_id=payment.pk, result=result, source=source, actor=actor)


def _release(
    *, payment_id: int, final_status: str, source: str, reason: str, actor: Any = None
) -> Payment:
    """Release a payment that holds no placed purchase: claim it (``cancel_requested_at``, so no
    purchase can be placed on it any more), commit, cancel at the processor with the key
    ``payment:<id>:cancel``, record CANCELED or EXPIRED (or whatever the processor says)."""
    now = timezone.now()
    with transaction.atomic():
        payment = _lock(payment_id)
        if payment.status in ENDED:
            return payment
        if payment.purchase_id is not None:
            raise InvalidTransition(
                entity="payment", pk=payment.pk, from_status=payment.status, to_status=final_status
            )
        if payment.status not in RELEASABLE:
            raise InvalidTransition(
                entity="payment", pk=payment.pk, from_status=payment.status, to_status=final_status
            )
        if payment.cancel_requested_at is None:
            payment.cancel_requested_at = now
            payment.save(update_fields=["cancel_requested_at", "updated_at"])
    gateway = gateway_by_name(payment.gateway)
    provider_ref = payment.provider_ref
    if not provider_ref:
        found = gateway.payment_find(idempotency_key=payment.key("authorize"))
        provider_ref = found.provider_ref if found is not None else ""
    if provider_ref:
        try:
            result = gateway.payment_cancel(
                provider_ref=provider_ref, idempotency_key=payment.key("cancel")
            )
        except InvalidRequest:
            # Not cancellable any more (failed, or captured meanwhile): record what it is.
            result = gateway.payment_retrieve(provider_ref=provider_ref)
        return payment_result_apply(
            payment_id=payment.pk,
            result=result,
            source=source,
            actor=actor,
            reason=reason,
            released_status=final_status,
        )
    # Nothing ever reached the processor: there is nothing to release there.
    with transaction.atomic():
        payment = _lock(payment_id)
        if payment.status in RELEASABLE:
            _transition(payment, final_status, source=source, actor=actor, reason=reason)
            payment.in_flight_until = None
            payment.save()
    return payment


def payment_cancel(*, payment_id: int, source: str, reason: str, actor: Any = None) -> Payment:
    """Release the authorisation of a payment with no purchase (or abandon its 3-D Secure
    challenge); nothing is taken. Idempotent (an ended payment is returned as it is).

    Raises ``InvalidTransition`` for a payment whose purchase was placed or whose money was
    captured (refund it instead) and ``GatewayError`` when the processor cannot be reached (the
    claim stays, so the purchase can no longer be placed on it; call again later).
    """
    return _release(
        payment_id=payment_id,
        final_status=PaymentStatus.CANCELED,
        source=source,
        reason=reason,
        actor=actor,
    )


def payment_expire(*, payment_id: int, source: str) -> Payment:
    """Expire a payment left too long before authorisation completed (3-D Secure abandoned, or an
    answer never came): release it at the processor and mark it EXPIRED. Idempotent."""
    return _release(
        payment_id=payment_id,
        final_status=PaymentStatus.EXPIRED,
        source=source,
        reason="not completed in time",
    )


def payment_placeable_check(payment: Payment) -> None:
    """Raise ``PaymentNotPlaceable`` unless a purchase may be placed on this (locked) payment."""
    if payment.cancel_requested_at is not None:
        raise PaymentNotPlaceable(f"payment {payment.pk} is being released")
    if payment.status not in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED):
        raise PaymentNotPlaceable(f"payment {payment.pk} is {payment.status}")


def basket_thaw_if_abandoned(*, basket_id: int) -> bool:
    """Reopen a frozen basket whose checkout ended without a purchase and without a live payment,
    so the buyer finds their goods again. Returns whether it was thawed. Idempotent."""
    from purchases.models import Purchase

    with transaction.atomic():
        basket = Basket.objects.select_for_update().get(pk=basket_id)
        if basket.status != Basket.FROZEN:
            return False
        if Purchase.objects.filter(basket_id=basket_id).exists():
            return False
        if Payment.objects.filter(basket_id=basket_id, status__in=LIVE_STATUSES).exists():
            return False
        basket.thaw()
    return True
