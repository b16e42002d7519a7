"""Webhook events duplicated and shuffled end in the same ledger as events delivered in order.

Two sets of purchases with the same shape (own merchants, same goods, same refunds and disputes)
are paid through the sandbox. The sandbox's webhook deliveries are held back, like a slow network:
the first set's are delivered one by one, in order, right after the operation that emitted them;
the second set's only after everything happened, shuffled, with 30% of them delivered twice,
to four inbox workers at once.
Every delivery goes through the real inbox (signature check, store by event id, process from the
stored row). Both sets must end with the same payments and the same ledger: the same transactions
(by idempotency key, ids mapped between the sets), the same entries and the same balances.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import get_user_model

import payments.gateways.sandbox as sandbox
from ledger.models import Entry, Transaction
from payments.models import Payment, ProviderEvent, Refund
from payments.services import provider_event_handle, provider_event_ingest
from payments.signing import headers_sign
from tests.reliability.conftest import failures, ledger_violations, race, report, scale
from tests.settlement.factories import (
    CARD_OK,
    fee_rules_create,
    purchase_pay,
    refund_amount_submit,
)
from tests.shop import bazaar_create

pytestmark = pytest.mark.django_db(transaction=True)

REFUND_MINOR = 100_000
DUPLICATES = 0.30
#: (partial refunds, dispute outcome: None = no dispute, "open", "won", "lost"), by payment index.
SHAPES = [(6, None), (3, "lost"), (2, "won"), (4, "open")]
EVENTS_PER_PAYMENT = sum(
    2 + refunds + {None: 0, "open": 1}.get(d, 2) for refunds, d in SHAPES
) / len(SHAPES)


class HeldWebhooks:
    """Stands in for the sandbox module's ``transaction``: its webhook deliveries are not sent at
    commit but kept (the signed body, in emission order) for the test to deliver."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.bodies: list[bytes] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def on_commit(self, func: Any, using: Any = None, robust: bool = False) -> None:
        if getattr(func, "__name__", "") == "deliver" and func.__module__ == sandbox.__name__:
            cells = dict(
                zip(
                    func.__code__.co_freevars,
                    [c.cell_contents for c in func.__closure__],
                    strict=True,
                )
            )
            body = cells["body"]
            self.real.on_commit(lambda: self.bodies.append(body), using=using)
            return
        self.real.on_commit(func, using=using, robust=robust)

    def take(self) -> list[bytes]:
        bodies, self.bodies = self.bodies, []
        return bodies


def deliver(body: bytes) -> tuple[bool, str]:
    """POST one event to our inbox as the processor does (signed now), then process it as the
    worker does. Returns (new to the inbox, outcome)."""
    event_id = json.loads(body)["id"]
    headers = headers_sign(secret=sandbox.webhook_secret(), msg_id=event_id, body=body)
    row, new = provider_event_ingest(provider=sandbox.NAME, body=body, headers=headers)
    return new, provider_event_handle(event_id=row.pk)


def shop_run(
    *,
    payments: int,
    merchants: list,
    products: list,
    staff: Any,
    held: HeldWebhooks,
    in_order: bool,
):
    """Pay ``payments`` purchases of one of each product and refund/dispute them by SHAPES; with
    ``in_order`` deliver each operation's events right after it. Returns the payments."""
    gateway = sandbox.SandboxGateway()
    outcomes: Counter[str] = Counter()

    def settle_events() -> None:
        if in_order:
            for body in held.take():
                outcomes[deliver(body)[1]] += 1

    paid = []
    for index in range(payments):
        refunds, dispute = SHAPES[index % len(SHAPES)]
        payment = purchase_pay([(product, 1) for product in products], number=CARD_OK)
        settle_events()
        parts = list(payment.purchase.merchant_orders.order_by("sequence"))
        for n in range(refunds):
            refund_amount_submit(
                payment=payment, merchant_order=parts[n % len(parts)], amount=REFUND_MINOR, by=staff
            )
            settle_events()
        if dispute is not None:
            gateway.dispute_open(provider_ref=payment.provider_ref)
            settle_events()
            if dispute in ("won", "lost"):
                gateway.dispute_close(provider_ref=payment.provider_ref, won=dispute == "won")
                settle_events()
        paid.append(payment.pk)
    return paid, outcomes


def ledger_canonical(payment_ids: list[int], merchants: list) -> tuple[dict, Counter]:
    """The ledger transactions about ``payment_ids`` with ids replaced by their position in the
    set (payment P<n>, refund R<n>, merchant M<n>, merchant order O<n>), and the balances those
    transactions moved per account."""
    payment_index = {pk: n for n, pk in enumerate(payment_ids)}
    refund_ids = list(
        Refund.objects.filter(payment_id__in=payment_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    refund_index = {pk: n for n, pk in enumerate(refund_ids)}
    merchant_index = {m.pk: n for n, m in enumerate(merchants)}
    from purchases.models import MerchantOrder

    orders = MerchantOrder.objects.filter(purchase__payments__pk__in=payment_ids).order_by(
        "purchase__payments__pk", "sequence"
    )
    order_index = {pk: n for n, pk in enumerate(orders.values_list("pk", flat=True))}

    def key_canonical(key: str) -> str | None:
        match = re.match(r"^(payment|refund):(\d+):(.*)$", key)
        if match is None:
            return None
        kind, pk, rest = match.group(1), int(match.group(2)), match.group(3)
        index = payment_index if kind == "payment" else refund_index
        if pk not in index:
            return None
        return f"{kind}:{'P' if kind == 'payment' else 'R'}{index[pk]}:{rest}"

    transactions: dict[str, Any] = {}
    balances: Counter = Counter()
    keyed = {
        t.pk: key_canonical(t.idempotency_key)
        for t in Transaction.objects.filter(idempotency_key__regex=r"^(payment|refund):")
    }
    keyed = {pk: key for pk, key in keyed.items() if key is not None}
    entries = Entry.objects.filter(transaction_id__in=list(keyed)).select_related(
        "account", "transaction"
    )
    for entry in entries.order_by("transaction_id", "pk"):
        account = entry.account
        account_key = (
            account.party,
            account.kind,
            f"M{merchant_index[account.merchant_id]}" if account.merchant_id else "-",
            account.currency,
        )
        order = f"O{order_index[entry.merchant_order_id]}" if entry.merchant_order_id else "-"
        key = keyed[entry.transaction_id]
        transactions.setdefault(key, [entry.transaction.kind])
        transactions[key].append((account_key, entry.amount_minor, order))
        balances[account_key] += entry.amount_minor
    for key in transactions:
        transactions[key] = [transactions[key][0], *sorted(transactions[key][1:])]
    return transactions, balances


def payments_canonical(payment_ids: list[int]) -> list[tuple]:
    rows = Payment.objects.in_bulk(payment_ids)
    return [
        (
            rows[pk].status,
            rows[pk].amount_minor,
            rows[pk].captured_minor,
            rows[pk].refunded_minor,
            rows[pk].fee_minor,
        )
        for pk in payment_ids
    ]


def test_shuffled_and_duplicated_webhooks_give_the_ledger_of_the_in_order_run(iran, monkeypatch):
    deliveries = scale(150, 10_000, override="RELIABILITY_WEBHOOK_EVENTS")
    payments = max(len(SHAPES), math.ceil(deliveries / (1 + DUPLICATES) / EVENTS_PER_PAYMENT))
    fee_rules_create()
    staff = get_user_model().objects.create_user(username="finance", email="finance@example.com")
    held = HeldWebhooks(sandbox.transaction)
    monkeypatch.setattr(sandbox, "transaction", held)
    started = time.monotonic()

    # given one set of purchases whose events arrived in order, each right after it happened
    goods_a = bazaar_create(stock=100_000)
    merchants_a = [m for m, _p in goods_a]
    ordered, ordered_outcomes = shop_run(
        payments=payments,
        merchants=merchants_a,
        products=[p for _m, p in goods_a],
        staff=staff,
        held=held,
        in_order=True,
    )
    in_order_events = ProviderEvent.objects.count()

    # and a second set of the same shape whose events are still held by the network
    goods_b = bazaar_create(stock=100_000)
    merchants_b = [m for m, _p in goods_b]
    shuffled, _ = shop_run(
        payments=payments,
        merchants=merchants_b,
        products=[p for _m, p in goods_b],
        staff=staff,
        held=held,
        in_order=False,
    )
    bodies = held.take()

    # when they arrive shuffled, 30% of them twice
    rng = random.Random(30)
    duplicates = round(len(bodies) * DUPLICATES)
    stream = [*bodies, *rng.choices(bodies, k=duplicates)]
    rng.shuffle(stream)
    answers = race(deliver, stream, workers=4)  # several workers process the inbox at once
    assert failures(answers) == []
    outcomes = Counter(outcome for _new, outcome in answers)
    refused_as_duplicate = sum(not new for new, _outcome in answers)

    # then the inbox stored each event once and acted on each once
    assert len(bodies) == in_order_events
    assert ProviderEvent.objects.count() == 2 * in_order_events
    assert refused_as_duplicate == duplicates
    # (two workers may both process copies of one event at the same moment: harmless, both
    # apply the processor's current state; so each event is processed at least once)
    assert outcomes["done"] >= len(bodies)
    assert not ProviderEvent.objects.filter(processed_at__isnull=True).exists()

    # and both sets end in the same state: payments, ledger transactions, entries and balances
    assert payments_canonical(shuffled) == payments_canonical(ordered)
    transactions_a, balances_a = ledger_canonical(ordered, merchants_a)
    transactions_b, balances_b = ledger_canonical(shuffled, merchants_b)
    differing = sorted(
        key
        for key in set(transactions_a) | set(transactions_b)
        if transactions_a.get(key) != transactions_b.get(key)
    )
    violations = ledger_violations()
    report(
        "webhook_shuffle",
        attempts=len(stream),
        successes=ProviderEvent.objects.filter(processed_at__isnull=False).count()
        - in_order_events,
        duplicates=refused_as_duplicate,
        violations=len(differing) + len(violations) + (balances_a != balances_b),
        events=len(bodies),
        in_order_deliveries=sum(ordered_outcomes.values()),
        payments_per_set=payments,
        ledger_transactions_per_set=len(transactions_a),
        seconds=round(time.monotonic() - started),
    )
    assert differing == [], differing[:5]
    assert balances_a == balances_b
    assert violations == []

    from marketplace.celery import app

    app.control.purge()  # the inbox queued a processing task per new event; nobody consumes them
