"""A Hypothesis stateful model of the settlement pipeline (issue #5, "Tests must show").

Random histories, each starting with one paid purchase, of: paying for a purchase (1-3
merchants, 1-4 lines, random quantities, shipped in Iran or to Afghanistan, under fee rules of
every shape: commission with a minimum and a maximum, overridden for one merchant; a city fee
paid by the buyer, borne by one merchant as a fixed amount per unit, exempt for one category;
VAT, zero-rated on exports; duties on exports), refunds of a merchant order (chosen lines or all
that is left through ``payments.services.payment_refund``, any amount through
``refund_submit``), disputes opened then won or lost (the sandbox's ``dispute_open`` /
``dispute_close``; our payment learns it from the signed webhook, or re-fetches it first and
then gets the webhook), fulfilment (delivered through the dashboard's status pipeline or
recorded directly, customs releasing exports, a fake clock moved past the return window, the
release job), payouts (``payouts_build``, ``payouts_submit`` with the sandbox, a transfer
refused), merchants suspended and reinstated, the daily ``settlement_run``, and duplicated
events: any posting, webhook delivery, stored provider event, refund, capture, delivery, customs
release, hold release, transfer or payout failure applied before, applied again. Everything goes
through the real services, the sandbox gateway and PostgreSQL; nothing is mocked.

After every step:

- every transaction balances (the deferred balance trigger is fired as a commit would), the
  entries of each currency sum to 0 and ``ledger_check()`` finds no violation (cached balances
  equal balances recomputed from entries);
- no merchant account is below zero; a build pays out exactly the merchant's available balance
  read just before it, after netting what the merchant owes, and only from the minimum on (a
  suspended merchant's is held); each payout reserved exactly its amount from available; money
  in transit is exactly what the open payouts carry;
- every merchant order's fee-snapshot parts sum to each line's gross, every line has its
  snapshot, the lines' gross plus shipping is the order's total, the orders of a purchase add
  up to what was charged;
- the ledger agrees with the model: what is still outstanding on each order (and no part of it
  below zero), the payment's status and refunded amount, disputed funds, each order's pending
  earnings and hold (delivery, customs, release), and the processor's own book of the
  platform's balance (the reconciliation: ledger processor account = sandbox balance);
- the ledger holds every posting the payments' state implies (nothing left for the sweeper).

A replay (the ``replay`` rule, and the second of the two runs in ``settle``) must change
nothing: ledger, payments, refunds, holds, payouts, the processor's book (``world()``).

Isolation: the test is ``django_db(transaction=True)``, so the shop (merchants, products, fee
rules, customs data) is committed once, and each Hypothesis example runs inside one
``transaction.atomic()`` that ``teardown`` rolls back: every example starts from the same empty
ledger at no cost (truncating the tables between examples costs seconds each). The services' own
atomic blocks nest as savepoints, as they do under pytest-django's ``db`` fixture. Nothing the
model checks needs a commit: webhooks the sandbox queues with ``transaction.on_commit`` are
captured and delivered by the model itself (then processed as the worker's task does), other
work queued on commit (Celery tasks, emails) is dropped with the rollback, so nothing reaches
the broker, and the deferred constraint triggers a commit would run are fired after every step
with ``SET CONSTRAINTS ALL IMMEDIATE``.

Runs: the default profile (15 examples of up to 12 steps) is CI's: about 30-45 s for this test
on two cores. A longer opt-in run, ``HYPOTHESIS_PROFILE=thorough`` (300 examples of up to 30
steps, about 25 minutes)::

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest -p no:cacheprovider \\
        tests/settlement/test_stateful.py

A failure prints the shortest history found and a ``@reproduce_failure`` blob to replay it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from customs.services import product_customs_set
from fees.models import OrderLineFees
from ledger.models import Account, AccountKind, Entry, Party, Transaction
from ledger.selectors import currency_totals, ledger_check
from merchants.services import merchant_reinstate, merchant_suspend
from payments.exceptions import RefundNotAllowed
from payments.gateways.sandbox import SandboxGateway
from payments.models import (
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    SandboxBalanceTransaction,
    SandboxCharge,
)
from payments.services import (
    payment_capture,
    payment_refresh,
    payment_refund,
    provider_event_handle,
    refund_submit,
)
from purchases.models import MerchantOrder
from settlement.models import (
    HoldStatus,
    MerchantOrderSettlement,
    Payout,
    PayoutEvent,
    PayoutStatus,
)
from settlement.services import (
    dispute_lost_post,
    dispute_opened_post,
    dispute_won_post,
    hold_release,
    holds_release_due,
    merchant_order_delivered,
    payment_capture_post,
    payment_fee_post,
    payment_postings_sync,
    payout_fail,
    payout_paid_record,
    payout_submit,
    payouts_build,
    payouts_submit,
    postings_post_missing,
    refund_post,
    settlement_customs_release,
    settlement_run,
)
from tests.customs.factories import country_ensure, customs_rules_ensure
from tests.merchants.factories import UserFactory
from tests.search.factories import CategoryFactory
from tests.settlement.factories import (
    fee_rules_mixed_create,
    product_add,
    provider_events_process,
    purchase_pay,
    refund_amount_submit,
    sandbox_webhooks_capture,
)
from tests.settlement.ledger import legs
from tests.shop import bazaar_create

# --- profiles ---------------------------------------------------------------------------------

CI = settings(
    max_examples=15,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)
THOROUGH = settings(CI, max_examples=300, stateful_step_count=30)
PROFILE = THOROUGH if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else CI

HOLD_DAYS = 7
#: Purchases per example: enough for interleavings, bounded so CI stays quick.
MAX_PURCHASES = 5
REFUNDABLE = {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED}
OPEN_PAYOUTS = [PayoutStatus.CREATED, PayoutStatus.SUBMITTED]


# --- the shop every example starts from -------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    merchants: list[Any]
    #: (merchant, product): the bazaar's three, a second product of the saffron house (an odd
    #: price), and almonds of the pistachio roastery in a category exempt from the city fee.
    products: list[tuple[Any, Any]]
    admin: Any


@pytest.fixture
def shop(iran) -> Shop:
    # Shipping to Afghanistan too: customs' seed rules (the flush of transactional tests
    # empties them) and every product's customs data.
    customs_rules_ensure()
    country_ensure("AF")
    goods = bazaar_create(stock=100_000)
    merchants = [merchant for merchant, _product in goods]
    dried_fruit = CategoryFactory(name="Dried fruit")
    extra = [
        (
            merchants[0],
            product_add(merchants[0], title="Saffron threads 1 g", price=1_234_567, stock=100_000),
        ),
        (
            merchants[2],
            product_add(
                merchants[2],
                title="Roasted almonds 250 g",
                price=333_333,
                stock=100_000,
                categories=[dried_fruit],
            ),
        ),
    ]
    fee_rules_mixed_create(merchants=merchants, exempt_category=dried_fruit)
    hs_codes = ["091020", "570110", "080251", "091020", "080212"]
    for (_merchant, product), hs_code in zip([*goods, *extra], hs_codes, strict=True):
        product_customs_set(
            product=product,
            hs_code=hs_code,
            origin_country="IR",
            net_weight_grams=500,
            customs_description=f"Goods of heading {hs_code[:4]}",
        )
    return Shop(
        merchants=merchants,
        products=[*goods, *extra],
        admin=UserFactory(is_staff=True, is_superuser=True),
    )


# --- reading the world ------------------------------------------------------------------------


def world() -> dict[str, Any]:
    """Everything a replayed event must leave as it was (the webhook inbox excepted: it records
    deliveries, not money)."""
    return {
        "transactions": sorted(Transaction.objects.values_list("idempotency_key", flat=True)),
        "entries": Entry.objects.count(),
        "balances": {
            code: balance
            for code, balance in Account.objects.values_list("code", "balance_minor")
            if balance
        },
        "payments": list(
            Payment.objects.order_by("pk").values_list(
                "pk", "status", "captured_minor", "refunded_minor", "fee_minor"
            )
        ),
        "payment_events": PaymentEvent.objects.count(),
        "refunds": list(Refund.objects.order_by("pk").values_list("pk", "status", "amount_minor")),
        "holds": list(
            MerchantOrderSettlement.objects.order_by("pk").values_list(
                "pk", "status", "delivered_at", "available_on", "released_at", "payout_id"
            )
        ),
        "payouts": list(
            Payout.objects.order_by("pk").values_list(
                "pk", "status", "amount_minor", "transfer_ref", "attempts"
            )
        ),
        "payout_events": PayoutEvent.objects.count(),
        "processor_book": list(
            SandboxBalanceTransaction.objects.order_by("pk").values_list(
                "provider_ref", "amount_minor", "fee_minor"
            )
        ),
        "charges": list(
            SandboxCharge.objects.order_by("pk").values_list(
                "provider_ref", "status", "captured_minor", "refunded_minor", "dispute_status"
            )
        ),
    }


def merchant_balances() -> dict[tuple[int, str], int]:
    """{(merchant id, kind): balance} of every merchant account (IRR)."""
    return {
        (merchant_id, kind): balance
        for merchant_id, kind, balance in Account.objects.filter(
            party=Party.MERCHANT, currency="IRR"
        ).values_list("merchant_id", "kind", "balance_minor")
    }


def pending_by_order() -> dict[int, int]:
    """What each merchant order still has in its merchant's pending balance (credit side)."""
    return {
        mo: -int(total)
        for mo, total in Entry.objects.filter(account__kind=AccountKind.PENDING)
        .values("merchant_order_id")
        .annotate(total=Sum("amount_minor"))
        .values_list("merchant_order_id", "total")
    }


PROCESSOR = "processor:sandbox:balance:IRR"


def code(kind: str) -> str:
    """A platform account's code: ``platform:<kind>:IRR``."""
    return f"platform:{kind}:IRR"


def money_to_pay_out() -> bool:
    """Whether some merchant has money available or owes some: a payout build has work."""
    return Account.objects.filter(
        party=Party.MERCHANT,
        kind__in=[AccountKind.AVAILABLE, AccountKind.RECEIVABLE],
        balance_minor__gt=0,
    ).exists()


def balance_of(account_code: str) -> int:
    return (
        Account.objects.filter(code=account_code).values_list("balance_minor", flat=True).first()
        or 0
    )


# --- the model --------------------------------------------------------------------------------


@dataclass
class PaymentModel:
    provider_ref: str
    captured: int
    orders: list[int]
    status: str = PaymentStatus.CAPTURED
    refunded: int = 0
    dispute: str = ""  # "", "open", "won", "lost"
    disputed_minor: int = 0  # what the processor withdrew when the dispute opened


@dataclass
class OrderModel:
    payment: int
    merchant_id: int
    total: int
    lines: dict[int, int]  # order line pk -> quantity still refundable
    customs_required: bool  # shipped abroad: the hold also waits for customs
    refunded: int = 0
    delivered_at: Any = None
    customs_released_at: Any = None
    released: bool = False

    @property
    def left(self) -> int:
        return self.total - self.refunded


@dataclass
class Replay:
    label: str
    run: Callable[[], Any]

    def __repr__(self) -> str:
        return self.label


class SettlementModel(RuleBasedStateMachine):
    """See the module docstring. ``shop`` is set by the test (a subclass per test run)."""

    shop: Shop

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._settings: Any = None
        # The model's clock, only ever moved forward by ``time_passes``; an hour ahead of the
        # real one, which stamps deliveries made through the dashboard.
        self.now = timezone.now() + timedelta(hours=1)
        self.minimum = 1
        self.payments: dict[int, PaymentModel] = {}
        self.orders: dict[int, OrderModel] = {}
        self.suspended: set[int] = set()
        self.replays: list[Replay] = []

    def teardown(self) -> None:
        try:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
        finally:
            if self._settings is not None:
                self._settings.disable()

    # --- helpers ------------------------------------------------------------------------------

    def remember(self, label: str, run: Callable[[], Any]) -> None:
        self.replays.append(Replay(f"{len(self.replays):03d} {label}", run))

    def deliver(self, deliveries: list[Any], what: str) -> None:
        """Deliver the sandbox's webhooks queued by the step and process them as the worker
        would; each delivery, and each stored event handled again, becomes a replay."""
        from payments.models import ProviderEvent

        last = ProviderEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for delivery in deliveries:
            delivery()
        provider_events_process()
        for n, delivery in enumerate(deliveries):

            def again(delivery: Any = delivery) -> None:
                delivery()
                provider_events_process()

            self.remember(f"webhook {n} of {what} delivered again", again)
        for pk in ProviderEvent.objects.filter(pk__gt=last).values_list("pk", flat=True):
            self.remember(
                f"provider event {pk} ({what}) handled again",
                lambda pk=pk: provider_event_handle(event_id=pk),
            )

    def trading_products(self) -> list[Any]:
        return [p for m, p in self.shop.products if m.pk not in self.suspended]

    def refundable(self, *, lines: bool = False) -> list[int]:
        return [
            mo
            for mo, o in self.orders.items()
            if o.left > 0
            and self.payments[o.payment].status in REFUNDABLE
            and (not lines or any(o.lines.values()))
        ]

    def refund_record(self, mo: int, refund: Refund, what: str) -> None:
        """The model's side of a succeeded refund, and its replays."""
        assert refund.status == "succeeded", refund.failure_reason
        o = self.orders[mo]
        p = self.payments[o.payment]
        o.refunded += refund.amount_minor
        for line in refund.lines or []:
            o.lines[int(line["line_id"])] -= int(line["quantity"])
        p.refunded += refund.amount_minor
        p.status = (
            PaymentStatus.REFUNDED if p.refunded == p.captured else PaymentStatus.PARTIALLY_REFUNDED
        )
        # the refund's posting took exactly the refund from the processor balance
        assert legs(f"refund:{refund.pk}:succeeded")[PROCESSOR] == (-refund.amount_minor)
        self.remember(
            f"refund_post({what} {refund.pk})",
            lambda pk=refund.pk: refund_post(refund=Refund.objects.get(pk=pk)),
        )
        self.remember(
            f"refund_submit({what} {refund.pk})", lambda pk=refund.pk: refund_submit(refund_id=pk)
        )

    def due(self) -> list[int]:
        """Merchant orders whose return window is over by now and whose hold is not released."""
        return [
            mo
            for mo, o in self.orders.items()
            if o.delivered_at is not None
            and not o.released
            and o.delivered_at + timedelta(days=HOLD_DAYS) <= self.now
            and (not o.customs_required or o.customs_released_at is not None)
        ]

    def released_record(self, due: list[int], pending_before: dict[int, int]) -> None:
        holds = dict(
            MerchantOrderSettlement.objects.filter(merchant_order_id__in=due).values_list(
                "merchant_order_id", "pk"
            )
        )
        pending = pending_by_order()
        for mo in due:
            self.orders[mo].released = True
            # all that was pending of the order moved to available, under its own key
            assert pending.get(mo, 0) == 0
            moved = pending_before.get(mo, 0)
            key = f"merchant-order:{mo}:released"
            if moved:
                assert legs(key) == {
                    f"merchant:{self.orders[mo].merchant_id}:pending:IRR": moved,
                    f"merchant:{self.orders[mo].merchant_id}:available:IRR": -moved,
                }
            else:
                assert not Transaction.objects.filter(idempotency_key=key).exists()
            now = self.now
            self.remember(
                f"hold_release(order {mo})",
                lambda pk=holds[mo], now=now: hold_release(hold_id=pk, now=now),
            )

    def payouts_expected(self) -> dict[int, tuple[int, int]]:
        """Per merchant, (what a build now pays out or holds, what it nets), from the balances
        read before it."""
        balances = merchant_balances()
        expected = {}
        for merchant in self.shop.merchants:
            available = balances.get((merchant.pk, AccountKind.AVAILABLE), 0)
            owed = balances.get((merchant.pk, AccountKind.RECEIVABLE), 0)
            netted = min(available, owed)
            expected[merchant.pk] = (available - netted, netted)
        return expected

    def payouts_built_check(
        self,
        expected: dict[int, tuple[int, int]],
        before: dict[tuple[int, str], int],
        known: set[int],
        in_flight: set[int],
    ) -> None:
        """After a build: what each merchant owed was netted against its available balance;
        a trading merchant with no payout in flight got one for exactly the rest when that
        reached the minimum (reserved: available -> in transit), a suspended one has it held."""
        after = merchant_balances()
        new = Payout.objects.exclude(pk__in=known)
        for merchant in self.shop.merchants:
            rest, netted = expected[merchant.pk]
            mine = list(new.filter(merchant=merchant).exclude(status=PayoutStatus.HELD))
            trading = merchant.pk not in self.suspended
            owed_before = before.get((merchant.pk, AccountKind.RECEIVABLE), 0)
            assert after.get((merchant.pk, AccountKind.RECEIVABLE), 0) == owed_before - netted
            if trading and merchant.pk not in in_flight and rest >= max(self.minimum, 1):
                (payout,) = mine
                assert (payout.amount_minor, payout.status) == (rest, PayoutStatus.CREATED)
                assert legs(f"payout:{payout.pk}:reserved") == {
                    f"merchant:{merchant.pk}:available:IRR": rest,
                    code("in_transit"): -rest,
                }
                assert after.get((merchant.pk, AccountKind.AVAILABLE), 0) == 0
            else:
                assert mine == []
                assert after.get((merchant.pk, AccountKind.AVAILABLE), 0) == rest
            held = Payout.objects.filter(merchant=merchant, status=PayoutStatus.HELD).first()
            if rest > 0 and merchant.pk not in in_flight:
                # suspended: held for exactly what is available; trading again: canceled
                assert (held.amount_minor if held else None) == (None if trading else rest)

    # --- rules --------------------------------------------------------------------------------

    @initialize(
        policy=st.sampled_from(["refund", "keep"]),
        minimum=st.sampled_from([1, 3_000_000]),
        data=st.data(),
    )
    def configure_and_pay(self, policy: str, minimum: int, data: st.DataObject) -> None:
        """Every history starts with the settings drawn and one paid purchase."""
        self.minimum = minimum
        self._settings = override_settings(
            SETTLEMENT_COMMISSION_REFUND=policy,
            SETTLEMENT_PAYOUT_MINIMUM_MINOR=minimum,
            SETTLEMENT_PAYOUT_GATEWAY="sandbox",
            SETTLEMENT_HOLD_DAYS=HOLD_DAYS,
        )
        self._settings.enable()
        self.purchase(data)

    @precondition(lambda self: len(self.payments) < MAX_PURCHASES and self.trading_products())
    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        self.purchase(data)

    def purchase(self, data: st.DataObject) -> None:
        products = self.trading_products()
        chosen = data.draw(
            st.lists(st.sampled_from(products), min_size=1, max_size=4, unique_by=lambda p: p.pk),
            label="products",
        )
        items = [(p, data.draw(st.integers(1, 3), label=f"quantity of {p.title}")) for p in chosen]
        country = data.draw(st.sampled_from(["IR", "IR", "AF"]), label="shipped to")

        with sandbox_webhooks_capture() as hooks:
            payment = purchase_pay(items, country=country)
        pid = payment.pk
        self.deliver(hooks, f"payment {pid}")

        payment.refresh_from_db()
        mos = list(
            MerchantOrder.objects.filter(purchase_id=payment.purchase_id)
            .select_related("partner__merchant")
            .order_by("pk")
        )
        assert payment.status == PaymentStatus.CAPTURED
        assert payment.captured_minor == payment.amount_minor == sum(mo.total_minor for mo in mos)
        self.payments[pid] = PaymentModel(
            provider_ref=payment.provider_ref,
            captured=payment.captured_minor,
            orders=[mo.pk for mo in mos],
        )
        for mo in mos:
            self.orders[mo.pk] = OrderModel(
                payment=pid,
                merchant_id=mo.partner.merchant.pk,
                total=mo.total_minor,
                lines=dict(mo.order.lines.values_list("pk", "quantity")),
                customs_required=country != "IR",
            )
            if country != "IR":  # an export: zero-rated, and the hold waits for customs
                assert mo.vat_minor == 0
                assert mo.settlement.customs_required
        # the capture split each order: the processor got the total, each merchant its lines'
        # net plus shipping (one merchant order per merchant), the rest to the others
        captured = legs(f"payment:{pid}:captured")
        assert captured[PROCESSOR] == payment.captured_minor
        for mo in mos:
            net = mo.line_fees.aggregate(t=Sum("merchant_net_minor"))["t"]
            share = captured.get(f"merchant:{mo.partner.merchant.pk}:pending:IRR", 0)
            assert share == -(net + mo.shipping_minor), mo.pk
        assert legs(f"payment:{pid}:processor_fee") == {
            code("processor_fees"): payment.fee_minor,
            PROCESSOR: -payment.fee_minor,
        }

        def fresh() -> Payment:
            return Payment.objects.get(pk=pid)

        def sync() -> None:
            with transaction.atomic():
                assert (
                    payment_postings_sync(payment=Payment.objects.select_for_update().get(pk=pid))
                    == []
                )

        def sweep() -> None:
            result = postings_post_missing()
            assert (result.posted, result.failed) == (0, 0)

        self.remember(f"payment_capture_post({pid})", lambda: payment_capture_post(payment=fresh()))
        self.remember(f"payment_fee_post({pid})", lambda: payment_fee_post(payment=fresh()))
        self.remember(f"payment_postings_sync({pid})", sync)
        self.remember(f"postings_post_missing after payment {pid}", sweep)
        self.remember(
            f"payment_refresh({pid})",
            lambda: payment_refresh(payment_id=pid, source="event:replay"),
        )
        self.remember(
            f"payment_capture({pid}) again",
            lambda: payment_capture(payment_id=pid, source="replay"),
        )

    @precondition(lambda self: self.refundable())
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        """Staff refund a merchant order: chosen lines (``payment_refund``), all that is left of
        it (``payment_refund`` without lines), or any amount (a goodwill refund sent through
        ``refund_submit``)."""
        kinds = ["amount", "rest"] + (["lines"] if self.refundable(lines=True) else [])
        kind = data.draw(st.sampled_from(kinds), label="refund of")
        mo = data.draw(st.sampled_from(self.refundable(lines=kind == "lines")), label="order")
        o = self.orders[mo]
        if kind == "amount":
            amount = data.draw(st.integers(1, o.left), label="amount")
            with sandbox_webhooks_capture() as hooks:
                refund = refund_amount_submit(
                    payment=Payment.objects.get(pk=o.payment),
                    merchant_order=MerchantOrder.objects.get(pk=mo),
                    amount=amount,
                    by=self.shop.admin,
                )
            assert refund.amount_minor == amount
        elif kind == "rest":
            left = o.left
            with sandbox_webhooks_capture() as hooks:
                refund = payment_refund(
                    merchant_order_id=mo, reason="cancelled", requested_by=self.shop.admin
                )
            assert refund.amount_minor == left
        else:
            open_lines = sorted(pk for pk, left in o.lines.items() if left > 0)
            chosen = data.draw(
                st.lists(st.sampled_from(open_lines), min_size=1, unique=True), label="lines"
            )
            lines = [
                (pk, data.draw(st.integers(1, o.lines[pk]), label="quantity")) for pk in chosen
            ]
            before = world()
            try:
                with sandbox_webhooks_capture() as hooks:
                    refund = payment_refund(
                        merchant_order_id=mo,
                        reason="returned",
                        requested_by=self.shop.admin,
                        lines=lines,
                    )
            except RefundNotAllowed:
                # a goodwill refund left less than these lines cost: refused, nothing written
                assert world() == before
                return
        self.deliver(hooks, f"refund {refund.pk}")
        self.refund_record(mo, refund, f"refund of {kind}")
        if kind == "rest":
            assert self.orders[mo].left == 0

    @precondition(lambda self: any(not p.dispute for p in self.payments.values()))
    @rule(data=st.data())
    def dispute_open(self, data: st.DataObject) -> None:
        pid = data.draw(
            st.sampled_from(sorted(pk for pk, p in self.payments.items() if not p.dispute)),
            label="payment",
        )
        refresh_first = data.draw(st.booleans(), label="payment re-fetched before the webhook")
        p = self.payments[pid]
        with sandbox_webhooks_capture() as hooks:
            SandboxGateway().dispute_open(provider_ref=p.provider_ref)
        if refresh_first:
            payment_refresh(payment_id=pid, source="event:test")
        self.deliver(hooks, f"dispute opened on payment {pid}")
        p.dispute = "open"
        if p.status in REFUNDABLE:
            p.status = PaymentStatus.DISPUTED
            p.disputed_minor = sum(self.orders[mo].left for mo in p.orders)
            # the processor withdrew what was left of the payment: held in platform:disputes
            assert legs(f"payment:{pid}:dispute_opened")[code("disputes")] == p.disputed_minor
            self.remember(
                f"dispute_opened_post({pid})",
                lambda: dispute_opened_post(payment=Payment.objects.get(pk=pid)),
            )
        # else: a dispute of a payment refunded in full changes nothing of ours

    @precondition(lambda self: any(p.dispute == "open" for p in self.payments.values()))
    @rule(data=st.data())
    def dispute_close(self, data: st.DataObject) -> None:
        pid = data.draw(
            st.sampled_from(sorted(pk for pk, p in self.payments.items() if p.dispute == "open")),
            label="payment",
        )
        won = data.draw(st.booleans(), label="won")
        refresh_first = data.draw(st.booleans(), label="payment re-fetched before the webhook")
        p = self.payments[pid]
        with sandbox_webhooks_capture() as hooks:
            SandboxGateway().dispute_close(provider_ref=p.provider_ref, won=won)
        if refresh_first:
            payment_refresh(payment_id=pid, source="event:test")
        self.deliver(hooks, f"dispute closed on payment {pid}")
        p.dispute = "won" if won else "lost"
        if p.status != PaymentStatus.DISPUTED:
            return
        p.status = PaymentStatus.DISPUTE_WON if won else PaymentStatus.DISPUTE_LOST
        outcome = p.dispute
        posted = legs(f"payment:{pid}:dispute_{outcome}")
        assert posted[code("disputes")] == -p.disputed_minor
        if won:
            assert posted[PROCESSOR] == p.disputed_minor
        post = dispute_won_post if won else dispute_lost_post
        self.remember(
            f"dispute_{outcome}_post({pid})",
            lambda: post(payment=Payment.objects.get(pk=pid)),
        )

    @precondition(lambda self: any(o.delivered_at is None for o in self.orders.values()))
    @rule(data=st.data())
    def deliver_order(self, data: st.DataObject) -> None:
        """The merchant delivers an order: through the dashboard's status pipeline (Oscar's
        ``set_status``, whose signal records it at the real time), or recorded directly at the
        model's time."""
        mo = data.draw(
            st.sampled_from(sorted(mo for mo, o in self.orders.items() if o.delivered_at is None)),
            label="merchant order",
        )
        if data.draw(st.booleans(), label="through the dashboard's status pipeline"):
            order = MerchantOrder.objects.select_related("order").get(pk=mo).order
            for status in ("Processing", "Shipped", "Delivered"):
                order.set_status(status)
            at = MerchantOrderSettlement.objects.get(merchant_order_id=mo).delivered_at
            assert at is not None and at <= self.now
        else:
            at = self.now
            merchant_order_delivered(merchant_order_id=mo, at=at)
        hold = MerchantOrderSettlement.objects.get(merchant_order_id=mo)
        assert (hold.delivered_at, hold.available_on) == (at, at + timedelta(days=HOLD_DAYS))
        self.orders[mo].delivered_at = at
        self.remember(
            f"merchant_order_delivered({mo})",
            lambda: merchant_order_delivered(merchant_order_id=mo, at=self.now),
        )

    @precondition(
        lambda self: any(
            o.customs_required and o.customs_released_at is None for o in self.orders.values()
        )
    )
    @rule(data=st.data())
    def customs_release(self, data: st.DataObject) -> None:
        mo = data.draw(
            st.sampled_from(
                sorted(
                    mo
                    for mo, o in self.orders.items()
                    if o.customs_required and o.customs_released_at is None
                )
            ),
            label="merchant order",
        )
        at = self.now
        hold = settlement_customs_release(merchant_order_id=mo, at=at)
        assert hold.customs_released_at == at
        self.orders[mo].customs_released_at = at
        self.remember(
            f"settlement_customs_release({mo})",
            lambda: settlement_customs_release(merchant_order_id=mo, at=self.now),
        )

    @rule(days=st.integers(1, 2 * HOLD_DAYS), beat=st.booleans())
    def time_passes(self, days: int, beat: bool) -> None:
        """The clock moves on; with ``beat`` the release job (beat ``settlement.release_due``)
        runs: every hold due by now is released, each order's pending earnings to available."""
        self.now += timedelta(days=days)
        if not beat:
            return
        due = self.due()
        pending_before = pending_by_order()
        result = holds_release_due(now=self.now)
        assert (result.released, result.waiting) == (len(due), 0)
        assert (result.amount_minor or {}).get("IRR", 0) == sum(
            pending_before.get(mo, 0) for mo in due
        )
        self.released_record(due, pending_before)

    @precondition(lambda self: money_to_pay_out())
    @rule()
    def build_payouts(self) -> None:
        expected = self.payouts_expected()
        before = merchant_balances()
        known = set(Payout.objects.values_list("pk", flat=True))
        in_flight = set(
            Payout.objects.filter(status__in=OPEN_PAYOUTS).values_list("merchant_id", flat=True)
        )
        payouts_build(now=self.now)
        self.payouts_built_check(expected, before, known, in_flight)

    @precondition(lambda self: Payout.objects.filter(status__in=OPEN_PAYOUTS).exists())
    @rule()
    def submit_payouts(self) -> None:
        """The payouts built are transferred (the sandbox accepts every transfer)."""
        open_ = list(Payout.objects.filter(status__in=OPEN_PAYOUTS).order_by("pk"))
        result = payouts_submit()
        assert result.failed == result.retrying == 0
        for payout in open_:
            payout.refresh_from_db()
            if payout.status != PayoutStatus.PAID:
                # Only a merchant suspended since the build may be left unpaid, and then nothing
                # was transferred. (Today it is paid all the same: see
                # test_a_payout_built_before_a_suspension_is_not_transferred.)
                assert payout.merchant_id in self.suspended, payout
                assert not Transaction.objects.filter(idempotency_key=payout.key("paid")).exists()
                assert not SandboxBalanceTransaction.objects.filter(
                    idempotency_key=payout.key("transfer")
                ).exists()
                continue
            assert payout.transfer_ref
            assert legs(f"payout:{payout.pk}:paid") == {
                code("in_transit"): payout.amount_minor,
                PROCESSOR: -payout.amount_minor,
            }
            self.remember(
                f"payout_submit({payout.pk})", lambda pk=payout.pk: payout_submit(payout_id=pk)
            )
            self.remember(
                f"transfer of payout {payout.pk} repeated and recorded again",
                lambda pk=payout.pk: transfer_again(pk),
            )

    @precondition(lambda self: Payout.objects.filter(status=PayoutStatus.CREATED).exists())
    @rule(data=st.data())
    def payout_refused(self, data: st.DataObject) -> None:
        """The processor refuses a payout (as ``payout_submit`` records a refusal): the money
        goes back to the merchant's available balance."""
        payout = data.draw(
            st.sampled_from(
                list(Payout.objects.filter(status=PayoutStatus.CREATED).order_by("pk"))
            ),
            label="payout",
        )
        key = (payout.merchant_id, AccountKind.AVAILABLE)
        available = merchant_balances().get(key, 0)
        payout_fail(payout_id=payout.pk, reason="account closed")
        payout.refresh_from_db()
        assert payout.status == PayoutStatus.FAILED
        assert merchant_balances()[key] == available + payout.amount_minor
        assert not payout.order_settlements.exists()
        self.remember(
            f"payout_fail({payout.pk})",
            lambda pk=payout.pk: payout_fail(payout_id=pk, reason="account closed"),
        )

    @precondition(lambda self: self.due() or money_to_pay_out())
    @rule()
    def settle(self) -> None:
        """The daily run, then the same run again: the second finds nothing to do."""
        due = self.due()
        pending_before = pending_by_order()
        in_flight = set(
            Payout.objects.filter(status__in=OPEN_PAYOUTS).values_list("merchant_id", flat=True)
        )
        result = settlement_run(now=self.now)
        assert (result.released, result.holds_waiting) == (len(due), 0)
        assert (result.postings_posted, result.postings_failed) == (0, 0)
        assert result.payouts_failed == result.payouts_retrying == 0
        self.released_record(due, pending_before)
        balances = merchant_balances()
        for merchant in self.shop.merchants:
            available = balances.get((merchant.pk, AccountKind.AVAILABLE), 0)
            owed = balances.get((merchant.pk, AccountKind.RECEIVABLE), 0)
            assert min(available, owed) == 0  # what a merchant owes was netted
            if merchant.pk not in self.suspended and merchant.pk not in in_flight:
                assert available < self.minimum or available == 0
        before = world()
        again = settlement_run(now=self.now)
        assert (again.released, again.postings_posted, again.payouts_created) == (0, 0, 0)
        assert world() == before

    @precondition(lambda self: self.suspended or money_to_pay_out())
    @rule(data=st.data())
    def suspend_or_reinstate(self, data: st.DataObject) -> None:
        """Suspend a trading merchant (at most two at a time) or let a suspended one trade
        again: a suspended merchant's payouts are held, its goods cannot be bought."""
        merchants = [
            m for m in self.shop.merchants if m.pk in self.suspended or len(self.suspended) < 2
        ]
        merchant = data.draw(st.sampled_from(merchants), label="merchant")
        if merchant.pk in self.suspended:
            merchant_reinstate(merchant_id=merchant.pk, actor=self.shop.admin, reason="cleared")
            self.suspended.discard(merchant.pk)
        else:
            merchant_suspend(merchant_id=merchant.pk, actor=self.shop.admin, reason="inspection")
            self.suspended.add(merchant.pk)

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """Events applied before (one to three of them), each applied again: nothing changes."""
        events = data.draw(st.lists(st.sampled_from(self.replays), min_size=1, max_size=3))
        for event in events:
            before = world()
            event.run()
            assert world() == before, event.label

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def ledger_is_sound(self) -> None:
        with connection.cursor() as cursor:
            # What COMMIT would check: the deferred "every transaction balances" trigger (and
            # the deferred foreign keys). All of the schema's deferrable constraints are
            # INITIALLY DEFERRED (see the test), so this restores them as they were.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        assert all(total == 0 for total in currency_totals().values()), currency_totals()
        assert ledger_check().violations == []
        negative = Account.objects.filter(
            party=Party.MERCHANT, allow_negative=False, balance_minor__lt=0
        )
        assert not negative.exists(), list(negative.values_list("code", "balance_minor"))

    @invariant()
    def orders_add_up(self) -> None:
        parts = F("merchant_net_minor") + F("commission_minor") + F("municipal_fee_minor")
        paid = F("base_minor") + F("city_fee_minor")
        fees = OrderLineFees.objects.filter(merchant_order_id__in=list(self.orders))
        assert not fees.exclude(gross_minor=parts + F("vat_minor") + F("duty_minor")).exists()
        assert not fees.exclude(gross_minor=paid + F("vat_minor") + F("duty_minor")).exists()
        assert not fees.filter(merchant_net_minor__lt=0).exists()
        orders = MerchantOrder.objects.filter(pk__in=list(self.orders)).annotate(
            gross=Sum("line_fees__gross_minor"),
            city_fee=Sum("line_fees__city_fee_minor"),
            vat=Sum("line_fees__vat_minor"),
            snapshots=Count("line_fees"),
        )
        lines = dict(
            MerchantOrder.objects.filter(pk__in=list(self.orders))
            .annotate(n=Count("order__lines"))
            .values_list("pk", "n")
        )
        for mo in orders:
            assert mo.snapshots == lines[mo.pk], mo.pk  # every line has its snapshot
            assert mo.gross + mo.shipping_minor == mo.total_minor, mo.pk
            assert (mo.city_fee, mo.vat) == (mo.city_fee_minor, mo.vat_minor), mo.pk
            assert mo.total_minor == (
                mo.subtotal_minor
                - mo.discount_minor
                + mo.shipping_minor
                + mo.city_fee_minor
                + mo.vat_minor
                + mo.duty_minor
            )

    @invariant()
    def payments_match_the_model(self) -> None:
        from settlement.selectors import merchant_order_parts_outstanding

        rows = {
            pk: (status, captured, refunded)
            for pk, status, captured, refunded in Payment.objects.filter(
                pk__in=list(self.payments)
            ).values_list("pk", "status", "captured_minor", "refunded_minor")
        }
        for pk, p in self.payments.items():
            assert rows[pk] == (p.status, p.captured, p.refunded), pk
            assert sum(self.orders[mo].total for mo in p.orders) == p.captured
        for mo, o in self.orders.items():
            outstanding = merchant_order_parts_outstanding(merchant_order_id=mo)
            lost = self.payments[o.payment].status == PaymentStatus.DISPUTE_LOST
            assert outstanding.total_minor == (0 if lost else o.left), mo
            # no part of the order was given back beyond what it was
            assert (
                min(
                    outstanding.merchant_minor,
                    outstanding.commission_minor,
                    outstanding.municipal_fee_minor,
                    outstanding.vat_minor,
                    outstanding.duty_minor,
                )
                >= 0
            ), outstanding
        disputed = sum(
            p.disputed_minor for p in self.payments.values() if p.status == PaymentStatus.DISPUTED
        )
        assert balance_of(code("disputes")) == disputed

    @invariant()
    def holds_match_the_model(self) -> None:
        pending = pending_by_order()
        holds = {
            mo: rest
            for mo, *rest in MerchantOrderSettlement.objects.values_list(
                "merchant_order_id",
                "status",
                "delivered_at",
                "customs_required",
                "customs_released_at",
            )
        }
        assert set(holds) == set(self.orders)
        for mo, o in self.orders.items():
            assert holds[mo] == [
                HoldStatus.AVAILABLE if o.released else HoldStatus.PENDING,
                o.delivered_at,
                o.customs_required,
                o.customs_released_at,
            ], mo
            assert pending.get(mo, 0) >= 0, mo
            if o.released:
                assert pending.get(mo, 0) == 0, mo
        balances = merchant_balances()
        for merchant in self.shop.merchants:
            mine = [mo for mo, o in self.orders.items() if o.merchant_id == merchant.pk]
            assert balances.get((merchant.pk, AccountKind.PENDING), 0) == sum(
                pending.get(mo, 0) for mo in mine
            )

    @invariant()
    def money_in_transit_is_the_open_payouts(self) -> None:
        open_total = (
            Payout.objects.filter(status__in=OPEN_PAYOUTS).aggregate(t=Sum("amount_minor"))["t"]
            or 0
        )
        assert balance_of(code("in_transit")) == open_total
        # a payout's reserved amount is what it transfers, and it never reserved more than
        # that merchant's available balance (the CHECK on available: never below zero)
        for payout in Payout.objects.exclude(status=PayoutStatus.HELD):
            reserved = legs(f"payout:{payout.pk}:reserved")
            assert reserved[f"merchant:{payout.merchant_id}:available:IRR"] == payout.amount_minor

    @invariant()
    def the_processor_and_the_ledger_agree(self) -> None:
        book = SandboxBalanceTransaction.objects.aggregate(t=Sum("net_minor"))["t"] or 0
        assert balance_of(PROCESSOR) == book

    @invariant()
    def nothing_is_left_for_the_sweeper(self) -> None:
        assert settlement_run(now=self.now, dry_run=True).payments_posted == 0


def transfer_again(payout_id: int) -> None:
    """A payout run that crashed after the transfer, rerun: the processor is asked again with
    the same key (and answers with the first transfer), and the answer recorded again."""
    from marketplace.core.money import Money

    payout = Payout.objects.get(pk=payout_id)
    transfer = SandboxGateway().transfer_create(
        amount=Money(payout.amount_minor, payout.currency),
        destination=payout.destination,
        transfer_group=f"payout:{payout.pk}",
        source_transaction=payout.source_transaction,
        idempotency_key=payout.key("transfer"),
    )
    assert transfer.provider_ref == payout.transfer_ref
    payout_paid_record(payout_id=payout.pk, transfer=transfer)


@pytest.fixture
def deferrable_constraints_initially_deferred(transactional_db) -> None:
    """``ledger_is_sound`` fires deferred checks with SET CONSTRAINTS ALL IMMEDIATE and then
    sets ALL DEFERRED again: that is the initial mode only if no deferrable constraint starts
    IMMEDIATE."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_constraint WHERE condeferrable AND NOT condeferred)"
            " + (SELECT count(*) FROM pg_trigger WHERE tgdeferrable AND NOT tginitdeferred)"
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_settlement_holds_its_invariants_over_random_histories(
    shop, deferrable_constraints_initially_deferred
):
    class Model(SettlementModel):
        pass

    Model.shop = shop
    run_state_machine_as_test(Model, settings=PROFILE)


# --- found by the model -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_payout_built_before_a_suspension_is_not_transferred(bazaar, fee_rules, settings):
    settings.SETTLEMENT_PAYOUT_MINIMUM_MINOR = 1
    settings.SETTLEMENT_PAYOUT_GATEWAY = "sandbox"
    merchant, product = bazaar[0]
    payment = purchase_pay([(product, 1)])
    mo = payment.purchase.merchant_orders.get()
    now = timezone.now()
    merchant_order_delivered(merchant_order_id=mo.pk, at=now - timedelta(days=30))
    holds_release_due(now=now)
    (payout_id,) = payouts_build(now=now).created
    # given the payout was built (4,560,000 reserved), the merchant is suspended before the
    # transfer (the run's submit step, or a retry of it, comes later)
    admin = UserFactory(is_staff=True, is_superuser=True)
    merchant_suspend(merchant_id=merchant.pk, actor=admin, reason="fraud inquiry")

    # when the payouts are submitted
    payouts_submit()

    # then no money leaves for the suspended merchant: the payout failed with the reason
    payout = Payout.objects.get(pk=payout_id)
    assert payout.status == PayoutStatus.FAILED
    assert "suspended" in payout.reason
    assert not SandboxBalanceTransaction.objects.filter(type="transfer").exists()
