"""Raced and repeated checkout submissions: double clicks, two tabs, back-and-resubmit.

Many "Place order" POSTs per basket, concurrent and repeated after the first one finished, from
the buyer's own session: each basket is charged exactly once, has exactly one purchase, and the
total captured is the sum of the baskets' totals.
"""

from __future__ import annotations

import random
from http.cookies import SimpleCookie

import pytest
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from payments.models import Payment, PaymentStatus, SandboxCharge
from purchases.models import Purchase
from purchases.quotes import purchase_quote_landed
from tests.payments.fixtures import CARD_OK, Checkout, card
from tests.reliability.conftest import failures, race, report, scale
from tests.shop import basket_reload

Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stocked_bazaar(iran):
    from tests.shop import bazaar_create

    return bazaar_create(stock=100_000)


def test_each_basket_is_charged_exactly_once_however_often_it_is_submitted(
    stocked_bazaar, settings
):
    baskets = scale(12, 100, override="RELIABILITY_BASKETS")
    per_basket = scale(6, 10)
    fields = card(CARD_OK)
    rng = random.Random(8)

    # given each buyer at the preview of their own basket (one to three merchants' goods)
    def ready(n: int) -> tuple[int, Checkout]:
        goods = stocked_bazaar[: 1 + n % 3]
        checkout = Checkout(Client(), goods, [1 + (n + i) % 2 for i in range(len(goods))])
        checkout.details(email=f"buyer{n}@example.com")
        assert checkout.preview(fields).status_code == 200
        return n, checkout

    buyers = race(ready, range(baskets), workers=8)
    assert failures(buyers) == []
    # what each basket should be charged: its quote to the buyer's address, as checkout shows it
    expected_totals = {
        basket.pk: purchase_quote_landed(
            basket=basket_reload(basket), country_code="IR"
        ).quote.total_minor
        for basket in Basket.objects.filter(status=Basket.OPEN, lines__isnull=False).distinct()
    }
    assert len(expected_totals) == baskets
    cookies = {n: SimpleCookie(checkout.client.cookies.output(header="")) for n, checkout in buyers}

    # when each presses "Place order" many times: most at once (double clicks, two tabs), the
    # rest after the first answer (back button and submit again)
    def submit(n: int):
        client = Client()
        client.cookies = SimpleCookie(cookies[n].output(header=""))
        return n, client.post(reverse("checkout:preview"), {"action": "place_order", **fields})

    raced = [n for n, _ in buyers for _ in range(per_basket - 1)]
    rng.shuffle(raced)
    responses = race(submit, raced, workers=16)
    replayed = race(submit, [n for n, _ in buyers], workers=8)

    # then nothing crashed, and every basket was charged once for its one purchase
    answers = [r for r in [*responses, *replayed]]
    assert failures(answers) == []
    errors = [(n, r.status_code) for n, r in answers if r.status_code >= 500]
    placed = Purchase.objects.count()
    per_purchase_basket = list(
        Purchase.objects.values("basket").annotate(n=Count("pk")).filter(n__gt=1)
    )
    captured = Payment.objects.filter(status=PaymentStatus.CAPTURED)
    charged_twice = list(
        captured.values("basket_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("basket_id", "n")
    )
    holding_unplaced = Payment.objects.filter(
        status__in=[PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED], purchase__isnull=True
    ).count()
    captured_total = captured.aggregate(total=Sum("captured_minor"))["total"] or 0
    sandbox_captured = SandboxCharge.objects.filter(status="captured").count()
    violations = (
        len(errors)
        + abs(placed - baskets)
        + len(per_purchase_basket)
        + len(charged_twice)
        + holding_unplaced
        + abs(sandbox_captured - baskets)
        + (captured_total != sum(expected_totals.values()))
    )
    report(
        "raced_submissions",
        attempts=len(answers),
        successes=placed,
        duplicates=len(answers) - baskets,
        violations=violations,
        baskets=baskets,
        payments=Payment.objects.count(),
        charged=captured.count(),
        captured_minor=captured_total,
    )
    assert errors == []
    assert placed == baskets
    assert per_purchase_basket == []
    assert Basket.objects.filter(status=Basket.FROZEN).count() == 0
    assert charged_twice == []
    assert captured.count() == baskets
    assert holding_unplaced == 0
    assert sandbox_captured == baskets
    assert SandboxCharge.objects.filter(status="authorized").count() == 0
    assert captured_total == sum(expected_totals.values())
    assert dict(captured.values_list("basket_id", "captured_minor")) == expected_totals
    assert dict(Purchase.objects.values_list("basket_id", "total_minor")) == expected_totals
