"""Holds: delivery recorded from the merchant's dashboard, release after the return window,
cross-border orders waiting for customs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from ledger.models import Transaction
from marketplace.core.roles import MERCHANT_STAFF, roles_ensure
from settlement.models import MerchantOrderSettlement
from settlement.services import (
    holds_release_due,
    merchant_order_delivered,
    settlement_customs_release,
)
from tests.merchants.factories import UserFactory
from tests.settlement.factories import purchase_pay
from tests.settlement.ledger import assert_ledger_sound, balance, keys, legs, m

pytestmark = pytest.mark.django_db

SAFFRON_SHARE = 4_560_000  # one vial: 4,500,000 - 10% - 2% + 600,000 shipping


def merchant_staff(merchant):
    roles_ensure()
    user = UserFactory(username=f"staff-{merchant.slug}@example.com")
    user.groups.add(Group.objects.get(name=MERCHANT_STAFF))
    merchant.partner.users.add(user)
    return user


@pytest.fixture
def saffron(bazaar, fee_rules):
    merchant, product = bazaar[0]
    payment = purchase_pay([(product, 1)])
    return merchant, payment, payment.purchase.merchant_orders.select_related("order").get()


def test_merchant_staff_mark_an_order_delivered_in_their_dashboard_and_the_hold_starts(
    saffron, client, settings
):
    settings.SETTLEMENT_HOLD_DAYS = 7
    merchant, _payment, mo = saffron
    assert mo.order.status == "Pending"
    client.force_login(merchant_staff(merchant))
    url = reverse("dashboard:order-detail", kwargs={"number": mo.order.number})

    before = timezone.now()
    for status in ("Processing", "Shipped", "Delivered"):
        response = client.post(url, {"order_action": "change_order_status", "new_status": status})
        assert response.status_code == 302

    mo.order.refresh_from_db()
    assert mo.order.status == "Delivered"
    hold = MerchantOrderSettlement.objects.get(merchant_order=mo)
    assert before <= hold.delivered_at <= timezone.now()
    assert hold.available_on == hold.delivered_at + timedelta(days=7)
    assert hold.status == "pending" and hold.customs_required is False


def test_staff_of_another_merchant_cannot_deliver_the_order(saffron, bazaar, client):
    _merchant, _payment, mo = saffron
    client.force_login(merchant_staff(bazaar[1][0]))
    url = reverse("dashboard:order-detail", kwargs={"number": mo.order.number})
    response = client.post(url, {"order_action": "change_order_status", "new_status": "Processing"})
    assert response.status_code == 404
    mo.order.refresh_from_db()
    assert mo.order.status == "Pending"


def test_the_hold_is_released_only_after_the_return_window(saffron, settings):
    settings.SETTLEMENT_HOLD_DAYS = 7
    merchant, _payment, mo = saffron
    delivered = timezone.now() - timedelta(days=3)
    merchant_order_delivered(merchant_order_id=mo.pk, at=delivered)
    # a second delivery (the status set again, a replay) does not move the window
    merchant_order_delivered(merchant_order_id=mo.pk, at=timezone.now())

    # six days and 23 hours after delivery: still held
    early = holds_release_due(now=delivered + timedelta(days=7) - timedelta(hours=1))
    assert early.released == 0
    assert balance(m(merchant, "pending")) == SAFFRON_SHARE
    assert not Transaction.objects.filter(kind="release").exists()

    # seven days after: released, exactly what was pending for this order
    result = holds_release_due(now=delivered + timedelta(days=7))
    assert (result.released, result.amount_minor) == (1, {"IRR": SAFFRON_SHARE})
    assert legs(f"merchant-order:{mo.pk}:released") == {
        m(merchant, "pending"): SAFFRON_SHARE,
        m(merchant, "available"): -SAFFRON_SHARE,
    }
    assert balance(m(merchant, "pending")) == 0
    assert balance(m(merchant, "available")) == SAFFRON_SHARE
    hold = MerchantOrderSettlement.objects.get(merchant_order=mo)
    assert hold.status == "available" and hold.released_at == delivered + timedelta(days=7)

    # and a later run releases nothing more
    before = keys()
    assert holds_release_due(now=delivered + timedelta(days=30)).released == 0
    assert keys() == before
    assert_ledger_sound()


def test_an_undelivered_order_is_never_released(saffron):
    merchant, _payment, _mo = saffron
    assert holds_release_due(now=timezone.now() + timedelta(days=365)).released == 0
    assert balance(m(merchant, "pending")) == SAFFRON_SHARE


def test_only_the_orders_own_pending_earnings_are_released(bazaar, fee_rules):
    # given two purchases from the same merchant, one delivered long ago, one not
    merchant, product = bazaar[0]
    first = purchase_pay([(product, 1)]).purchase.merchant_orders.get()
    purchase_pay([(product, 1)])
    merchant_order_delivered(merchant_order_id=first.pk, at=timezone.now() - timedelta(days=30))

    holds_release_due(now=timezone.now())

    assert balance(m(merchant, "pending")) == SAFFRON_SHARE
    assert balance(m(merchant, "available")) == SAFFRON_SHARE


@pytest.fixture
def afghanistan(db):
    from oscar.core.loading import get_model

    return get_model("address", "Country").objects.create(
        iso_3166_1_a2="AF",
        iso_3166_1_a3="AFG",
        iso_3166_1_numeric="004",
        printable_name="Afghanistan",
        name="Afghanistan",
        is_shipping_country=True,
    )


def test_a_cross_border_order_also_waits_for_customs(bazaar, fee_rules, afghanistan, hs_codes):
    from customs.services import product_customs_set

    merchant, product = bazaar[2]
    product_customs_set(
        product=product,
        hs_code="080251",
        origin_country="IR",
        net_weight_grams=500,
        customs_description="Pistachios, in shell",
    )
    payment = purchase_pay([(product, 1)], country="AF")
    mo = payment.purchase.merchant_orders.get()
    share = -legs(f"payment:{payment.pk}:captured")[m(merchant, "pending")]
    hold = MerchantOrderSettlement.objects.get(merchant_order=mo)
    assert hold.customs_required is True

    delivered = timezone.now() - timedelta(days=10)
    merchant_order_delivered(merchant_order_id=mo.pk, at=delivered)

    # the return window is over but customs has not released the goods: still held
    assert holds_release_due(now=timezone.now()).released == 0
    assert balance(m(merchant, "pending")) == share

    # customs releases them: the earnings follow on the next run
    settlement_customs_release(merchant_order_id=mo.pk, at=timezone.now() - timedelta(hours=1))
    assert holds_release_due(now=timezone.now()).released == 1
    assert balance(m(merchant, "pending")) == 0
    assert balance(m(merchant, "available")) == share
    assert_ledger_sound()


def test_customs_release_of_an_unknown_merchant_order_names_the_field(db):
    with pytest.raises(ValueError, match="merchant_order_id"):
        settlement_customs_release(merchant_order_id=987654, at=timezone.now())
    assert MerchantOrderSettlement.objects.count() == 0
