"""The whole path of a cross-border purchase, through the real services, views and Celery worker
(issue #6, "Tests must show"): a buyer in Herat (Afghanistan: DDP in the seed rules) pays for
saffron and a carpet with the sandbox card → duties charged and booked → declarations created by
the worker → the officer releases them in the workspace → the merchants mark the orders Shipped,
then Delivered → the holds pass → the merchants are paid → the ledger balances. And the other
ending: the officer rejects the carpet → that merchant order is refunded, duties included → the
ledger balances."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib import messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customs.models import Declaration
from ledger.selectors import ledger_check
from payments.models import Payment, PaymentStatus, Refund
from settlement.models import MerchantOrderSettlement, Payout
from settlement.services import settlement_run
from tests.customs.factories import (
    CARPET,
    SAFFRON,
    customs_rules_ensure,
    merchant_staff_create,
    merchant_with_goods,
    officer_create,
    paid_abroad,
)
from tests.settlement.factories import fee_rules_create
from tests.settlement.ledger import balance, m
from tests.shop import iran_ensure


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


@pytest.fixture
def shop(hs_codes, settings):
    """The seed customs rules, fees (commission 10%, a 2% city fee borne by the merchant, VAT),
    two merchants selling saffron and a carpet, their staff, and a customs officer."""
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    settings.SETTLEMENT_PAYOUT_GATEWAY = "sandbox"
    settings.SETTLEMENT_HOLD_DAYS = 7
    customs_rules_ensure()
    iran_ensure()
    fee_rules_create()
    saffron_house, (saffron,) = merchant_with_goods(SAFFRON)
    carpet_house, (carpet,) = merchant_with_goods(CARPET, name="Vakil Carpet Bazaar")
    officer = Client()
    officer.force_login(officer_create())
    staff = {}
    for house in (saffron_house, carpet_house):
        staff[house.pk] = Client()
        staff[house.pk].force_login(merchant_staff_create(house))
    return {
        "goods": [(saffron_house, saffron), (carpet_house, carpet)],
        "officer": officer,
        "staff": staff,
    }


def buy(client, shop):
    """A guest in Herat pays for 2 saffron tins and a carpet; the worker declares both orders."""
    orders = paid_abroad(client, shop["goods"], [2, 1])
    declarations = wait_for(
        lambda: (
            list(Declaration.objects.order_by("merchant_order__sequence"))
            if Declaration.objects.count() == 2
            else None
        )
    )
    return orders, declarations


def officer_acts(shop, declaration, action: str, **data) -> list[str]:
    """POST an action in the officers' workspace; the messages shown after it."""
    response = shop["officer"].post(
        reverse("customs:declaration-action", kwargs={"pk": declaration.pk, "action": action}),
        data,
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def status_set(shop, merchant_order, status: str) -> list[str]:
    """The merchant's staff change the order's status in their dashboard; the errors shown."""
    response = shop["staff"][merchant_order.partner.merchant.pk].post(
        reverse("dashboard:order-detail", kwargs={"number": merchant_order.order.number}),
        {"order_action": "change_order_status", "new_status": status},
        follow=True,
    )
    return [str(m) for m in response.context["messages"] if m.level == messages.ERROR]


@pytest.mark.django_db(transaction=True)
def test_foreign_purchase_declared_released_shipped_delivered_and_the_merchants_paid(
    client, shop, celery_worker
):
    # a buyer in Herat pays, duties included (DDP)
    orders, declarations = buy(client, shop)
    payment = Payment.objects.get()
    purchase = orders[0].purchase
    assert purchase.duty_minor == sum(mo.duty_minor for mo in orders) > 0
    assert payment.captured_minor == purchase.total_minor
    assert balance("customs:duties_payable:IRR") == purchase.duty_minor
    # the confirmation email, sent by the worker, shows each order's landed cost collected
    message = wait_for(lambda: next((e for e in mail.outbox if purchase.number in e.subject), None))
    assert message.body.count("collected now (DDP)") == 2

    # the worker declared both orders from the capture; both wait for an officer (new merchants)
    assert [d.merchant_order_id for d in declarations] == [mo.pk for mo in orders]
    assert [d.status for d in declarations] == ["yellow", "yellow"]
    assert [d.duty_collected_minor for d in declarations] == [mo.duty_minor for mo in orders]
    assert [d.taxes_minor for d in declarations] == [mo.duty_minor for mo in orders]
    for mo in orders:
        assert MerchantOrderSettlement.objects.get(merchant_order=mo).customs_required

    # the merchants cannot ship before customs releases
    for mo in orders:
        assert status_set(shop, mo, "Processing") == []
        assert "cannot be marked “Shipped”" in status_set(shop, mo, "Shipped")[0]

    # the officer claims and releases both in the workspace
    for declaration in declarations:
        officer_acts(shop, declaration, "claim")
        assert "Released: the goods may leave." in officer_acts(shop, declaration, "release")
    assert set(Declaration.objects.values_list("status", flat=True)) == {"released"}

    # the merchants ship and deliver
    for mo in orders:
        assert status_set(shop, mo, "Shipped") == []
        assert status_set(shop, mo, "Delivered") == []
        mo.order.refresh_from_db()
        assert mo.order.status == "Delivered"
    shares = {mo.partner.merchant.pk: balance(m(mo.partner.merchant, "pending")) for mo in orders}
    assert all(shares.values())

    # before the return window ends nothing is released; after it, the merchants are paid
    assert settlement_run(now=timezone.now() + timedelta(days=6)).released == 0
    result = settlement_run(now=timezone.now() + timedelta(days=8))

    assert result.released == 2
    payouts = {p.merchant_id: p for p in Payout.objects.all()}
    assert {pk: p.status for pk, p in payouts.items()} == {pk: "paid" for pk in shares}
    assert {pk: p.amount_minor for pk, p in payouts.items()} == shares
    for mo in orders:
        merchant = mo.partner.merchant
        assert balance(m(merchant, "pending")) == balance(m(merchant, "available")) == 0
    # the duties stay owed to customs, exactly what the buyer paid for them
    assert balance("customs:duties_payable:IRR") == purchase.duty_minor
    assert ledger_check().violations == []


@pytest.mark.django_db(transaction=True)
def test_a_rejected_carpet_is_refunded_duties_included_and_the_ledger_balances(
    client, shop, celery_worker
):
    (saffron_order, carpet_order), (_saffron_declaration, carpet_declaration) = buy(client, shop)
    carpet_house = carpet_order.partner.merchant
    assert carpet_order.duty_minor > 0

    officer_acts(shop, carpet_declaration, "claim")
    shown = officer_acts(shop, carpet_declaration, "reject", reason="Heritage carpet, no permit")

    assert "Rejected; the merchant order is being refunded." in shown
    refund = Refund.objects.get()
    assert (refund.merchant_order_id, refund.status, refund.amount_minor) == (
        carpet_order.pk,
        "succeeded",
        carpet_order.total_minor,
    )
    assert (refund.requested_by, refund.source) == (None, "customs:rejection")
    payment = Payment.objects.get()
    assert payment.refunded_minor == carpet_order.total_minor
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    # the carpet's duties went back to the buyer; only the saffron's are owed to customs
    assert balance("customs:duties_payable:IRR") == saffron_order.duty_minor
    assert balance(m(carpet_house, "pending")) == 0
    carpet_order.order.refresh_from_db()
    assert carpet_order.order.status == "Cancelled"
    assert ledger_check().violations == []
