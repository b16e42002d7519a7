"""Payment services: the transition table, authorising once, releasing, and the safety nets."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from oscar.core.loading import get_model

from marketplace.core.money import Money
from payments.exceptions import PaymentDeclined, PaymentNotPlaceable, PaymentUnavailable
from payments.gateways.sandbox import SandboxGateway
from payments.interface import GatewayError, GatewayPaymentStatus, PaymentResult
from payments.models import PAYMENT_TRANSITIONS, Payment, PaymentStatus, SandboxCharge
from payments.services import (
    payment_cancel,
    payment_capture,
    payment_complete,
    payment_result_apply,
    payments_expire_stale,
    payments_reconcile_orphans,
)
from payments.services.lifecycle import _path
from purchases.models import Purchase
from tests.payments.fixtures import CARD_3DS, CARD_INSUFFICIENT, authorize

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

pytest_plugins = ["tests.payments.fixtures"]

pytestmark = pytest.mark.django_db


def age(payment: Payment, minutes: int) -> None:
    """Pretend the payment was created and last changed ``minutes`` ago."""
    past = timezone.now() - timedelta(minutes=minutes)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=past, status_changed_at=past, in_flight_until=None
    )


# --- the transition table ------------------------------------------------------------------


def test_statuses_only_move_forward():
    # no status can be reached again from where it leads (the table has no cycles)
    for status in PAYMENT_TRANSITIONS:
        for following in PAYMENT_TRANSITIONS[status]:
            assert _path(following, status) == [], (status, following)
    assert _path("created", "refunded") == ["captured", "refunded"]
    assert _path("requires_action", "disputed") == ["captured", "disputed"]
    assert _path("captured", "authorized") == []
    assert _path("expired", "canceled") == []


def test_an_older_answer_applied_late_changes_nothing(frozen_basket, queued):
    basket, snapshot = frozen_basket()
    payment = authorize(basket, snapshot).payment
    amount = Money(payment.amount_minor, "IRR")

    def result(status, captured=0):
        return PaymentResult(
            status=status,
            provider_ref=payment.provider_ref,
            amount=amount,
            captured=Money(captured, "IRR"),
            refunded=Money(0, "IRR"),
        )

    payment_result_apply(
        payment_id=payment.pk,
        result=result(GatewayPaymentStatus.CAPTURED, amount.amount_minor),
        source="t",
    )
    payment = payment_result_apply(
        payment_id=payment.pk, result=result(GatewayPaymentStatus.AUTHORIZED), source="t"
    )
    assert (payment.status, payment.captured_minor) == ("captured", amount.amount_minor)
    assert payment.events.count() == 3  # created, authorized, captured


# --- authorising once ----------------------------------------------------------------------


def test_a_second_authorize_for_the_same_basket_reuses_the_payment(
    frozen_basket, authorize_calls, queued
):
    basket, snapshot = frozen_basket()
    first = authorize(basket, snapshot)
    second = authorize(basket, snapshot)
    assert first.called_gateway and not second.called_gateway
    assert first.payment.pk == second.payment.pk
    assert authorize_calls == [f"payment:{first.payment.pk}:authorize"]
    assert SandboxCharge.objects.count() == 1


def test_an_unanswered_authorize_is_asked_again_with_the_same_key(
    frozen_basket, authorize_calls, monkeypatch, queued
):
    basket, snapshot = frozen_basket()
    original = SandboxGateway.payment_authorize
    calls = {"n": 0}

    def flaky(self, *, request):
        calls["n"] += 1
        if calls["n"] == 1:
            raise GatewayError("read timed out", retryable=True)
        return original(self, request=request)

    monkeypatch.setattr(SandboxGateway, "payment_authorize", flaky)
    with pytest.raises(PaymentUnavailable):
        authorize(basket, snapshot)
    payment = Payment.objects.get()
    assert (payment.status, payment.in_flight_until) == (PaymentStatus.CREATED, None)

    outcome = authorize(basket, snapshot)
    assert outcome.called_gateway and outcome.payment.pk == payment.pk
    assert outcome.payment.status == PaymentStatus.AUTHORIZED
    assert SandboxCharge.objects.get().idempotency_key == f"payment:{payment.pk}:authorize"


def test_a_live_payment_for_other_amounts_is_released_before_a_new_one(frozen_basket, queued):
    basket, snapshot = frozen_basket()
    old = authorize(basket, snapshot).payment
    Payment.objects.filter(pk=old.pk).update(amount_minor=old.amount_minor - 1)

    new = authorize(basket, snapshot).payment

    assert new.pk != old.pk and new.status == PaymentStatus.AUTHORIZED
    old.refresh_from_db()
    assert old.status == PaymentStatus.CANCELED
    assert SandboxCharge.objects.get(provider_ref=old.provider_ref).status == "canceled"


def test_a_decline_fails_the_payment_and_writes_nothing_else(frozen_basket, queued):
    basket, snapshot = frozen_basket()
    with pytest.raises(PaymentDeclined) as declined:
        authorize(basket, snapshot, CARD_INSUFFICIENT)
    assert declined.value.decline_code == "insufficient_funds"
    payment = Payment.objects.get()
    assert (payment.status, payment.captured_minor, payment.purchase) == ("failed", 0, None)
    assert Purchase.objects.count() == 0
    # and a new attempt is a new payment
    assert authorize(basket, snapshot).payment.pk != payment.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_call_the_processor_once(frozen_basket, monkeypatch):
    # given the first submit is still waiting for the processor when the second arrives
    basket, snapshot = frozen_basket()
    original = SandboxGateway.payment_authorize
    entered, release = threading.Event(), threading.Event()
    calls = []

    def slow(self, *, request):
        calls.append(request.idempotency_key)
        entered.set()
        assert release.wait(10)
        return original(self, request=request)

    monkeypatch.setattr(SandboxGateway, "payment_authorize", slow)
    outcomes = {}

    def submit(name):
        try:
            outcomes[name] = authorize(basket, snapshot)
        finally:
            connection.close()

    first = threading.Thread(target=submit, args=("first",))
    first.start()
    assert entered.wait(10)
    submit("second")
    release.set()
    first.join(10)

    # then the second found the first's payment in flight and charged nothing
    assert calls == [f"payment:{outcomes['first'].payment.pk}:authorize"]
    assert outcomes["second"].called_gateway is False
    assert outcomes["second"].payment.pk == outcomes["first"].payment.pk
    assert Payment.objects.count() == 1
    assert Payment.objects.get().status == PaymentStatus.AUTHORIZED


# --- capture and cancel ----------------------------------------------------------------------


def test_capture_needs_the_purchase_and_is_idempotent(frozen_basket, queued):
    basket, snapshot = frozen_basket()
    payment = authorize(basket, snapshot).payment
    with pytest.raises(PaymentNotPlaceable):
        payment_capture(payment_id=payment.pk, source="t")
    purchase = payment_complete(payment_id=payment.pk, source="t")
    payment.refresh_from_db()
    assert (payment.status, payment.purchase) == (PaymentStatus.CAPTURED, purchase)
    again = payment_capture(payment_id=payment.pk, source="t")
    assert again.captured_minor == payment.amount_minor
    assert SandboxCharge.objects.get().operations == {f"payment:{payment.pk}:capture": "capture"}


def test_a_cancelled_payment_can_no_longer_be_placed(frozen_basket, queued):
    basket, snapshot = frozen_basket()
    payment = authorize(basket, snapshot).payment
    payment = payment_cancel(payment_id=payment.pk, source="t", reason="buyer left")
    assert payment.status == PaymentStatus.CANCELED
    assert SandboxCharge.objects.get().status == "canceled"
    with pytest.raises(PaymentNotPlaceable):
        payment_complete(payment_id=payment.pk, source="t")
    assert Purchase.objects.count() == 0
    assert payment_cancel(payment_id=payment.pk, source="t", reason="again").status == "canceled"


# --- the orphan job --------------------------------------------------------------------------


def test_the_orphan_job_places_the_purchase_of_money_held_without_an_order(
    frozen_basket, settings, queued
):
    # given money authorised long enough ago, with no purchase (the buyer's request died)
    basket, snapshot = frozen_basket()
    orphan = authorize(basket, snapshot).payment
    age(orphan, 10)
    fresh_basket, fresh_snapshot = frozen_basket()
    fresh = authorize(fresh_basket, fresh_snapshot).payment

    counts = payments_reconcile_orphans()

    # then its purchase is placed from the frozen basket and the money captured
    assert counts == {"placed": 1, "released": 0, "captured": 0, "failed": 0}
    orphan.refresh_from_db()
    purchase = Purchase.objects.get()
    assert (orphan.status, orphan.purchase, purchase.basket_id) == ("captured", purchase, basket.pk)
    assert purchase.guest_email == "pilgrim@example.com"
    assert Order.objects.filter(number__startswith=purchase.number).count() == 3
    assert Basket.objects.get(pk=basket.pk).status == Basket.SUBMITTED
    # and a payment still within its grace period is left to its buyer
    fresh.refresh_from_db()
    assert (fresh.status, fresh.purchase) == ("authorized", None)
    # and running again changes nothing
    assert payments_reconcile_orphans()["placed"] == 0


def test_the_orphan_job_cancels_money_whose_purchase_cannot_be_placed(frozen_basket, queued):
    # given an orphan whose goods sold out meanwhile
    basket, snapshot = frozen_basket()
    orphan = authorize(basket, snapshot).payment
    age(orphan, 10)
    StockRecord.objects.update(num_in_stock=0)

    counts = payments_reconcile_orphans()

    # then the authorisation is released, the basket reopened, and nothing placed
    assert counts["released"] == 1
    orphan.refresh_from_db()
    assert (orphan.status, orphan.captured_minor) == ("canceled", 0)
    assert SandboxCharge.objects.get().status == "canceled"
    assert Purchase.objects.count() == 0 and Order.objects.count() == 0
    assert Basket.objects.get(pk=basket.pk).status == Basket.OPEN
    assert not [name for name, _ in queued if name == "purchases.confirmation_send"]


def test_the_orphan_job_captures_a_placed_purchase_left_uncaptured(
    frozen_basket, monkeypatch, queued
):
    basket, snapshot = frozen_basket()
    payment = authorize(basket, snapshot).payment
    monkeypatch.setattr(
        "payments.services.placement.payment_capture_quietly", lambda **kwargs: None
    )
    payment_complete(payment_id=payment.pk, source="t")
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.AUTHORIZED
    age(payment, 10)
    monkeypatch.undo()

    assert payments_reconcile_orphans()["captured"] == 1
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CAPTURED


# --- the expiry job --------------------------------------------------------------------------


def test_the_expiry_job_expires_abandoned_3ds_and_reopens_the_basket(frozen_basket, queued):
    # given a 3-D Secure challenge abandoned beyond the TTL, and one still within it
    basket, snapshot = frozen_basket()
    stale = authorize(basket, snapshot, CARD_3DS).payment
    assert stale.status == PaymentStatus.REQUIRES_ACTION
    age(stale, 31)
    fresh_basket, fresh_snapshot = frozen_basket()
    fresh = authorize(fresh_basket, fresh_snapshot, CARD_3DS).payment

    assert payments_expire_stale() == 1

    # then the stale one is expired, released at the processor, its basket open again
    stale.refresh_from_db()
    assert stale.status == PaymentStatus.EXPIRED
    assert SandboxCharge.objects.get(provider_ref=stale.provider_ref).status == "canceled"
    assert Basket.objects.get(pk=basket.pk).status == Basket.OPEN
    # and the buyer still inside the TTL is left alone
    fresh.refresh_from_db()
    assert fresh.status == PaymentStatus.REQUIRES_ACTION
    assert Basket.objects.get(pk=fresh_basket.pk).status == Basket.FROZEN
    # and an approval arriving after expiry changes nothing
    assert payments_expire_stale() == 0
    assert Purchase.objects.count() == 0


def test_the_expiry_job_expires_a_payment_whose_answer_never_came(
    frozen_basket, monkeypatch, queued
):
    basket, snapshot = frozen_basket()
    monkeypatch.setattr(
        SandboxGateway,
        "payment_authorize",
        lambda self, *, request: (_ for _ in ()).throw(GatewayError("timeout", retryable=True)),
    )
    with pytest.raises(PaymentUnavailable):
        authorize(basket, snapshot)
    payment = Payment.objects.get()
    age(payment, 31)

    assert payments_expire_stale() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert Basket.objects.get(pk=basket.pk).status == Basket.OPEN
