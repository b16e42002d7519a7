"""Reconciling a day of the sandbox processor against the ledger's processor account.

Payments, refunds and transfers go through the sandbox gateway (its own book of balance
transactions, moved to the day under test); the ledger side is posted per the posting rules with
``metadata["provider_ref"]``. Each test reads given / when / then with exact amounts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from oscar.core.loading import get_model

from ledger.services import transaction_reverse
from marketplace.core.money import Money
from payments.gateways.sandbox import fee_for
from payments.models import Payment, SandboxBalanceTransaction
from reconciliation.models import ReconciliationItem, ReconciliationRun
from reconciliation.services import (
    reconciliation_gateways,
    reconciliation_item_resolve,
    reconciliation_run,
)
from tests.reconciliation.conftest import DAY, NOON, local, sandbox_at, sandbox_capture

Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

AMOUNT = 1_000_000  # IRR
FEE = 15_000  # 1.5% of it, the sandbox's default


def run_of(**kwargs) -> ReconciliationRun:
    runs = reconciliation_run(gateway_name="sandbox", day=DAY, **kwargs)
    assert [run.currency for run in runs] == ["IRR"]
    return runs[0]


def counts(run: ReconciliationRun) -> tuple[int, int, int, int]:
    return (
        run.matched_count,
        run.mismatched_count,
        run.ledger_only_count,
        run.processor_only_count,
    )


def items(run: ReconciliationRun) -> list[tuple]:
    return sorted(
        (i.kind, i.txn_type, i.provider_ref, i.ledger_minor, i.processor_minor, i.ledger_key)
        for i in run.items.all()
    )


def test_the_sandbox_fee_is_one_and_a_half_percent_by_default():
    assert fee_for(AMOUNT) == FEE


def test_a_clean_day_has_no_mismatches(sandbox, books):
    # given a day with a capture and its fee, a partial refund, a payout and part of it taken
    # back, booked alike by the sandbox and by the ledger
    captured = sandbox_capture(sandbox, amount=AMOUNT, key="payment:1")
    assert captured.fee == Money(FEE, "IRR")
    refund = sandbox.refund_create(
        provider_ref=captured.provider_ref,
        amount=Money(200_000, "IRR"),
        reason="one item returned",
        reference="100001-1",
        idempotency_key="refund:1",
    )
    transfer = sandbox.transfer_create(
        amount=Money(500_000, "IRR"),
        destination="sbx_acct_1",
        transfer_group="payout:1",
        source_transaction=captured.provider_ref,
        idempotency_key="payout:1:transfer",
    )
    sandbox.transfer_reverse(
        transfer_ref=transfer.provider_ref,
        amount=Money(100_000, "IRR"),
        idempotency_key="payout:1:reverse",
    )
    sandbox_at(NOON)
    books.capture(payment_id=1, provider_ref=captured.provider_ref, amount=AMOUNT, at=NOON)
    books.fee(payment_id=1, provider_ref=captured.provider_ref, fee=FEE, at=NOON)
    books.refund(refund_id=1, provider_ref=refund.provider_ref, amount=200_000, at=NOON)
    books.payout(payout_id=1, transfer_ref=transfer.provider_ref, amount=500_000, at=NOON)
    books.transfer_reversal(
        payout_id=1, transfer_ref=transfer.provider_ref, amount=100_000, at=NOON
    )

    # when the day is reconciled
    run = run_of()

    # then the four groups (charge, refund, transfer, reversal) match and nothing is listed
    assert (run.gateway, run.currency, run.day, run.status) == ("sandbox", "IRR", DAY, "succeeded")
    assert counts(run) == (4, 0, 0, 0)
    assert (run.processor_count, run.ledger_count) == (4, 5)
    assert run.items.count() == 0
    # and both sides moved the balance by the same net: +1,000,000 −15,000 −200,000 −500,000
    # +100,000
    assert run.processor_net_minor == run.ledger_net_minor == 385_000
    assert (run.period_start, run.period_end) == (local(DAY, 0), local(DAY + timedelta(days=1), 0))


def test_a_capture_missing_from_the_ledger_is_listed(sandbox, books):
    # given a capture the sandbox booked and the ledger did not
    captured = sandbox_capture(sandbox, amount=AMOUNT, key="payment:2")
    sandbox_at(NOON)

    # when the day is reconciled
    run = run_of()

    # then it is missing in the ledger, with the processor's gross
    assert counts(run) == (0, 0, 0, 1)
    assert items(run) == [
        ("missing_in_ledger", "charge", captured.provider_ref, None, AMOUNT, ""),
    ]


def test_a_ledger_capture_the_processor_never_booked_is_listed(sandbox, books):
    # given a capture and its fee in the ledger, and nothing at the sandbox
    books.capture(payment_id=3, provider_ref="sbx_pi_ghost", amount=AMOUNT, at=NOON)
    books.fee(payment_id=3, provider_ref="sbx_pi_ghost", fee=FEE, at=NOON)

    # when the day is reconciled
    run = run_of()

    # then it is missing at the processor, naming our ledger transactions
    assert counts(run) == (0, 0, 1, 0)
    assert items(run) == [
        (
            "missing_at_processor",
            "charge",
            "sbx_pi_ghost",
            AMOUNT,
            None,
            "payment:3:captured, payment:3:processor_fee",
        ),
    ]


def test_a_wrong_amount_is_listed_with_both_figures(sandbox, books):
    # given a capture the ledger booked 10,000 short (its fee right)
    captured = sandbox_capture(sandbox, amount=AMOUNT, key="payment:4")
    sandbox_at(NOON)
    books.capture(payment_id=4, provider_ref=captured.provider_ref, amount=990_000, at=NOON)
    books.fee(payment_id=4, provider_ref=captured.provider_ref, fee=FEE, at=NOON)

    # when the day is reconciled
    run = run_of()

    # then the amounts differ: expected (ledger) 990,000, actual (processor) 1,000,000
    assert counts(run) == (0, 1, 0, 0)
    assert items(run) == [
        ("amount_mismatch", "charge", captured.provider_ref, 990_000, AMOUNT, "payment:4:captured"),
    ]
    item = run.items.get()
    assert item.difference_minor == 10_000
    assert item.processor_refs == SandboxBalanceTransaction.objects.get().provider_ref


def test_a_wrong_or_missing_fee_is_listed(sandbox, books):
    # given two captures: one whose fee the ledger booked as 10,000 instead of 15,000, one
    # whose fee it never booked
    first = sandbox_capture(sandbox, amount=AMOUNT, key="payment:5")
    second = sandbox_capture(sandbox, amount=2 * AMOUNT, key="payment:6")
    sandbox_at(NOON)
    books.capture(payment_id=5, provider_ref=first.provider_ref, amount=AMOUNT, at=NOON)
    books.fee(payment_id=5, provider_ref=first.provider_ref, fee=10_000, at=NOON)
    books.capture(payment_id=6, provider_ref=second.provider_ref, amount=2 * AMOUNT, at=NOON)

    # when the day is reconciled
    run = run_of()

    # then both fees are listed, with the ledger's and the processor's fee
    assert counts(run) == (0, 2, 0, 0)
    assert sorted(items(run)) == sorted(
        [
            ("fee_mismatch", "charge", first.provider_ref, 10_000, FEE, "payment:5:processor_fee"),
            ("fee_mismatch", "charge", second.provider_ref, 0, 2 * FEE, "payment:6:captured"),
        ]
    )


def test_a_reversed_capture_counts_against_its_payment(sandbox, books):
    # given a capture booked, then reversed in the ledger by mistake
    captured = sandbox_capture(sandbox, amount=AMOUNT, key="payment:7")
    sandbox_at(NOON)
    original = books.capture(
        payment_id=7, provider_ref=captured.provider_ref, amount=AMOUNT, at=NOON
    )
    books.fee(payment_id=7, provider_ref=captured.provider_ref, fee=FEE, at=NOON)
    # (the reversal occurs now, months after DAY)
    transaction_reverse(original=original, key="payment:7:captured:reversal")

    # when the capture's day and the reversal's day are reconciled
    run = run_of()
    today = reconciliation_run(gateway_name="sandbox", day=timezone.localdate())[0]

    # then on the capture's day the capture still matches
    assert counts(run) == (1, 0, 0, 0)
    # and on the reversal's day the reversal is the payment's (a −1,000,000 charge movement)
    # that the processor never made
    assert today.ledger_only_count == 1
    assert items(today) == [
        (
            "missing_at_processor",
            "charge",
            captured.provider_ref,
            -AMOUNT,
            None,
            "payment:7:captured:reversal",
        )
    ]


def test_a_posting_without_provider_ref_is_matched_through_its_payment(sandbox, books):
    # given a capture posted without metadata, under the key of a payment that knows its
    # provider reference
    captured = sandbox_capture(sandbox, amount=AMOUNT, key="payment:8")
    sandbox_at(NOON)
    payment = Payment.objects.create(
        reference="100008",
        basket=Basket.objects.create(),
        gateway="sandbox",
        provider_ref=captured.provider_ref,
        amount_minor=AMOUNT,
        currency="IRR",
    )
    books.capture(payment_id=payment.pk, provider_ref="", amount=AMOUNT, at=NOON, metadata={})
    books.fee(payment_id=payment.pk, provider_ref=captured.provider_ref, fee=FEE, at=NOON)

    # when the day is reconciled, then the capture is found through the payment's reference
    assert counts(run_of()) == (1, 0, 0, 0)


def test_day_boundaries_are_tehran_midnight_and_a_group_is_reported_once(sandbox, books):
    # given a capture the sandbox timed 23:59:50 on DAY and the ledger 00:00:05 the next day,
    # and another the sandbox timed 00:00:30 the next day (booked alike)
    late = sandbox_capture(sandbox, amount=AMOUNT, key="payment:9")
    next_day = sandbox_capture(sandbox, amount=2 * AMOUNT, key="payment:10")
    before_midnight = local(DAY, 23, 59, 50)
    after_midnight = local(DAY + timedelta(days=1), 0, 0, 5)
    sandbox_at(before_midnight, source_ref=late.provider_ref)
    sandbox_at(local(DAY + timedelta(days=1), 0, 0, 30), source_ref=next_day.provider_ref)
    for payment_id, result, amount in ((9, late, AMOUNT), (10, next_day, 2 * AMOUNT)):
        books.capture(
            payment_id=payment_id,
            provider_ref=result.provider_ref,
            amount=amount,
            at=after_midnight,
        )
        books.fee(
            payment_id=payment_id,
            provider_ref=result.provider_ref,
            fee=fee_for(amount),
            at=after_midnight,
        )

    # when both days are reconciled
    first = run_of()
    second = reconciliation_run(gateway_name="sandbox", day=DAY + timedelta(days=1))[0]

    # then the late capture matches on DAY (the processor's day), the other on the next day
    assert (counts(first), first.processor_net_minor) == ((1, 0, 0, 0), AMOUNT - FEE)
    assert (counts(second), second.processor_net_minor) == ((1, 0, 0, 0), 2 * (AMOUNT - FEE))
    assert ReconciliationItem.objects.count() == 0


def test_a_rerun_replaces_the_day_and_keeps_resolutions(sandbox, books, django_user_model):
    # given a day with two mismatches: a capture missing from the ledger, a wrong fee
    missing = sandbox_capture(sandbox, amount=AMOUNT, key="payment:11")
    wrong_fee = sandbox_capture(sandbox, amount=AMOUNT, key="payment:12")
    sandbox_at(NOON)
    books.capture(payment_id=12, provider_ref=wrong_fee.provider_ref, amount=AMOUNT, at=NOON)
    books.fee(payment_id=12, provider_ref=wrong_fee.provider_ref, fee=1, at=NOON)
    first = run_of()
    assert counts(first) == (0, 1, 0, 1)
    before = {(i.kind, i.pk) for i in first.items.all()}

    # when it is run again unchanged
    again = run_of()

    # then it is the same run with the same mismatches
    assert again.pk == first.pk and ReconciliationRun.objects.count() == 1
    assert {(i.kind, i.pk) for i in again.items.all()} == before
    assert counts(again) == (0, 1, 0, 1)

    # given finance staff resolved the fee mismatch and the missing capture was then posted
    officer = django_user_model.objects.create_user("finance@example.com", password="x")
    fee_item = again.items.get(kind="fee_mismatch")
    reconciliation_item_resolve(item_id=fee_item.pk, actor=officer, note="Refund of 14,999 asked")
    books.capture(payment_id=11, provider_ref=missing.provider_ref, amount=AMOUNT, at=NOON)
    books.fee(payment_id=11, provider_ref=missing.provider_ref, fee=FEE, at=NOON)

    # when it is run a third time
    third = run_of()

    # then the fixed capture matches and its mismatch is gone; the resolved one stays resolved
    assert third.pk == first.pk
    assert counts(third) == (1, 1, 0, 0)
    kept = third.items.get()
    assert (kept.pk, kept.kind, kept.resolved_by, kept.resolution_note) == (
        fee_item.pk,
        "fee_mismatch",
        officer,
        "Refund of 14,999 asked",
    )


def test_resolving_needs_a_note_and_happens_once(sandbox, books, django_user_model):
    sandbox_capture(sandbox, amount=AMOUNT, key="payment:13")
    sandbox_at(NOON)
    item = run_of().items.get()
    officer = django_user_model.objects.create_user("finance@example.com", password="x")

    # a blank note is refused, naming the field, and nothing is written
    with pytest.raises(ValidationError) as caught:
        reconciliation_item_resolve(item_id=item.pk, actor=officer, note="   ")
    assert list(caught.value.message_dict) == ["note"]
    item.refresh_from_db()
    assert (item.resolved_at, item.resolution_note) == (None, "")

    # a note resolves it; resolving again is refused and changes nothing
    reconciliation_item_resolve(item_id=item.pk, actor=officer, note="Booked by hand")
    with pytest.raises(ValidationError):
        reconciliation_item_resolve(item_id=item.pk, actor=officer, note="Twice")
    item.refresh_from_db()
    assert (item.resolved_by, item.resolution_note) == (officer, "Booked by hand")


def test_every_currency_either_side_used_gets_a_run(sandbox, books, settings):
    # given a USD capture at the sandbox in an IRR marketplace
    captured = sandbox_capture(sandbox, amount=12_500, key="payment:14", currency="USD")
    sandbox_at(NOON)

    # when the day is reconciled
    runs = reconciliation_run(gateway_name="sandbox", day=DAY)

    # then IRR (the marketplace's, clean) and USD (the capture, missing in the ledger) each run
    assert [(r.currency, counts(r)) for r in runs] == [
        ("IRR", (0, 0, 0, 0)),
        ("USD", (0, 0, 0, 1)),
    ]
    assert runs[1].items.get().provider_ref == captured.provider_ref


def test_configured_gateways(settings):
    settings.RECONCILIATION_GATEWAYS = []
    settings.STRIPE_SECRET_KEY = ""
    assert reconciliation_gateways() == ["sandbox"]
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert reconciliation_gateways() == ["sandbox", "stripe"]
    settings.RECONCILIATION_GATEWAYS = ["Stripe"]
    assert reconciliation_gateways() == ["stripe"]
    settings.RECONCILIATION_GATEWAYS = ["paypal"]
    with pytest.raises(ImproperlyConfigured, match="paypal"):
        reconciliation_gateways()


def test_an_unknown_gateway_is_refused_and_nothing_is_written():
    with pytest.raises(ImproperlyConfigured):
        reconciliation_run(gateway_name="paypal", day=DAY)
    assert ReconciliationRun.objects.count() == 0
