"""Tests for the money kernel: pure Python, no database."""

# Persian digits and separators in expected strings are the point of those tests, not look-alikes.

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.core.money import (
    CURRENCY_EXPONENTS,
    CurrencyError,
    CurrencyMismatch,
    Money,
    allocate,
    allocate_minor,
    currency_exponent,
    format_money,
    format_toman,
    from_minor,
    to_minor,
)

PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")
LATIN_DIGITS = set("0123456789")

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
totals = st.integers(min_value=-(10**15), max_value=10**15)
non_negative_totals = st.integers(min_value=0, max_value=10**15)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(
    lambda weights: sum(weights) > 0
)


# --- Money: construction -------------------------------------------------------------------


def test_money_holds_minor_units_and_currency():
    # Given / When
    money = Money(1250, "USD")

    # Then
    assert money.amount_minor == 1250
    assert money.currency == "USD"
    assert money.as_decimal() == Decimal("12.50")
    assert str(money) == "12.50 USD"


@pytest.mark.parametrize("code", ["XXX", "usd", "", "IRT"])
def test_money_refuses_unknown_currency_and_names_it(code):
    # When / Then
    with pytest.raises(CurrencyError, match=repr(code)) as excinfo:
        Money(1, code)
    assert isinstance(excinfo.value, ValueError)
    assert excinfo.value.code == code


@pytest.mark.parametrize("amount", [True, 1.0, Decimal("1"), "1", None])
def test_money_refuses_non_int_amounts(amount):
    # When / Then
    with pytest.raises(TypeError, match="amount_minor must be an int"):
        Money(amount, "USD")


def test_money_is_frozen():
    # Given
    money = Money(1, "USD")

    # When / Then
    with pytest.raises(AttributeError):
        money.amount_minor = 2  # type: ignore[misc]


def test_zero_and_is_zero():
    # Given / When
    zero = Money.zero("IRR")

    # Then
    assert zero == Money(0, "IRR")
    assert zero.is_zero()
    assert not Money(-1, "IRR").is_zero()


def test_from_decimal_and_as_decimal_delegate_to_the_conversion_pair():
    # Given an Oscar-style price
    price = Decimal("19.99")

    # When
    money = Money.from_decimal(price, "EUR")

    # Then
    assert money == Money(1999, "EUR")
    assert money.as_decimal() == price


# --- Money: arithmetic and comparison -------------------------------------------------------


def test_addition_subtraction_and_negation():
    # Given
    a, b = Money(700, "IRR"), Money(250, "IRR")

    # When / Then
    assert a + b == Money(950, "IRR")
    assert a - b == Money(450, "IRR")
    assert b - a == Money(-450, "IRR")
    assert -a == Money(-700, "IRR")


def test_multiplication_by_int_on_either_side():
    # Given
    money = Money(333, "USD")

    # When / Then
    assert money * 3 == Money(999, "USD")
    assert 3 * money == Money(999, "USD")
    assert money * 0 == Money(0, "USD")
    assert money * -2 == Money(-666, "USD")


@pytest.mark.parametrize("factor", [1.5, Decimal("1.5"), True, Money(1, "USD"), "2"])
def test_multiplication_by_anything_but_int_is_refused(factor):
    # Given
    money = Money(100, "USD")

    # When / Then
    with pytest.raises(TypeError):
        money * factor
    with pytest.raises(TypeError):
        factor * money


def test_comparisons_within_one_currency():
    # Given
    small, large = Money(1, "KWD"), Money(2, "KWD")

    # Then
    assert small < large
    assert small <= large
    assert small <= Money(1, "KWD")
    assert large > small
    assert large >= small
    assert large >= Money(2, "KWD")
    assert not large < small
    assert sorted([large, small]) == [small, large]


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
    ids=["add", "sub", "lt", "le", "gt", "ge"],
)
def test_mixing_currencies_is_refused_naming_both_codes(operation):
    # Given
    rials, dollars = Money(100, "IRR"), Money(100, "USD")

    # When / Then
    with pytest.raises(CurrencyMismatch, match=r"IRR.*USD") as excinfo:
        operation(rials, dollars)
    assert isinstance(excinfo.value, ValueError)
    assert (excinfo.value.left, excinfo.value.right) == ("IRR", "USD")


def test_equality_across_currencies_is_false_not_an_error():
    assert Money(100, "IRR") != Money(100, "USD")
    assert Money(100, "IRR") == Money(100, "IRR")
    assert hash(Money(100, "IRR")) == hash(Money(100, "IRR"))


def test_adding_a_plain_number_is_refused():
    with pytest.raises(TypeError):
        Money(100, "IRR") + 1  # type: ignore[operator]


# --- exponent table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "exponent"),
    [("IRR", 0), ("IQD", 0), ("JPY", 0), ("USD", 2), ("AFN", 2), ("TMT", 2), ("KWD", 3)],
)
def test_currency_exponent(code, exponent):
    assert currency_exponent(code) == exponent


def test_currency_exponent_refuses_unknown_code():
    with pytest.raises(CurrencyError, match="'ABC'"):
        currency_exponent("ABC")


def test_exponent_table_is_read_only():
    with pytest.raises(TypeError):
        CURRENCY_EXPONENTS["XYZ"] = 2  # type: ignore[index]


# --- to_minor / from_minor -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("12.50"), "USD", 1250),
        (Decimal("12.5"), "USD", 1250),
        (Decimal("-0.01"), "USD", -1),
        (Decimal("12000"), "IRR", 12000),
        (Decimal("12000.00"), "IRR", 12000),  # Oscar's DecimalField keeps two places
        (Decimal("1.234"), "KWD", 1234),
        (Decimal("0.001"), "KWD", 1),
        (Decimal("1E+3"), "IRR", 1000),
        (Decimal("-0.00"), "USD", 0),
        (5, "USD", 500),
        (5, "IRR", 5),
        ("19.99", "EUR", 1999),
        ("123456789012345678901234567890.12", "USD", 12345678901234567890123456789012),
    ],
)
def test_to_minor_converts_exactly(amount, currency, expected):
    assert to_minor(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (Decimal("12.345"), "USD"),
        (Decimal("0.001"), "USD"),
        (Decimal("1.5"), "IRR"),
        (Decimal("1.0001"), "KWD"),
        ("12000.50", "IRR"),
        ("1E-999999999", "USD"),
    ],
)
def test_to_minor_refuses_to_round(amount, currency):
    with pytest.raises(ValueError, match="more fractional digits"):
        to_minor(amount, currency)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", Decimal("-Infinity"), "abc", "1E999999999"])
def test_to_minor_refuses_non_amounts(amount):
    with pytest.raises(ValueError):
        to_minor(amount, "USD")


@pytest.mark.parametrize("amount", [1.5, 1.0, True, None, [1]])
def test_to_minor_refuses_floats_and_other_types(amount):
    with pytest.raises(TypeError, match="amount must be a Decimal, int or str"):
        to_minor(amount, "USD")


def test_to_minor_refuses_unknown_currency():
    with pytest.raises(CurrencyError):
        to_minor(Decimal("1"), "XXX")


@pytest.mark.parametrize(
    ("amount_minor", "currency", "expected"),
    [
        (1250, "USD", "12.50"),
        (0, "USD", "0.00"),
        (-5, "USD", "-0.05"),
        (12000, "IRR", "12000"),
        (1, "KWD", "0.001"),
        (1234, "KWD", "1.234"),
        (10**40 + 1, "USD", "100000000000000000000000000000000000000.01"),
    ],
)
def test_from_minor_quantizes_to_the_currency_exponent(amount_minor, currency, expected):
    # When
    result = from_minor(amount_minor, currency)

    # Then: same value and same number of decimal places
    assert str(result) == expected
    assert result.as_tuple().exponent == -currency_exponent(currency)


@pytest.mark.parametrize("amount_minor", [1.0, True, Decimal("1")])
def test_from_minor_refuses_non_int(amount_minor):
    with pytest.raises(TypeError, match="amount_minor must be an int"):
        from_minor(amount_minor, "USD")


@given(data=st.data(), currency=currencies)
def test_round_trip_decimal_through_minor_units(data, currency):
    # Given a Decimal with no more places than the currency allows
    exponent = currency_exponent(currency)
    amount = data.draw(
        st.decimals(min_value=-(10**12), max_value=10**12, places=exponent, allow_nan=False)
    )

    # When
    result = from_minor(to_minor(amount, currency), currency)

    # Then
    assert result == amount
    assert result.as_tuple().exponent == -exponent


@given(amount_minor=st.integers(min_value=-(10**30), max_value=10**30), currency=currencies)
def test_round_trip_minor_units_through_decimal(amount_minor, currency):
    assert to_minor(from_minor(amount_minor, currency), currency) == amount_minor


# --- allocation: examples --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (10, [1, 2], [3, 7]),
        (-10, [1, 2], [-3, -7]),
        (5, [0, 1, 0, 1], [0, 3, 0, 2]),
        (0, [3, 7], [0, 0]),
        (7, [1], [7]),
        (1, [1, 1, 1], [1, 0, 0]),
        (2, [1, 1, 1], [1, 1, 0]),
        (100, [50, 30, 20], [50, 30, 20]),
        # exact shares 3.3, 4.4, 3.3: the largest remainder wins over the lower index
        (11, [3, 4, 3], [3, 5, 3]),
    ],
)
def test_allocate_minor_examples(total, weights, expected):
    assert allocate_minor(total, weights) == expected


def test_allocate_ten_rials_by_one_to_two():
    # Given
    total = Money(10, "IRR")

    # When
    parts = allocate(total, [1, 2])

    # Then
    assert parts == [Money(3, "IRR"), Money(7, "IRR")]


def test_allocate_keeps_currency_and_accepts_tuples():
    # Given
    total = Money(1000, "KWD")

    # When
    parts = allocate(total, (1, 1, 1))

    # Then
    assert parts == [Money(334, "KWD"), Money(333, "KWD"), Money(333, "KWD")]


@pytest.mark.parametrize(
    "weights",
    [[], [0], [0, 0], [1, -1], [-1, 2], [1.5, 1], [Decimal("1"), 1], [True, 1], ["1"]],
)
def test_allocate_refuses_bad_weights_naming_them(weights):
    with pytest.raises(ValueError, match="weights"):
        allocate_minor(100, weights)
    with pytest.raises(ValueError, match="weights"):
        allocate(Money(100, "USD"), weights)


@pytest.mark.parametrize("total", [1.0, Decimal("1"), True])
def test_allocate_minor_refuses_non_int_total(total):
    with pytest.raises(TypeError, match="total_minor must be an int"):
        allocate_minor(total, [1, 1])


# --- allocation: properties ------------------------------------------------------------------


@given(total=totals, weights=weight_lists)
def test_allocation_sums_to_the_whole(total, weights):
    parts = allocate_minor(total, weights)

    assert sum(parts) == total
    assert len(parts) == len(weights)


@given(total=totals, weights=weight_lists)
def test_allocation_is_deterministic(total, weights):
    assert allocate_minor(total, weights) == allocate_minor(total, list(weights))


@given(total=non_negative_totals, weights=weight_lists)
def test_allocation_of_non_negative_total_has_no_negative_part(total, weights):
    assert all(part >= 0 for part in allocate_minor(total, weights))


@given(total=totals, weights=weight_lists)
def test_allocation_is_within_one_minor_unit_of_the_exact_share(total, weights):
    # Given
    weight_total = sum(weights)

    # When
    parts = allocate_minor(total, weights)

    # Then
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, weight_total)) < 1


@given(total=totals, weights=weight_lists)
def test_allocation_gives_zero_weights_zero_and_never_mixes_signs(total, weights):
    parts = allocate_minor(total, weights)

    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if weight == 0)
    assert all(part <= 0 for part in parts) or all(part >= 0 for part in parts)


@given(total=totals, weights=weight_lists)
def test_negative_total_mirrors_positive_total(total, weights):
    assert allocate_minor(-total, weights) == [-part for part in allocate_minor(total, weights)]


@given(total=totals, weights=weight_lists, currency=currencies)
def test_allocate_money_matches_allocate_minor(total, weights, currency):
    parts = allocate(Money(total, currency), weights)

    assert [part.amount_minor for part in parts] == allocate_minor(total, weights)
    assert {part.currency for part in parts} <= {currency}


# --- formatting ------------------------------------------------------------------------------


def test_format_irr_in_english_has_no_decimals():
    assert format_money(Money(1234567, "IRR")) == "IRR1,234,567"


def test_format_irr_in_persian_uses_persian_digits_and_no_decimals():
    # When
    text = format_money(Money(1234567, "IRR"), locale="fa")

    # Then
    assert text == "\u200eریال\xa0۱٬۲۳۴٬۵۶۷"
    assert not LATIN_DIGITS & set(text)
    assert "٫" not in text  # Persian decimal separator


def test_format_usd_in_persian_keeps_two_persian_decimals():
    assert format_money(Money(-123456, "USD"), locale="fa") == "-\u200e$\xa0۱٬۲۳۴٫۵۶"


@pytest.mark.parametrize(
    ("money", "locale", "expected"),
    [
        (Money(123456, "USD"), "en", "$1,234.56"),
        (Money(-5, "USD"), "en", "-$0.05"),
        (Money(1234567, "KWD"), "en", "KWD1,234.567"),
        (Money(1, "KWD"), "en", "KWD0.001"),
        (Money(1234, "JPY"), "en", "¥1,234"),
        (Money(1234, "IQD"), "en", "IQD1,234"),
        # CLDR would round afghanis to whole units; our exponent table keeps them
        (Money(1234, "AFN"), "en", "AFN12.34"),
        (Money(123456, "EUR"), "de_DE", "1.234,56\xa0€"),
    ],
)
def test_format_money_respects_our_exponent(money, locale, expected):
    assert format_money(money, locale) == expected


def test_non_persian_locales_keep_latin_digits():
    text = format_money(Money(1234567, "IRR"), locale="ar")

    assert not PERSIAN_DIGITS & set(text)
    assert "1" in text


@pytest.mark.parametrize(
    ("rials", "locale", "expected"),
    [
        (12345670, "fa", "۱٬۲۳۴٬۵۶۷\xa0تومان"),
        (12345670, "en", "1,234,567\xa0Toman"),
        (12345, "en", "1,234.5\xa0Toman"),  # the odd rial is shown, not dropped
        (12345, "fa", "۱٬۲۳۴٫۵\xa0تومان"),
        (5, "en", "0.5\xa0Toman"),
        (0, "en", "0\xa0Toman"),
        (-12340, "en", "-1,234\xa0Toman"),
    ],
)
def test_format_toman(rials, locale, expected):
    assert format_toman(rials, locale) == expected


@pytest.mark.parametrize("rials", [12.0, Decimal("12"), True])
def test_format_toman_refuses_non_int(rials):
    with pytest.raises(TypeError, match="amount_irr_minor must be an int"):
        format_toman(rials, "fa")
