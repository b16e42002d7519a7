"""``settlement.bulk.captures_post_bulk``: captured payments posted in batches, each posting
identical to what the per-event path (``payment_capture_post``) posts for the same payment, the
holds opened, and what that path would refuse skipped with the reason."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import count

import pytest
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from fees.models import OrderLineFees
from ledger.models import Account, Entry, Transaction
from ledger.selectors import currency_totals, ledger_check
from payments.models import Payment, PaymentEvent, PaymentStatus
from purchases.models import MerchantOrder, Purchase
from settlement.bulk import captures_post_bulk
from settlement.models import MerchantOrderSettlement
from tests.merchants.factories import MerchantFactory

Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")
Order = get_model("order", "Order")
Line = get_model("order", "Line")
ShippingAddress = get_model("order", "ShippingAddress")

SHIPPING = 50_000
_numbers = count(500_001)


def _fees(base: int) -> dict[str, int]:
    """10% commission, a 2% municipal fee the merchant pays, 10% VAT on top."""
    commission, municipal, vat = base // 10, base * 2 // 100, base // 10
    return {
        "base_minor": base,
        "city_fee_minor": 0,
        "municipal_fee_minor": municipal,
        "commission_minor": commission,
        "vat_minor": vat,
        "duty_minor": 0,
        "gross_minor": base + vat,
        "merchant_net_minor": base - commission - municipal,
    }


def paid_purchase_create(
    *,
    merchants: Sequence,
    lines: Sequence[Sequence[int]],
    status: str = PaymentStatus.CAPTURED,
    gateway: str = "sandbox",
    snapshot: bool = True,
    captured_delta: int = 0,
    country: str | None = None,
) -> Payment:
    """A placed purchase with one merchant order per merchant (``lines[i]``: the goods amount of
    each of merchant i's lines), its fee snapshots (``snapshot=False``: none for the last line),
    and a payment in ``status`` captured in full (plus ``captured_delta``), with its event; the
    orders ship to ``country`` (ISO code; no address when None). Rows are written directly: no
    posting hook runs."""
    number = str(next(_numbers))
    now = timezone.now()
    orders = []
    for merchant, amounts in zip(merchants, lines, strict=True):
        fees = [_fees(a) for a in amounts]
        gross = sum(f["gross_minor"] for f in fees)
        orders.append((merchant, amounts, fees, gross))
    subtotal = sum(sum(amounts) for _, amounts, _, _ in orders)
    vat = sum(f["vat_minor"] for _, _, fees, _ in orders for f in fees)
    total = subtotal + vat + SHIPPING * len(orders)
    purchase = Purchase.objects.create(
        number=number,
        basket=Basket.objects.create(status="Submitted"),
        guest_email="buyer@example.com",
        currency="IRR",
        subtotal_minor=subtotal,
        discount_minor=0,
        shipping_minor=SHIPPING * len(orders),
        vat_minor=vat,
        total_minor=total,
    )
    for sequence, (merchant, amounts, fees, gross) in enumerate(orders, start=1):
        order = Order.objects.create(
            number=f"{number}-{sequence}",
            currency="IRR",
            total_incl_tax=Decimal(gross + SHIPPING),
            total_excl_tax=Decimal(gross + SHIPPING),
            shipping_incl_tax=Decimal(SHIPPING),
            shipping_excl_tax=Decimal(SHIPPING),
            status="Paid",
            guest_email="buyer@example.com",
            date_placed=now,
            shipping_address=_address(country) if country else None,
        )
        mo = MerchantOrder.objects.create(
            purchase=purchase,
            order=order,
            partner=merchant.partner,
            sequence=sequence,
            subtotal_minor=sum(amounts),
            discount_minor=0,
            shipping_minor=SHIPPING,
            vat_minor=sum(f["vat_minor"] for f in fees),
            total_minor=gross + SHIPPING,
        )
        for n, (amount, fee) in enumerate(zip(amounts, fees, strict=True)):
            line = Line.objects.create(
                order=order,
                partner=merchant.partner,
                partner_name=merchant.partner.name,
                partner_sku=f"sku-{number}-{sequence}-{n}",
                title="Sargol saffron, 4.6 g",
                quantity=1,
                line_price_incl_tax=Decimal(amount),
                line_price_excl_tax=Decimal(amount),
                line_price_before_discounts_incl_tax=Decimal(amount),
                line_price_before_discounts_excl_tax=Decimal(amount),
                num_allocated=0,
            )
            last = sequence == len(orders) and n == len(amounts) - 1
            if snapshot or not last:
                OrderLineFees.objects.create(
                    merchant_order=mo, line=line, currency="IRR", quantity=1, **fee
                )
    payment = Payment.objects.create(
        reference=number,
        basket=purchase.basket,
        purchase=purchase,
        gateway=gateway,
        provider_ref=f"pi_{number}",
        status=status,
        amount_minor=total + max(captured_delta, 0),
        currency="IRR",
        captured_minor=total + captured_delta if status != PaymentStatus.AUTHORIZED else 0,
        idempotency_base=f"payment:{number}",
    )
    if payment.captured_minor:
        PaymentEvent.objects.create(
            payment=payment, from_status="authorized", to_status="captured", source="test"
        )
    return payment


def _address(country: str):
    names = {"IR": ("IRN", "364", "Iran"), "DE": ("DEU", "276", "Germany")}
    a3, numeric, name = names[country]
    Country.objects.update_or_create(
        iso_3166_1_a2=country,
        defaults={"iso_3166_1_a3": a3, "iso_3166_1_numeric": numeric, "printable_name": name,
                  "name": name, "is_shipping_country": True},
    )  # fmt: skip
    return ShippingAddress.objects.create(
        first_name="Reza", last_name="Karimi", line1="Imam Reza St 12", line4="Mashhad",
        country_id=country,
    )  # fmt: skip


class _Rollback(Exception):
    pass


def _snapshot(txn: Transaction) -> tuple:
    entries = sorted(
        txn.entries.values_list("account__code", "amount_minor", "currency", "merchant_order_id")
    )
    return (txn.idempotency_key, txn.kind, txn.memo, txn.occurred_at, txn.metadata, entries)


def _per_event_posting(payment: Payment) -> tuple:
    """What the per-event path posts for ``payment``, rolled back afterwards."""
    from settlement.services.payments import payment_capture_post

    snapshot = None
    try:
        with transaction.atomic():
            txn, created = payment_capture_post(payment=payment)
            assert created
            snapshot = _snapshot(txn)
            raise _Rollback
    except _Rollback:
        pass
    assert not Transaction.objects.exists()
    return snapshot


@pytest.fixture
def merchants(db):
    return [MerchantFactory(), MerchantFactory(), MerchantFactory()]


@pytest.mark.django_db
def test_bulk_postings_equal_the_per_event_postings(merchants):
    # Given three paid purchases: one merchant, two merchants, three merchants
    payments = [
        paid_purchase_create(merchants=merchants[:1], lines=[[1_250_000]]),
        paid_purchase_create(merchants=merchants[:2], lines=[[300_000, 70_000], [990_000]]),
        paid_purchase_create(merchants=merchants, lines=[[10_000], [20_000, 30_000], [5_000]]),
    ]
    expected = {p.pk: _per_event_posting(p) for p in payments}

    # When the bulk path posts them
    result = captures_post_bulk()

    # Then each posting is exactly the per-event one (key, kind, memo, time, metadata, entries)
    assert (result.candidates, result.posted, result.already_posted, result.skipped) == (
        3,
        3,
        0,
        {},
    )
    assert (result.merchant_orders, result.entries, result.batches) == (6, 6 * 5, 1)
    for payment in payments:
        txn = Transaction.objects.get(idempotency_key=f"payment:{payment.pk}:captured")
        assert _snapshot(txn) == expected[payment.pk]
        assert txn.metadata["provider_ref"] == payment.provider_ref
        assert txn.metadata["payment_id"] == payment.pk
    assert Entry.objects.count() == 30
    assert ledger_check().violations == []


@pytest.mark.django_db
def test_bulk_moves_exact_balances_and_opens_holds(merchants):
    payment = paid_purchase_create(merchants=merchants[:2], lines=[[300_000, 70_000], [990_000]])

    captures_post_bulk()

    balances = dict(Account.objects.values_list("code", "balance_minor"))
    m1, m2 = (m.pk for m in merchants[:2])
    # Lines 300,000 and 70,000 (merchant 1) and 990,000 (merchant 2): 10% commission, 2%
    # municipal fee paid by the merchant, 10% VAT on top, 50,000 shipping each.
    assert balances == {
        "processor:sandbox:balance:IRR": payment.captured_minor,
        f"merchant:{m1}:pending:IRR": 370_000 - 37_000 - 7_400 + SHIPPING,
        f"merchant:{m2}:pending:IRR": 990_000 - 99_000 - 19_800 + SHIPPING,
        "platform:commission:IRR": 37_000 + 99_000,
        "municipality:fee_payable:IRR": 7_400 + 19_800,
        "tax:vat_payable:IRR": 37_000 + 99_000,
        "customs:duties_payable:IRR": 0,  # resolved for the (zero, dropped) duty legs
    }
    assert payment.captured_minor == 1_360_000 + 136_000 + 2 * SHIPPING
    holds = MerchantOrderSettlement.objects.order_by("merchant_order_id")
    assert [(h.merchant_order_id, h.merchant_id, h.currency, h.status) for h in holds] == [
        (mo.pk, merchant.pk, "IRR", "pending")
        for mo, merchant in zip(
            payment.purchase.merchant_orders.order_by("sequence"), merchants, strict=False
        )
    ]
    assert currency_totals() == {"IRR": 0}


def _holds() -> list[tuple]:
    return list(
        MerchantOrderSettlement.objects.order_by("merchant_order_id").values_list(
            "merchant_order_id", "merchant_id", "currency", "status", "customs_required",
            "delivered_at", "available_on", "customs_released_at", "released_at", "payout_id",
        )
    )  # fmt: skip


@pytest.mark.django_db
def test_bulk_opens_the_holds_the_per_event_path_opens(merchants):
    # Given purchases shipped at home, abroad (customs must release them) and with no address
    payments = [
        paid_purchase_create(merchants=merchants[:2], lines=[[1_000], [2_000]], country="IR"),
        paid_purchase_create(merchants=merchants[1:], lines=[[3_000], [4_000]], country="DE"),
        paid_purchase_create(merchants=merchants[:1], lines=[[5_000]]),
    ]
    expected = None
    try:
        with transaction.atomic():
            from settlement.services.payments import payment_capture_post

            for payment in payments:
                payment_capture_post(payment=payment)
            expected = _holds()
            raise _Rollback
    except _Rollback:
        pass
    assert not MerchantOrderSettlement.objects.exists()

    captures_post_bulk()

    assert _holds() == expected
    assert [customs for _, _, _, _, customs, *_ in expected] == [False, False, True, True, False]


@pytest.mark.django_db
def test_bulk_run_is_idempotent(merchants):
    for _ in range(3):
        paid_purchase_create(merchants=merchants[:1], lines=[[100_000, 200_000]])
    captures_post_bulk()
    balances = dict(Account.objects.values_list("code", "balance_minor"))

    again = captures_post_bulk()

    assert (again.candidates, again.posted, again.entries) == (0, 0, 0)
    assert Transaction.objects.count() == 3
    assert dict(Account.objects.values_list("code", "balance_minor")) == balances


@pytest.mark.django_db
def test_bulk_skips_what_the_per_event_path_would_refuse(merchants):
    # Given one good payment and four that must not be posted by the bulk path
    good = paid_purchase_create(merchants=merchants[:2], lines=[[100_000], [200_000]])
    no_snapshot = paid_purchase_create(merchants=merchants[:2], lines=[[100_000], [1_000, 2_000]],
                                       snapshot=False)  # fmt: skip
    short = paid_purchase_create(merchants=merchants[:1], lines=[[100_000]], captured_delta=-1)
    authorized = paid_purchase_create(
        merchants=merchants[:1], lines=[[100_000]], status=PaymentStatus.AUTHORIZED
    )
    no_fees_at_all = paid_purchase_create(
        merchants=merchants[:1], lines=[[100_000]], snapshot=False
    )

    result = captures_post_bulk()

    # Then only the good one is posted; the others are skipped with the reason, or not
    # candidates at all (not captured; no fee snapshot anywhere in the purchase)
    assert list(Transaction.objects.values_list("idempotency_key", flat=True)) == [
        f"payment:{good.pk}:captured"
    ]
    assert (result.candidates, result.posted) == (3, 1)
    mo = no_snapshot.purchase.merchant_orders.get(sequence=2)
    assert result.skipped == {
        no_snapshot.pk: (
            f"merchant order {mo.pk}: total_minor {mo.total_minor} != sum of fee-snapshot parts"
            f" {mo.total_minor - 2_200} (lines without an OrderLineFees snapshot?)"
        ),
        short.pk: (
            f"payment {short.pk}: captured {short.captured_minor} but the purchase's merchant"
            f" orders total {short.captured_minor + 1}"
        ),
    }
    assert not MerchantOrderSettlement.objects.exclude(
        merchant_order__purchase=good.purchase
    ).exists()
    assert authorized.pk not in result.skipped and no_fees_at_all.pk not in result.skipped
    assert ledger_check().violations == []


@pytest.mark.django_db
def test_bulk_batches_and_a_payment_posted_meanwhile(merchants):
    from settlement.services.payments import payment_capture_post

    payments = [
        paid_purchase_create(merchants=merchants[:1], lines=[[10_000 * (n + 1)]]) for n in range(5)
    ]
    done: list[int] = []

    def progress(handled: int) -> None:
        done.append(handled)
        if len(done) == 1:
            # Between two batches the per-event path posts a payment of the next batch.
            payment_capture_post(payment=payments[2])

    result = captures_post_bulk(batch_size=2, progress=progress)

    assert done == [2, 2, 1]
    assert (result.candidates, result.posted, result.already_posted, result.batches) == (5, 4, 1, 3)
    assert Transaction.objects.count() == 5
    assert ledger_check().violations == []


@pytest.mark.django_db
def test_bulk_refuses_a_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size: must be at least 1"):
        captures_post_bulk(batch_size=0)
