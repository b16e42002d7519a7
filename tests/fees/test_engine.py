"""The fee engine, pure: which rule applies, what each line pays, and rounding that always adds up."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from fees.engine import (
    FeeLineInput,
    line_fees_compute,
    merchant_order_fees_compute,
    rule_pick,
)
from fees.models import FeeKind, FeePayer
from tests.fees.factories import rule

MERCHANT = 7
OTHER_MERCHANT = 8
# A category tree: carpets (11) under handicrafts (10); saffron (20) is a root.
CARPETS = (11, 10)
SAFFRON = (20,)

COMMISSION_8 = rule(FeeKind.COMMISSION, pk=1, rate_bp=800, min_minor=50_000, max_minor=5_000_000)
CITY_FEE_1_BUYER = rule(FeeKind.MUNICIPAL_FEE, pk=2, rate_bp=100, payer=FeePayer.BUYER)
VAT_10 = rule(FeeKind.VAT, pk=3, rate_bp=1000, payer=FeePayer.BUYER)
STANDARD = [COMMISSION_8, CITY_FEE_1_BUYER, VAT_10]


def fees(lines, rules=STANDARD, *, merchant_id=MERCHANT, domestic=True):
    return merchant_order_fees_compute(
        lines=lines, rules=rules, merchant_id=merchant_id, currency="IRR", domestic=domestic
    )


def line(base, quantity=1, categories=(), duty=0):
    return FeeLineInput(
        base_minor=base, quantity=quantity, category_ids=categories, duty_minor=duty
    )


# --- which rule ----------------------------------------------------------------------------


def test_the_most_specific_rule_wins_merchant_and_category_then_merchant_then_category():
    general = rule(pk=10, rate_bp=800)
    by_category = rule(pk=11, rate_bp=500, category_id=10)  # handicrafts, carpets' parent
    by_merchant = rule(pk=12, rate_bp=600, merchant_id=MERCHANT)
    by_both = rule(pk=13, rate_bp=400, merchant_id=MERCHANT, category_id=11)
    other_merchant = rule(pk=14, rate_bp=100, merchant_id=OTHER_MERCHANT)

    def pick(rules, merchant_id=MERCHANT, categories=CARPETS):
        return rule_pick(
            rules,
            kind=FeeKind.COMMISSION,
            merchant_id=merchant_id,
            category_ids=categories,
            currency="IRR",
        ).pk

    everything = [general, by_category, by_merchant, by_both, other_merchant]
    assert pick(everything) == 13
    assert pick([general, by_category, by_merchant, other_merchant]) == 12
    assert pick([general, by_category, other_merchant]) == 11  # through the ancestor
    assert pick([general, other_merchant]) == 10
    # a line outside the category, or another merchant's line, falls back
    assert pick(everything, categories=SAFFRON) == 12
    assert pick(everything, merchant_id=99, categories=SAFFRON) == 10


def test_the_nearest_category_beats_its_ancestor():
    parent = rule(pk=1, rate_bp=500, category_id=10)
    child = rule(pk=2, rate_bp=300, category_id=11)

    picked = rule_pick(
        [parent, child],
        kind=FeeKind.COMMISSION,
        merchant_id=1,
        category_ids=CARPETS,
        currency="IRR",
    )

    assert picked.pk == 2


def test_a_rule_in_another_currency_or_of_another_kind_never_applies():
    picked = rule_pick(
        [rule(pk=1, rate_bp=500, currency="USD"), rule(FeeKind.VAT, pk=2, rate_bp=900)],
        kind=FeeKind.COMMISSION,
        merchant_id=1,
        category_ids=(),
        currency="IRR",
    )

    assert picked is None


# --- what a line pays -------------------------------------------------------------------------


def test_a_domestic_line_pays_commission_city_fee_and_vat_and_adds_up():
    result = fees([line(4_500_000)])

    (saffron,) = result.lines
    assert (
        saffron.commission_minor,
        saffron.municipal_fee_minor,
        saffron.city_fee_minor,
        saffron.vat_minor,
        saffron.duty_minor,
    ) == (360_000, 45_000, 45_000, 450_000, 0)
    assert saffron.gross_minor == 4_500_000 + 45_000 + 450_000
    assert saffron.merchant_net_minor == 4_500_000 - 360_000
    assert saffron.gross_minor == (
        saffron.merchant_net_minor
        + saffron.commission_minor
        + saffron.municipal_fee_minor
        + saffron.vat_minor
        + saffron.duty_minor
    )
    assert saffron.rules["commission"]["rule"] == 1
    assert saffron.rules["commission"]["min_minor"] == 50_000
    assert saffron.rules["municipal_fee"]["payer"] == "buyer"
    assert saffron.rules["vat"]["rate_bp"] == 1000


def test_commission_is_clamped_to_its_minimum_and_maximum_and_never_above_the_goods():
    result = fees([line(100_000), line(100_000_000), line(30_000)], rules=[COMMISSION_8])

    assert [f.commission_minor for f in result.lines] == [50_000, 5_000_000, 30_000]
    assert [f.merchant_net_minor for f in result.lines] == [50_000, 95_000_000, 0]


def test_a_fixed_city_fee_is_per_unit_and_deducted_from_the_merchant_when_it_pays():
    per_unit = rule(FeeKind.MUNICIPAL_FEE, pk=5, fixed_minor=10_000, payer=FeePayer.MERCHANT)

    (saffron,) = fees([line(9_000_000, quantity=3)], rules=[COMMISSION_8, per_unit, VAT_10]).lines

    assert saffron.municipal_fee_minor == 30_000
    assert saffron.city_fee_minor == 0  # not the buyer's: no line of its own at checkout
    assert saffron.gross_minor == 9_000_000 + 900_000
    assert saffron.merchant_net_minor == 9_000_000 - 720_000 - 30_000


def test_an_exempt_scope_pays_no_city_fee():
    exempt = rule(FeeKind.MUNICIPAL_FEE, pk=6, category_id=10, exempt=True, payer=FeePayer.BUYER)

    carpet, saffron = fees(
        [line(30_000_000, categories=CARPETS), line(1_000_000, categories=SAFFRON)],
        rules=[*STANDARD, exempt],
    ).lines

    assert (carpet.city_fee_minor, saffron.city_fee_minor) == (0, 10_000)
    assert carpet.rules["municipal_fee"]["exempt"] is True


def test_an_export_is_zero_rated_for_vat_but_still_pays_the_city_fee():
    (carpet,) = fees([line(30_000_000)], domestic=False).lines

    assert carpet.vat_minor == 0
    assert carpet.city_fee_minor == 300_000
    assert carpet.rules["vat"]["zero_rated"] == "export"


def test_duties_from_customs_are_passed_through_to_the_buyer():
    (rug,) = fees([line(30_000_000, duty=1_234_567)], domestic=False).lines

    assert rug.duty_minor == 1_234_567
    assert rug.gross_minor == 30_000_000 + 300_000 + 1_234_567


def test_without_rules_nothing_is_charged():
    (goods,) = fees([line(2_000_000)], rules=[]).lines

    assert (goods.commission_minor, goods.municipal_fee_minor, goods.vat_minor) == (0, 0, 0)
    assert goods.gross_minor == goods.merchant_net_minor == 2_000_000
    assert goods.rules == {"commission": None, "municipal_fee": None, "vat": None}


def test_a_merchant_paid_fee_never_takes_more_than_commission_leaves():
    full = rule(FeeKind.MUNICIPAL_FEE, pk=7, rate_bp=10_000, payer=FeePayer.MERCHANT)

    (goods,) = fees([line(100_000)], rules=[COMMISSION_8, full]).lines

    assert (goods.commission_minor, goods.municipal_fee_minor, goods.merchant_net_minor) == (
        50_000,
        50_000,
        0,
    )


# --- rounding ---------------------------------------------------------------------------------


def test_each_fee_is_rounded_once_on_the_merchant_order_total_half_up():
    # three lines of 150 rials at 1%: 1.5 each, 4.5 in all -> 5 (not 2 + 2 + 2)
    result = fees([line(150), line(150), line(150)], rules=[CITY_FEE_1_BUYER])

    assert [f.city_fee_minor for f in result.lines] == [2, 2, 1]
    assert result.city_fee_minor == 5


def test_half_a_rial_rounds_up_and_less_rounds_down():
    assert fees([line(50)], rules=[CITY_FEE_1_BUYER]).city_fee_minor == 1
    assert fees([line(49)], rules=[CITY_FEE_1_BUYER]).city_fee_minor == 0


def test_rounding_never_pushes_a_line_commission_above_its_goods():
    # Exact commissions 10 (all of a 10-rial line), 0.3 and 0.3: the total rounds to 11, and
    # largest remainder alone would give the first line its eleventh rial.
    whole = rule(FeeKind.COMMISSION, pk=8, rate_bp=10_000, category_id=20)
    three_percent = rule(FeeKind.COMMISSION, pk=9, rate_bp=300)

    result = fees([line(10, categories=SAFFRON), line(10), line(10)], rules=[whole, three_percent])

    assert [f.commission_minor for f in result.lines] == [10, 1, 0]
    assert [f.merchant_net_minor for f in result.lines] == [0, 9, 10]


# --- properties ----------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**10)
optional_amount = st.none() | st.integers(min_value=0, max_value=10**8)


@st.composite
def rule_sets(draw):
    minimum = draw(optional_amount)
    maximum = draw(optional_amount)
    if minimum is not None and maximum is not None and minimum > maximum:
        minimum, maximum = maximum, minimum
    commission = rule(
        FeeKind.COMMISSION,
        pk=1,
        rate_bp=draw(st.integers(0, 10_000)),
        min_minor=minimum,
        max_minor=maximum,
    )
    fixed = draw(st.booleans())
    municipal = rule(
        FeeKind.MUNICIPAL_FEE,
        pk=2,
        rate_bp=0 if fixed else draw(st.integers(0, 10_000)),
        fixed_minor=draw(st.integers(0, 10**7)) if fixed else None,
        payer=draw(st.sampled_from([FeePayer.BUYER, FeePayer.MERCHANT])),
        exempt=draw(st.booleans()),
        category_id=draw(st.none() | st.just(10)),
    )
    vat = rule(FeeKind.VAT, pk=3, rate_bp=draw(st.integers(0, 10_000)), payer=FeePayer.BUYER)
    return [commission, municipal, vat]


fee_lines = st.lists(
    st.builds(
        FeeLineInput,
        base_minor=amounts,
        quantity=st.integers(1, 1000),
        category_ids=st.sampled_from([(), (10,), (11, 10)]),
        duty_minor=st.integers(0, 10**8),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(lines=fee_lines, rules=rule_sets(), domestic=st.booleans())
def test_parts_always_sum_to_the_gross_and_the_merchant_net_is_never_negative(
    lines, rules, domestic
):
    result = fees(lines, rules=rules, domestic=domestic)

    for given_line, line_fees in zip(lines, result.lines, strict=True):
        assert line_fees.gross_minor == (
            line_fees.merchant_net_minor
            + line_fees.commission_minor
            + line_fees.municipal_fee_minor
            + line_fees.vat_minor
            + line_fees.duty_minor
        )
        assert line_fees.gross_minor == (
            given_line.base_minor
            + line_fees.city_fee_minor
            + line_fees.vat_minor
            + given_line.duty_minor
        )
        assert line_fees.merchant_net_minor >= 0
        assert 0 <= line_fees.commission_minor <= given_line.base_minor
        assert min(line_fees.municipal_fee_minor, line_fees.vat_minor) >= 0
        if not domestic:
            assert line_fees.vat_minor == 0
    # each fee's order total is its exact total rounded half-up, once
    exact = [
        line_fees_compute(
            line=l, rules=rules, merchant_id=MERCHANT, currency="IRR", domestic=domestic
        )
        for l in lines  # noqa: E741
    ]

    def rounded(values):
        return math.floor(sum(values, Fraction(0)) + Fraction(1, 2))

    assert result.commission_minor == rounded(e.commission for e in exact)
    assert result.vat_minor == rounded(e.vat for e in exact)
    assert result.city_fee_minor == rounded(
        e.municipal_fee for e in exact if e.municipal_fee_payer == FeePayer.BUYER
    )
    assert result.gross_minor == sum(x.base_minor + x.duty_minor for x in lines) + (
        result.city_fee_minor + result.vat_minor
    )
