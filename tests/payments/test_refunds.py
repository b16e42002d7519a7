"""Refunds per merchant order: whole or chosen lines, never more than paid, only by those allowed,
the buyer emailed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from marketplace.core.roles import MERCHANT_STAFF, roles_ensure
from payments.exceptions import RefundNotAllowed
from payments.gateways.sandbox import SandboxGateway
from payments.interface import GatewayError
from payments.models import Payment, PaymentStatus, Refund, RefundStatus, SandboxCharge
from payments.services import payment_refund
from payments.tasks import refund_buyer_notify
from purchases.models import MerchantOrder, Purchase
from tests.merchants.factories import UserFactory
from tests.payments.fixtures import CARD_OK, Checkout

pytest_plugins = ["tests.payments.fixtures"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, bazaar, settings):
    """A guest's paid purchase: 1 saffron, 1 rug, 3 pistachios from three merchants."""
    checkout = Checkout(client, bazaar, quantities=[1, 1, 3])
    response = checkout.pay(CARD_OK)
    assert response["Location"] == reverse("checkout:thank-you")
    client.logout()
    purchase = Purchase.objects.get()
    parts = list(purchase.merchant_orders.select_related("order", "partner").order_by("sequence"))
    return purchase, parts


@pytest.fixture
def admin(db):
    return UserFactory(username="admin@example.com", is_superuser=True, is_staff=True)


def merchant_staff(merchant, username):
    roles_ensure()
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=MERCHANT_STAFF))
    merchant.partner.users.add(user)
    return user


def test_an_admin_refunds_a_whole_merchant_order_and_the_buyer_is_emailed(
    paid, admin, settings, django_capture_on_commit_callbacks, queued
):
    _purchase, parts = paid
    carpet = parts[1]

    with django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(merchant_order_id=carpet.pk, reason="damaged", requested_by=admin)

    assert (refund.status, refund.amount_minor, refund.currency) == (
        RefundStatus.SUCCEEDED,
        carpet.total_minor,
        "IRR",
    )
    assert refund.idempotency_key == f"refund:{refund.pk}"
    payment = Payment.objects.get()
    assert (payment.status, payment.refunded_minor) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        carpet.total_minor,
    )
    assert SandboxCharge.objects.get().refunded_minor == carpet.total_minor
    assert ("payments.refund_buyer_notify", (refund.pk,)) in queued

    refund_buyer_notify(refund.pk)
    refund_buyer_notify(refund.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pilgrim@example.com"]
    assert carpet.order.number in mail.outbox[0].subject
    assert f"IRR{carpet.total_minor:,}" in mail.outbox[0].body


def test_merchant_staff_refund_chosen_lines_of_their_own_order_exactly(paid, bazaar, queued):
    _purchase, parts = paid
    pistachios = parts[2]
    staff = merchant_staff(bazaar[2][0], "roastery@example.com")
    line = pistachios.order.lines.get()
    assert line.quantity == 3

    first = payment_refund(
        merchant_order_id=pistachios.pk,
        reason="one bag open",
        requested_by=staff,
        lines=[(line.pk, 1)],
    )
    second = payment_refund(
        merchant_order_id=pistachios.pk, reason="two more", requested_by=staff, lines=[(line.pk, 2)]
    )
    assert (first.amount_minor, second.amount_minor) == (2_000_000, 4_000_000)
    with pytest.raises(RefundNotAllowed):
        payment_refund(
            merchant_order_id=pistachios.pk, reason="x", requested_by=staff, lines=[(line.pk, 1)]
        )
    # what is left is the shipping charge, and a whole-order refund takes exactly that
    rest = payment_refund(merchant_order_id=pistachios.pk, reason="rest", requested_by=staff)
    assert rest.amount_minor == pistachios.shipping_minor
    assert first.amount_minor + second.amount_minor + rest.amount_minor == pistachios.total_minor
    payment = Payment.objects.get()
    assert payment.refunded_minor == pistachios.total_minor


def test_refunding_more_than_is_left_is_refused_and_writes_nothing(paid, admin, queued):
    _purchase, parts = paid
    payment_refund(merchant_order_id=parts[0].pk, reason="all", requested_by=admin)
    before = (Refund.objects.count(), SandboxCharge.objects.get().refunded_minor)
    with pytest.raises(RefundNotAllowed):
        payment_refund(merchant_order_id=parts[0].pk, reason="again", requested_by=admin)
    with pytest.raises(RefundNotAllowed):
        payment_refund(merchant_order_id=parts[1].pk, reason="", requested_by=admin)
    assert (Refund.objects.count(), SandboxCharge.objects.get().refunded_minor) == before


def test_merchant_staff_cannot_refund_another_merchants_order(paid, bazaar, client, queued):
    _purchase, parts = paid
    staff = merchant_staff(bazaar[0][0], "saffron@example.com")
    with pytest.raises(PermissionDenied):
        payment_refund(merchant_order_id=parts[1].pk, reason="x", requested_by=staff)
    client.force_login(staff)
    url = reverse("payments:merchant-order-refund", args=[parts[1].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "scope": "whole"}).status_code == 404
    assert Refund.objects.count() == 0
    # and a buyer or any other signed-in user is refused too
    client.force_login(UserFactory(username="someone@example.com"))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_refund_page_refunds_a_whole_order_for_its_merchant(
    paid, bazaar, client, django_capture_on_commit_callbacks, queued
):
    _purchase, parts = paid
    staff = merchant_staff(bazaar[0][0], "saffron@example.com")
    client.force_login(staff)
    url = reverse("payments:merchant-order-refund", args=[parts[0].pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "Sargol saffron" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "out of season", "scope": "whole"})
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.merchant_order_id, refund.amount_minor, refund.requested_by) == (
        parts[0].pk,
        parts[0].total_minor,
        staff,
    )
    assert MerchantOrder.objects.count() == 3


def test_a_processor_outage_leaves_the_refund_pending_and_queues_a_retry(
    paid, admin, monkeypatch, django_capture_on_commit_callbacks, queued
):
    _purchase, parts = paid

    def down(self, **kwargs):
        raise GatewayError("503", retryable=True)

    monkeypatch.setattr(SandboxGateway, "refund_create", down)
    with django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(merchant_order_id=parts[0].pk, reason="r", requested_by=admin)
    assert refund.status == RefundStatus.PENDING
    assert ("payments.refund_submit_retry", (refund.pk,)) in queued
    assert Payment.objects.get().refunded_minor == 0
    # a second refund cannot spend what the pending one holds
    with pytest.raises(RefundNotAllowed):
        payment_refund(merchant_order_id=parts[0].pk, reason="r", requested_by=admin)


# --- refunds the platform starts ---------------------------------------------------------------


def test_the_platform_refunds_without_a_person_and_records_its_source(
    paid, django_capture_on_commit_callbacks, queued
):
    _purchase, parts = paid
    carpet = parts[1]

    with django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(
            merchant_order_id=carpet.pk,
            reason="Customs rejected declaration CN23-1.",
            requested_by=None,
            source="customs:rejection",
        )

    assert (refund.status, refund.amount_minor) == (RefundStatus.SUCCEEDED, carpet.total_minor)
    assert (refund.requested_by, refund.source) == (None, "customs:rejection")
    assert refund.reason == "Customs rejected declaration CN23-1."
    assert Payment.objects.get().refunded_minor == carpet.total_minor
    event = Payment.objects.get().events.order_by("-pk").first()
    assert (event.actor, event.source) == (None, f"refund:{refund.pk}")


def test_nobody_and_no_known_source_is_refused_and_writes_nothing(paid, queued):
    from django.contrib.auth.models import AnonymousUser

    _purchase, parts = paid
    for requested_by, source in (
        (None, ""),
        (None, "anything:else"),
        (AnonymousUser(), "customs:rejection"),
    ):
        with pytest.raises(PermissionDenied):
            payment_refund(
                merchant_order_id=parts[0].pk,
                reason="x",
                requested_by=requested_by,
                source=source,
            )

    assert Refund.objects.count() == 0
    assert SandboxCharge.objects.get().refunded_minor == 0
    assert Payment.objects.get().refunded_minor == 0


def test_a_person_requested_refund_has_no_source(paid, admin, queued):
    _purchase, parts = paid

    refund = payment_refund(merchant_order_id=parts[0].pk, reason="damaged", requested_by=admin)

    assert (refund.requested_by, refund.source) == (admin, "")
