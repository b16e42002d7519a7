"""Gating (issue #6, item 7): a cross-border merchant order cannot be marked Shipped before
customs released it (the merchants' orders dashboard refuses, nothing changed); the merchant's
money stays pending until release; a rejection refunds that merchant order, duties included,
with the ledger balanced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from customs.models import RiskRule
from customs.services import (
    declaration_claim,
    declaration_create,
    declaration_reject,
    declaration_release,
)
from ledger.models import Account, Entry
from payments.models import Payment, Refund
from settlement.models import MerchantOrderSettlement
from settlement.services import holds_release_due
from tests.customs.factories import (
    CARPET,
    SAFFRON,
    merchant_staff_create,
    merchant_with_goods,
    paid_abroad,
)
from tests.settlement.ledger import assert_ledger_sound, balance, m

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
OrderStatusChange = get_model("order", "OrderStatusChange")

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(rules, client, settings):
    """Saffron and a carpet paid for by a buyer in Herat (DDP); both declarations wait in the
    yellow lane; the carpet merchant's staff signed in to their dashboard."""
    settings.SETTLEMENT_HOLD_DAYS = 7
    RiskRule.objects.create(name="all", kind="destination", lane="yellow", country="AF")
    saffron_house, (saffron,) = merchant_with_goods(SAFFRON)
    carpet_house, (carpet,) = merchant_with_goods(CARPET, name="Vakil Carpet Bazaar")
    saffron_order, carpet_order = paid_abroad(
        client, [(saffron_house, saffron), (carpet_house, carpet)], [2, 1]
    )
    declarations = [
        declaration_create(merchant_order_id=mo.pk) for mo in (saffron_order, carpet_order)
    ]
    assert [d.status for d in declarations] == ["yellow", "yellow"]
    staff = Client()
    staff.force_login(merchant_staff_create(carpet_house))
    return {
        "carpet_house": carpet_house,
        "saffron_order": saffron_order,
        "carpet_order": carpet_order,
        "declaration": declarations[1],
        "staff": staff,
    }


def status_post(client, order, status):
    return client.post(
        reverse("dashboard:order-detail", kwargs={"number": order.number}),
        {"order_action": "change_order_status", "new_status": status},
        follow=True,
    )


def errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level == messages.ERROR]


def test_shipped_is_refused_until_customs_releases_and_nothing_changes(case, officer):
    order = case["carpet_order"].order
    staff = case["staff"]
    assert status_post(staff, order, "Processing").status_code == 200
    order.refresh_from_db()
    assert order.status == "Processing"
    changes_before = OrderStatusChange.objects.filter(order=order).count()
    notes_before = OrderNote.objects.filter(order=order).count()

    # when the merchant marks it shipped before customs released it
    response = status_post(staff, order, "Shipped")

    # then it is refused with a clear message, and nothing changed
    assert errors(response) == [
        f"Order {order.number} goes abroad: it cannot be marked “Shipped” until customs "
        "releases its declaration (now: Yellow lane)."
    ]
    order.refresh_from_db()
    assert order.status == "Processing"
    assert OrderStatusChange.objects.filter(order=order).count() == changes_before
    assert OrderNote.objects.filter(order=order).count() == notes_before

    # nor through the list's bulk status change
    response = staff.post(
        reverse("dashboard:order-list"),
        {"action": "change_order_statuses", "selected_order": [order.pk], "new_status": "Shipped"},
        follow=True,
    )
    assert len(errors(response)) == 1 and "cannot be marked “Shipped”" in errors(response)[0]
    order.refresh_from_db()
    assert order.status == "Processing"

    # once customs releases it, the merchant ships and delivers
    declaration_claim(declaration_id=case["declaration"].pk, actor=officer)
    declaration_release(declaration_id=case["declaration"].pk, actor=officer)
    for status in ("Shipped", "Delivered"):
        response = status_post(staff, order, status)
        assert errors(response) == []
        order.refresh_from_db()
        assert order.status == status
    hold = MerchantOrderSettlement.objects.get(merchant_order=case["carpet_order"])
    assert hold.delivered_at is not None and hold.customs_released_at is not None


def test_a_domestic_order_ships_without_customs(bazaar, client):
    from tests.payments.fixtures import Checkout

    Checkout(client, bazaar).pay()
    merchant, _product = bazaar[0]
    staff = Client()
    staff.force_login(merchant_staff_create(merchant))
    order = Order.objects.get(lines__partner=merchant.partner)

    for status in ("Processing", "Shipped"):
        response = status_post(staff, order, status)
        assert errors(response) == []
    order.refresh_from_db()
    assert order.status == "Shipped"


def test_the_merchants_money_stays_pending_until_customs_releases(case, officer, settings):
    carpet_order, carpet_house = case["carpet_order"], case["carpet_house"]
    # given the goods delivered (recorded by settlement) and the return window long over
    from settlement.services import merchant_order_delivered

    delivered = timezone.now() - timedelta(days=30)
    merchant_order_delivered(merchant_order_id=carpet_order.pk, at=delivered)
    pending = balance(m(carpet_house, "pending"))
    assert pending > 0

    # without customs' release, nothing is released
    assert holds_release_due(now=timezone.now()).released == 0
    assert balance(m(carpet_house, "pending")) == pending
    assert balance(m(carpet_house, "available")) == 0

    # released by the officer: the next run moves it to available
    declaration_claim(declaration_id=case["declaration"].pk, actor=officer)
    declaration_release(declaration_id=case["declaration"].pk, actor=officer)
    result = holds_release_due(now=timezone.now() + timedelta(seconds=1))

    assert result.released == 1
    assert balance(m(carpet_house, "pending")) == 0
    assert balance(m(carpet_house, "available")) == pending
    assert_ledger_sound()


def duties_of(merchant_order) -> int:
    """What customs:duties_payable holds for one merchant order (credit positive)."""
    account = Account.objects.get(code="customs:duties_payable:IRR")
    entries = Entry.objects.filter(account=account, merchant_order=merchant_order)
    return -sum(e.amount_minor for e in entries)


def test_a_rejection_refunds_the_order_duties_included_and_the_ledger_balances(
    case, officer, django_capture_on_commit_callbacks
):
    saffron_order, carpet_order = case["saffron_order"], case["carpet_order"]
    assert duties_of(carpet_order) == carpet_order.duty_minor > 0
    declaration_claim(declaration_id=case["declaration"].pk, actor=officer)

    with django_capture_on_commit_callbacks(execute=True):
        declaration_reject(
            declaration_id=case["declaration"].pk, actor=officer, reason="heritage carpet"
        )

    refund = Refund.objects.get()
    assert (refund.merchant_order_id, refund.amount_minor, refund.status) == (
        carpet_order.pk,
        carpet_order.total_minor,
        "succeeded",
    )
    assert (refund.requested_by, refund.source) == (None, "customs:rejection")
    payment = Payment.objects.get()
    assert payment.refunded_minor == carpet_order.total_minor
    # the carpet's duties given back; the saffron's still owed to customs
    assert duties_of(carpet_order) == 0
    assert duties_of(saffron_order) == saffron_order.duty_minor
    assert balance("customs:duties_payable:IRR") == saffron_order.duty_minor
    assert balance(m(case["carpet_house"], "pending")) == 0
    carpet_order.order.refresh_from_db()
    assert carpet_order.order.status == "Cancelled"
    assert_ledger_sound()
