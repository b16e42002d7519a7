"""Customs amends a declaration's duties after checkout (``settlement.services.duties``): under DDP
the marketplace absorbs the difference (Dr platform:commission / Cr customs:duties_payable, the
reverse for a decrease), under DAP nothing is booked, and a rejection reverses the adjustments."""

from __future__ import annotations

import pytest

from customs.models import RiskRule
from customs.services import (
    declaration_amend,
    declaration_claim,
    declaration_create,
    declaration_reject,
)
from customs.signals import declaration_duty_changed
from ledger.models import Transaction
from marketplace.core.money import Money
from settlement.services.duties import declaration_duty_adjust_post
from tests.customs.factories import (
    SAFFRON,
    customs_rules_ensure,
    merchant_with_goods,
    officer_create,
    paid_abroad,
    risk_rules_off,
)
from tests.settlement.ledger import assert_ledger_sound, balance, legs, m

pytestmark = pytest.mark.django_db

DUTIES = "customs:duties_payable:IRR"
COMMISSION = "platform:commission:IRR"
# 2 saffron tins (9,000,000) with 5,500,000 shipping to Herat: duty 10% and import VAT 10% on the
# CIF value: 1,450,000 + 1,595,000 collected at checkout.
COLLECTED = 3_045_000
# declared at 12,000,000 instead: 1,750,000 + 1,925,000
RAISED = 3_675_000
# then at 6,000,000: 1,150,000 + 1,265,000
LOWERED = 2_415_000


@pytest.fixture
def declared(client, hs_codes):
    """A yellow declaration of 2 saffron tins to Herat (DDP), claimed by an officer."""
    customs_rules_ensure()
    risk_rules_off()
    for country in ("AF", "PK"):
        RiskRule.objects.create(name=country, kind="destination", lane="yellow", country=country)
    house, (saffron,) = merchant_with_goods(SAFFRON)

    def make(country: str = "AF"):
        [merchant_order] = paid_abroad(client, [(house, saffron)], [2], country_code=country)
        declaration = declaration_create(merchant_order_id=merchant_order.pk)
        officer = officer_create(f"officer-{declaration.pk}@customs.example")
        declaration_claim(declaration_id=declaration.pk, actor=officer)
        return declaration, officer, house

    return make


def amend(declaration, officer, value_minor: int):
    item = declaration.items.get()
    return declaration_amend(
        declaration_id=declaration.pk,
        actor=officer,
        item_id=item.pk,
        value_minor=value_minor,
        reason="invoice shows another value",
    )


def adjustments(declaration) -> list[Transaction]:
    return list(
        Transaction.objects.filter(
            idempotency_key__startswith=f"declaration:{declaration.pk}:duty:"
        ).order_by("pk")
    )


def test_an_increase_is_absorbed_by_the_platform_and_owed_to_customs(declared):
    declaration, officer, house = declared()
    assert declaration.duty_collected_minor == COLLECTED == balance(DUTIES)
    pending = balance(m(house, "pending"))
    commission = balance(COMMISSION)

    declaration = amend(declaration, officer, 12_000_000)

    [posting] = adjustments(declaration)
    event = declaration.events.get(action="amended")
    assert posting.idempotency_key == f"declaration:{declaration.pk}:duty:{event.pk}"
    assert posting.kind == "duty_adjustment"
    assert legs(posting.idempotency_key) == {
        COMMISSION: RAISED - COLLECTED,
        DUTIES: -(RAISED - COLLECTED),
    }
    assert set(posting.entries.values_list("merchant_order_id", flat=True)) == {
        declaration.merchant_order_id
    }
    assert balance(DUTIES) == RAISED
    assert balance(COMMISSION) == commission - (RAISED - COLLECTED)
    assert balance(m(house, "pending")) == pending  # the merchant bears none of it
    assert declaration.duty_difference_minor == RAISED - COLLECTED
    assert_ledger_sound()


def test_a_decrease_goes_back_to_the_platform(declared):
    declaration, officer, _house = declared()
    amend(declaration, officer, 12_000_000)

    declaration = amend(declaration, officer, 6_000_000)

    _first, second = adjustments(declaration)
    assert legs(second.idempotency_key) == {
        COMMISSION: LOWERED - RAISED,
        DUTIES: RAISED - LOWERED,
    }
    assert balance(DUTIES) == LOWERED
    assert declaration.duty_difference_minor == LOWERED - COLLECTED
    assert_ledger_sound()


def test_booking_is_idempotent_by_event(declared):
    declaration, officer, _house = declared()
    declaration = amend(declaration, officer, 12_000_000)
    event = declaration.events.get(action="amended")

    again = declaration_duty_adjust_post(
        declaration=declaration,
        old=Money(COLLECTED, "IRR"),
        new=Money(RAISED, "IRR"),
        event=event,
    )

    assert again is not None and again[1] is False
    assert len(adjustments(declaration)) == 1
    assert balance(DUTIES) == RAISED


def test_dap_declarations_book_nothing(declared):
    declaration, officer, _house = declared("PK")
    assert declaration.incoterm == "DAP"
    received = []

    def spy(**kwargs):
        received.append(kwargs["new"])

    declaration_duty_changed.connect(spy, dispatch_uid="test-spy")
    try:
        declaration = amend(declaration, officer, 12_000_000)
    finally:
        declaration_duty_changed.disconnect(dispatch_uid="test-spy")

    assert len(received) == 1 and declaration.duty_difference_minor > 0
    assert adjustments(declaration) == []
    assert balance(DUTIES) == 0


def test_a_failing_booking_rolls_the_amendment_back(declared, monkeypatch):
    declaration, officer, _house = declared()
    item = declaration.items.get()

    def broken(**kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr("settlement.services.duties.transaction_post", broken)
    with pytest.raises(RuntimeError):
        amend(declaration, officer, 12_000_000)

    item.refresh_from_db()
    declaration.refresh_from_db()
    assert item.value_minor == 9_000_000
    assert declaration.duty_difference_minor == 0
    assert not declaration.events.filter(action="amended").exists()


def test_a_rejection_reverses_the_adjustments_and_refunds_what_was_collected(
    declared, django_capture_on_commit_callbacks
):
    declaration, officer, house = declared()
    amend(declaration, officer, 12_000_000)

    with django_capture_on_commit_callbacks(execute=True):
        declaration_reject(declaration_id=declaration.pk, actor=officer, reason="no licence")

    reversal = Transaction.objects.get(
        idempotency_key=f"declaration:{declaration.pk}:duty:rejected"
    )
    assert legs(reversal.idempotency_key) == {
        COMMISSION: -(RAISED - COLLECTED),
        DUTIES: RAISED - COLLECTED,
    }
    # the refund gave the buyer back the duties collected; nothing is left owed to customs
    assert balance(DUTIES) == 0
    assert balance(m(house, "pending")) == 0
    assert_ledger_sound()
