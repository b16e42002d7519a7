"""The whole pipeline: a purchase paid and partly refunded through the payment services (the
settlement pipeline posting the ledger as it goes) reconciles with the sandbox with nothing
listed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ledger.models import Transaction
from payments.services import payment_refund
from reconciliation.services import reconciliation_run
from tests.settlement.factories import fee_rules_create, purchase_pay

pytestmark = pytest.mark.django_db


def test_a_paid_and_refunded_purchase_reconciles_cleanly(bazaar, django_user_model):
    # given a three-merchant purchase captured at the sandbox (with its 1.5% fee) and one
    # merchant order refunded, all posted by the settlement pipeline
    fee_rules_create()
    payment = purchase_pay([(product, 1) for _merchant, product in bazaar])
    admin = django_user_model.objects.create_superuser("admin@example.com", password="x")
    merchant_order = payment.purchase.merchant_orders.order_by("sequence").first()
    refund = payment_refund(
        merchant_order_id=merchant_order.pk, reason="damaged", requested_by=admin
    )
    assert refund.status == "succeeded"
    posted = set(
        Transaction.objects.filter(metadata__provider_ref__isnull=False).values_list(
            "kind", flat=True
        )
    )
    assert {"capture", "processor_fee", "refund"} <= posted

    # when today is reconciled
    (run,) = reconciliation_run(gateway_name="sandbox", day=timezone.localdate())

    # then the payment and the refund match, fee included, and nothing is listed
    assert (run.matched_count, run.mismatched_count) == (2, 0)
    assert (run.ledger_only_count, run.processor_only_count) == (0, 0)
    assert (
        run.processor_net_minor
        == run.ledger_net_minor
        == (payment.captured_minor - payment.fee_minor - refund.amount_minor)
    )
    assert run.items.count() == 0
