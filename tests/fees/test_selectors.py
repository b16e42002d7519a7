"""Which rules are in force at an instant, and a product's category chain."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fees.models import FeeKind
from fees.selectors import fee_rules_effective_on, product_category_chains
from tests.fees.factories import START, FeeRuleFactory
from tests.merchants.factories import MerchantFactory
from tests.search.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

MICROSECOND = timedelta(microseconds=1)


def test_a_rule_is_in_force_from_its_start_inclusive_to_its_end_exclusive():
    # given a rule ending at a boundary instant and its successor starting at that instant
    boundary = START + timedelta(days=30)
    old = FeeRuleFactory(kind=FeeKind.VAT, rate_bp=900, valid_to=boundary)
    new = FeeRuleFactory(kind=FeeKind.VAT, rate_bp=1000, valid_from=boundary)

    def in_force(at):
        return [r.pk for r in fee_rules_effective_on(at=at, merchant_ids=[], category_ids=[])]

    # then exactly one of them is in force at every instant around it
    assert in_force(START - MICROSECOND) == []
    assert in_force(START) == [old.pk]
    assert in_force(boundary - MICROSECOND) == [old.pk]
    assert in_force(boundary) == [new.pk]


def test_only_general_rules_and_those_of_the_given_merchants_and_categories():
    merchant, other = MerchantFactory(), MerchantFactory()
    food, drinks = CategoryFactory(name="Food"), CategoryFactory(name="Drinks")
    general = FeeRuleFactory()
    mine = FeeRuleFactory(merchant=merchant)
    FeeRuleFactory(merchant=other)
    food_rule = FeeRuleFactory(category=food)
    FeeRuleFactory(category=drinks)
    usd = FeeRuleFactory(kind=FeeKind.VAT, currency="USD")

    found = fee_rules_effective_on(
        at=START + timedelta(days=1), merchant_ids=[merchant.pk], category_ids=[food.pk]
    )
    assert {r.pk for r in found} == {general.pk, mine.pk, food_rule.pk, usd.pk}
    in_rials = fee_rules_effective_on(
        at=START + timedelta(days=1), merchant_ids=[merchant.pk], category_ids=None, currency="IRR"
    )
    assert usd.pk not in {r.pk for r in in_rials}


def test_a_products_category_chain_runs_from_its_first_category_up_to_the_root(
    django_assert_num_queries,
):
    food = CategoryFactory(name="Food")
    spices = CategoryFactory(name="Spices", parent=food)
    saffron = CategoryFactory(name="Saffron", parent=spices)
    gifts = CategoryFactory(name="Gifts")
    filed_twice = ProductFactory(categories=[saffron])
    filed_twice.categories.add(gifts)  # filed later: not its first category
    loose = ProductFactory()

    with django_assert_num_queries(2):
        chains = product_category_chains(products=[filed_twice, loose])

    assert chains == {filed_twice.pk: (saffron.pk, spices.pk, food.pk)}
