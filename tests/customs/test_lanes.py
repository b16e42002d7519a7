"""Risk lanes: each criterion, the strictest lane wins, random selection is reproducible, every
hit is a reason the officer sees; green and blue are released at once in-house."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from customs.models import Declaration, RiskHit, RiskRule
from customs.selectors.risk import random_draw, risk_assess
from customs.services import declaration_create
from merchants.models import Merchant
from settlement.models import MerchantOrderSettlement
from tests.customs.factories import (
    ANTIQUE,
    CARPET,
    SAFFRON,
    foreign_purchase,
    merchant_with_goods,
)

pytestmark = pytest.mark.django_db


def declare(*items, country="AF", merchant_goods=None):
    _merchant, goods = merchant_goods or merchant_with_goods(SAFFRON, CARPET, ANTIQUE)
    lines = [(goods[index], quantity) for index, quantity in items]
    [merchant_order] = foreign_purchase(lines, country_code=country)
    return declaration_create(merchant_order_id=merchant_order.pk)


def rule(**values):
    return RiskRule.objects.create(name=values.pop("name", "test rule"), **values)


def test_no_hit_is_green_and_released_at_once_with_settlement_told(rules):
    declaration = declare((0, 1))

    assert (declaration.lane, declaration.status) == ("green", "released")
    assert not declaration.risk_hits.exists()
    assert list(
        declaration.events.filter(action="status").values_list("from_status", "to_status")
    ) == [
        ("submitted", "green"),
        ("green", "released"),
    ]
    hold = MerchantOrderSettlement.objects.get(merchant_order_id=declaration.merchant_order_id)
    assert hold.customs_released_at == declaration.released_at


def test_auto_release_can_be_switched_off(rules, settings):
    settings.CUSTOMS_AUTO_RELEASE_LANES = ()

    declaration = declare((0, 1))

    assert (declaration.lane, declaration.status) == ("green", "green")
    assert declaration.sla_due_at == declaration.lane_assigned_at + timedelta(hours=4)


def test_hs_prefix_rule_sends_antiques_to_red_with_the_reason(rules):
    rule(name="Antiques", kind="hs_prefix", lane="red", hs_code_id="9706")

    declaration = declare((0, 1), (2, 1))

    assert (declaration.lane, declaration.status) == ("red", "red")
    [hit] = declaration.risk_hits.all()
    assert (hit.kind, hit.lane) == ("hs_prefix", "red")
    assert hit.reason == "HS 970690 is under HS 9706 (Antiques)."
    lane_event = declaration.events.get(to_status="red")
    assert lane_event.reason == hit.reason and lane_event.source == "selectivity"


def test_destination_rule(rules):
    rule(kind="destination", lane="yellow", country="PK")

    assert declare((0, 1), country="PK").lane == "yellow"
    assert declare((0, 1), country="AF").lane == "green"


def test_under_declared_value_against_the_catalogue_price(rules):
    rule(kind="under_declared", lane="yellow", threshold_bp=3000)
    _merchant, goods = merchant_with_goods(SAFFRON)
    [merchant_order] = foreign_purchase([(goods[0], 1)])
    # The catalogue price rose after the sale: the order's 4.5M is now more than 30% below 7M.
    goods[0].stockrecords.update(price=7_000_000)

    declaration = declaration_create(merchant_order_id=merchant_order.pk)

    assert declaration.lane == "yellow"
    [hit] = declaration.risk_hits.all()
    assert hit.detail == {
        "item": 1,
        "declared_unit_minor": 4_500_000,
        "catalogue_unit_minor": 7_000_000,
    }


def test_under_declared_rule_is_quiet_within_the_threshold(rules):
    rule(kind="under_declared", lane="yellow", threshold_bp=3000)
    _merchant, goods = merchant_with_goods(SAFFRON)
    [merchant_order] = foreign_purchase([(goods[0], 1)])
    goods[0].stockrecords.update(price=6_000_000)  # 25% below: within 30%

    assert declaration_create(merchant_order_id=merchant_order.pk).lane == "green"


def test_a_merchants_first_declarations_and_young_merchants(rules):
    rule(kind="new_merchant", lane="yellow", count=2)
    merchant_goods = merchant_with_goods(SAFFRON)

    lanes = [declare((0, 1), merchant_goods=merchant_goods).lane for _ in range(3)]

    assert lanes == ["yellow", "yellow", "green"]

    RiskRule.objects.all().delete()
    rule(kind="new_merchant", lane="yellow", days=30)
    Merchant.objects.filter(pk=merchant_goods[0].pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert declare((0, 1), merchant_goods=merchant_goods).lane == "green"
    Merchant.objects.filter(pk=merchant_goods[0].pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    young = declare((0, 1), merchant_goods=merchant_goods)
    assert young.lane == "yellow"
    assert young.risk_hits.get().detail == {"merchant_age_days": 3}


def test_a_merchant_with_past_rejections_goes_red(rules):
    rule(kind="merchant_rejections", lane="red", count=1)
    merchant_goods = merchant_with_goods(SAFFRON)
    first = declare((0, 1), merchant_goods=merchant_goods)
    assert first.lane == "green"
    Declaration.objects.filter(pk=first.pk).update(status="rejected")

    assert declare((0, 1), merchant_goods=merchant_goods).lane == "red"


def test_value_per_weight_narrowed_by_hs_prefix(rules):
    # Saffron at 4.5M per 5 g is 900M per kg: above 300M, fine; below 1,000M, flagged.
    rule(
        kind="value_per_weight", lane="yellow", hs_code_id="091020", min_per_kg_minor=1_000_000_000
    )

    declaration = declare((0, 1), (1, 1))

    assert declaration.lane == "yellow"
    assert declaration.risk_hits.get().detail == {"value_per_kg_minor": 900_000_000}


def test_random_selection_is_reproducible_from_the_declaration_id(rules):
    always = rule(name="always", kind="random", lane="blue", rate_bp=10_000)
    rule(name="never", kind="random", lane="red", rate_bp=0)

    declaration = declare((0, 1))

    assert declaration.lane == "blue"
    assert declaration.status == "released" and declaration.post_clearance_audit
    assert [h.rule_id for h in declaration.risk_hits.all()] == [always.pk]
    # The same declaration draws the same numbers every time; different ones spread out.
    draws = [random_draw(declaration_id=n, rule_id=7) for n in range(1, 401)]
    assert draws == [random_draw(declaration_id=n, rule_id=7) for n in range(1, 401)]
    assert 100 < sum(draw < 5000 for draw in draws) < 300


def test_the_strictest_lane_wins_and_every_hit_is_recorded(rules, settings):
    settings.CUSTOMS_AUTO_RELEASE_LANES = ()
    rule(name="carpets", kind="hs_prefix", lane="yellow", hs_code_id="5701")
    rule(name="antiques", kind="hs_prefix", lane="red", hs_code_id="9706")
    rule(name="audit", kind="random", lane="blue", rate_bp=10_000)

    declaration = declare((1, 1), (2, 1))

    assert declaration.lane == "red"
    assert sorted(declaration.risk_hits.values_list("lane", flat=True)) == ["blue", "red", "yellow"]
    assessment = risk_assess(declaration=declaration)  # again: the same answer
    assert assessment.lane == "red" and len(assessment.hits) == 3


def test_inactive_rules_do_not_hit(rules):
    rule(kind="hs_prefix", lane="red", hs_code_id="0910", active=False)

    declaration = declare((0, 1))

    assert declaration.lane == "green"
    assert not RiskHit.objects.exists()


def test_seed_rules_send_a_new_merchants_carpet_to_yellow(rules):
    RiskRule.objects.filter(kind__in=["hs_prefix", "new_merchant"]).update(active=True)

    declaration = declare((1, 1))

    assert declaration.lane == "yellow"
    assert {h.kind for h in declaration.risk_hits.all()} == {"hs_prefix", "new_merchant"}
