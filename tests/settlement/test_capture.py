"""Capture and processor-fee postings, the posting contract (``settlement.postings``), replays and
the sweeper."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fees.models import OrderLineFees
from ledger.models import Transaction
from payments.gateways.sandbox import SandboxGateway
from payments.models import Payment, PaymentStatus
from payments.services import payment_capture, payment_refresh, payment_result_apply
from settlement.models import MerchantOrderSettlement
from settlement.postings import (
    AccountBook,
    MerchantOrderParts,
    PartsMismatch,
    capture_legs,
    capture_parts,
)
from settlement.services import payment_postings_sync, postings_post_missing
from tests.settlement.factories import (
    line_fees_ensure,
    payment_authorize_for,
    purchase_pay,
    purchase_place_for,
)
from tests.settlement.ledger import assert_ledger_sound, balance, keys, legs, m

pytestmark = pytest.mark.django_db

# One of each bazaar product: goods, commission 10%, city fee 2% (merchant), VAT 9%, shipping.
SHIPPING = 600_000
SAFFRON = {
    "total": 5_505_000,
    "merchant": 4_560_000,
    "commission": 450_000,
    "fee": 90_000,
    "vat": 405_000,
}
CARPET = {
    "total": 33_300_000,
    "merchant": 27_000_000,
    "commission": 3_000_000,
    "fee": 600_000,
    "vat": 2_700_000,
}
PISTACHIO = {
    "total": 2_780_000,
    "merchant": 2_360_000,
    "commission": 200_000,
    "fee": 40_000,
    "vat": 180_000,
}
ORDERS = [SAFFRON, CARPET, PISTACHIO]
TOTAL = 41_585_000
# The sandbox charges 1.5% of the capture, rounded half up.
FEE = 623_775


def _mos(payment):
    return list(payment.purchase.merchant_orders.order_by("sequence"))


def test_the_capture_is_split_per_merchant_order_by_the_posting_rules(paid, bazaar):
    # given a captured three-merchant purchase (fixture), then
    assert paid.status == PaymentStatus.CAPTURED
    assert paid.captured_minor == TOTAL
    posting = legs(f"payment:{paid.pk}:captured")
    merchants = [merchant for merchant, _product in bazaar]
    assert posting == {
        "processor:sandbox:balance:IRR": TOTAL,
        m(merchants[0], "pending"): -SAFFRON["merchant"],
        m(merchants[1], "pending"): -CARPET["merchant"],
        m(merchants[2], "pending"): -PISTACHIO["merchant"],
        "platform:commission:IRR": -3_650_000,
        "municipality:fee_payable:IRR": -730_000,
        "tax:vat_payable:IRR": -3_285_000,
    }
    txn = Transaction.objects.get(idempotency_key=f"payment:{paid.pk}:captured")
    assert txn.kind == "capture"
    assert txn.metadata["provider_ref"] == paid.provider_ref
    assert txn.metadata["payment_id"] == paid.pk
    # each leg is attributed to its merchant order
    mos = _mos(paid)
    for mo, expected in zip(mos, ORDERS, strict=True):
        attributed = txn.entries.filter(merchant_order=mo)
        assert sum(e.amount_minor for e in attributed if e.amount_minor > 0) == expected["total"]
    # and each merchant order's hold is open, not delivered yet
    holds = MerchantOrderSettlement.objects.order_by("merchant_order")
    assert [(h.merchant_order_id, h.status, h.delivered_at) for h in holds] == [
        (mo.pk, "pending", None) for mo in mos
    ]
    assert_ledger_sound()


def test_the_processor_fee_is_posted_with_the_capture(paid):
    assert paid.fee_minor == FEE
    assert legs(f"payment:{paid.pk}:processor_fee") == {
        "platform:processor_fees:IRR": FEE,
        "processor:sandbox:balance:IRR": -FEE,
    }
    assert balance("processor:sandbox:balance:IRR") == TOTAL - FEE


def test_replaying_every_payment_event_posts_nothing_more(paid):
    before = keys()
    # the processor's answer applied again (a duplicate webhook), a refresh, a capture retry
    result = SandboxGateway().payment_retrieve(provider_ref=paid.provider_ref)
    payment_result_apply(payment_id=paid.pk, result=result, source="event:dup")
    payment_refresh(payment_id=paid.pk, source="test")
    payment_capture(payment_id=paid.pk, source="test")
    assert payment_postings_sync(payment=Payment.objects.get(pk=paid.pk)) == []
    assert postings_post_missing().posted == 0
    assert keys() == before
    assert_ledger_sound()


def test_capture_parts_reads_all_merchant_orders_in_one_query(paid, bazaar):
    mos = _mos(paid)
    with CaptureQueriesContext(connection) as queries:
        parts = capture_parts(merchant_order_ids=[mo.pk for mo in mos])
    assert len(queries) == 1
    merchants = [merchant for merchant, _product in bazaar]
    assert parts == [
        MerchantOrderParts(
            merchant_order_id=mo.pk,
            merchant_id=merchant.pk,
            currency="IRR",
            total_minor=expected["total"],
            merchant_minor=expected["merchant"],
            commission_minor=expected["commission"],
            municipal_fee_minor=expected["fee"],
            vat_minor=expected["vat"],
            duty_minor=0,
        )
        for mo, merchant, expected in zip(mos, merchants, ORDERS, strict=True)
    ]


def test_capture_legs_resolve_each_distinct_account_once(paid):
    parts = capture_parts(merchant_order_ids=[mo.pk for mo in _mos(paid)])
    book = AccountBook()
    with CaptureQueriesContext(connection) as queries:
        built = capture_legs(parts=parts, gateway="sandbox", accounts=book)
        again = capture_legs(parts=parts, gateway="sandbox", accounts=book)
    # processor, 3 pendings, commission, fee, VAT, duties: each looked up once (all exist
    # already except duties, created on first use: a look-up and an insert)
    assert len(queries) <= 8 + 2
    assert sum(leg.amount_minor for leg in built) == 0
    assert [(leg.account.pk, leg.amount_minor) for leg in again] == [
        (leg.account.pk, leg.amount_minor) for leg in built
    ]


def test_a_merchant_order_without_fee_snapshots_is_refused_not_misposted(bazaar, fee_rules):
    # given a placed purchase whose fee snapshot is missing (the fee engine not run)
    payment = payment_authorize_for([(bazaar[0][1], 1)])
    purchase = purchase_place_for(payment)
    mo = purchase.merchant_orders.get()
    OrderLineFees.objects.filter(merchant_order=mo).delete()

    with pytest.raises(PartsMismatch) as excinfo:
        capture_parts(merchant_order_ids=[mo.pk])
    assert excinfo.value.merchant_order_id == mo.pk

    # when the payment is captured, the capture still succeeds for the buyer, but nothing is
    # posted for it yet
    payment = payment_capture(payment_id=payment.pk, source="test")
    assert payment.status == PaymentStatus.CAPTURED
    assert not Transaction.objects.filter(idempotency_key=f"payment:{payment.pk}:captured").exists()
    # (the processor fee does not depend on the split and is posted)
    assert Transaction.objects.filter(
        idempotency_key=f"payment:{payment.pk}:processor_fee"
    ).exists()

    # then once the snapshot exists the sweeper posts it
    assert line_fees_ensure(purchase) == 1
    swept = postings_post_missing()
    assert (swept.payments, swept.posted, swept.failed) == (1, 1, 0)
    assert legs(f"payment:{payment.pk}:captured")["processor:sandbox:balance:IRR"] == (
        mo.total_minor
    )
    assert postings_post_missing().payments == 0
    assert_ledger_sound()


def test_a_payment_captured_before_its_purchase_is_placed_posts_at_placement(bazaar, fee_rules):
    # given a payment the processor captured before the purchase existed
    payment = payment_authorize_for([(bazaar[2][1], 2)])
    SandboxGateway().payment_capture(
        provider_ref=payment.provider_ref, amount=None, idempotency_key=payment.key("capture")
    )
    payment = payment_refresh(payment_id=payment.pk, source="test")
    assert payment.status == PaymentStatus.CAPTURED and payment.purchase_id is None
    assert not Transaction.objects.filter(idempotency_key=f"payment:{payment.pk}:captured").exists()

    # when the purchase is placed (whichever comes last posts)
    purchase = purchase_place_for(payment)

    # then the capture is posted in the placement's transaction
    mo = purchase.merchant_orders.get()
    assert mo.total_minor == 2 * 2_000_000 + 2 * 180_000 + SHIPPING
    assert legs(f"payment:{payment.pk}:captured") == {
        "processor:sandbox:balance:IRR": mo.total_minor,
        m(bazaar[2][0], "pending"): -(2 * 1_760_000 + SHIPPING),
        "platform:commission:IRR": -400_000,
        "municipality:fee_payable:IRR": -80_000,
        "tax:vat_payable:IRR": -360_000,
    }
    assert_ledger_sound()


def test_an_authorised_payment_posts_nothing(bazaar, fee_rules):
    payment = purchase_pay([(bazaar[0][1], 1)], capture=False)
    assert payment.status == PaymentStatus.AUTHORIZED
    assert keys() == []
