"""The demo's fee rules load once and are left alone on the next run."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fees.engine import FeeLineInput, merchant_order_fees_compute
from fees.models import FeeKind, FeeRule
from fees.selectors import fee_rules_effective_on
from marketplace.demo.fees import VALID_FROM, fee_rules_load
from marketplace.demo.services import DemoLoadResult
from tests.search.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories():
    return {
        code: CategoryFactory(name=code.title(), code=code)
        for code in ("saffron", "carpets-rugs", "handicrafts")
    }


def test_the_demo_rules_load_once_and_a_second_run_changes_nothing(categories):
    first = DemoLoadResult()
    fee_rules_load(first, categories=categories, partners={})
    rows = list(FeeRule.objects.order_by("pk").values())

    second = DemoLoadResult()
    fee_rules_load(second, categories=categories, partners={})

    assert first.counts["fee rules"] == {"created": 7}
    assert second.counts["fee rules"] == {"unchanged": 7}
    assert list(FeeRule.objects.order_by("pk").values()) == rows
    assert {r.valid_from for r in FeeRule.objects.all()} == {VALID_FROM}
    assert str(timezone.localtime(VALID_FROM).date()) == "2025-03-21"  # 1 Farvardin 1404


def test_a_changed_demo_rule_is_put_back(categories):
    fee_rules_load(DemoLoadResult(), categories=categories, partners={})
    FeeRule.objects.filter(kind=FeeKind.VAT).update(rate_bp=900)

    result = DemoLoadResult()
    fee_rules_load(result, categories=categories, partners={})

    assert result.counts["fee rules"] == {"updated": 1, "unchanged": 6}
    assert FeeRule.objects.get(kind=FeeKind.VAT).rate_bp == 1000


def test_a_demo_carpet_pays_5_percent_commission_and_half_a_percent_city_fee(categories):
    fee_rules_load(DemoLoadResult(), categories=categories, partners={})
    rules = fee_rules_effective_on(at=timezone.now(), merchant_ids=[], category_ids=None)
    carpets = categories["carpets-rugs"].pk
    handicrafts = categories["handicrafts"].pk

    carpet, box, other = merchant_order_fees_compute(
        lines=[
            FeeLineInput(base_minor=40_000_000, quantity=1, category_ids=(carpets,)),
            FeeLineInput(base_minor=2_000_000, quantity=1, category_ids=(handicrafts,)),
            FeeLineInput(base_minor=300_000, quantity=1),
        ],
        rules=rules,
        merchant_id=None,
        currency="IRR",
        domestic=True,
    ).lines

    assert (carpet.commission_minor, carpet.city_fee_minor, carpet.vat_minor) == (
        2_000_000,
        200_000,
        4_000_000,
    )
    assert (box.commission_minor, box.city_fee_minor) == (160_000, 0)  # handicrafts: exempt
    assert (other.commission_minor, other.city_fee_minor) == (50_000, 3_000)  # the minimum
