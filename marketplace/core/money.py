"""Money kernel: integer minor units plus an ISO 4217 code, always together.

Every amount that flows through the marketplace is a `Money(amount_minor, currency)`. Oscar keeps
prices as `Decimal`; `to_minor` / `from_minor` are the one place that crosses between the two, and
they never round. Splitting an amount (fees across lines, a discount across merchants) goes through
`allocate`, whose parts always sum to the whole. No floats anywhere.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Final, TypeGuard

from babel import Locale
from babel.numbers import format_currency, format_decimal

__all__ = [
    "CURRENCY_EXPONENTS",
    "CurrencyError",
    "CurrencyMismatch",
    "Money",
    "allocate",
    "allocate_minor",
    "currency_exponent",
    "format_money",
    "format_toman",
    "from_minor",
    "to_minor",
]

# Digits after the decimal point in each currency's minor unit. Our table, not CLDR's: Babel says
# AFN has 0 (cash digits) and would silently round afghanis when formatting.
CURRENCY_EXPONENTS: Final[Mapping[str, int]] = MappingProxyType(
    {
        # Iran and neighbours. ISO 4217 gives IRR 2 and IQD 3, but neither has circulating
        # fractional units; prices, card switches (Shaparak) and banks all work in whole units.
        "IRR": 0,
        "IQD": 0,
        "AFN": 2,
        "AMD": 2,
        "AZN": 2,
        "PKR": 2,
        "TMT": 2,
        "TRY": 2,
        # Gulf
        "AED": 2,
        "BHD": 3,
        "KWD": 3,
        "OMR": 3,
        "QAR": 2,
        "SAR": 2,
        # Central Asia and Caucasus
        "GEL": 2,
        "KGS": 2,
        "KZT": 2,
        "TJS": 2,
        "UZS": 2,
        # Other common ones
        "AUD": 2,
        "CAD": 2,
        "CHF": 2,
        "CNY": 2,
        "EUR": 2,
        "GBP": 2,
        "HKD": 2,
        "INR": 2,
        "JOD": 3,
        "JPY": 0,
        "KRW": 0,
        "NOK": 2,
        "RUB": 2,
        "SEK": 2,
        "SGD": 2,
        "USD": 2,
    }
)

# Refuse amounts with more digits than this in minor units: far beyond any real price, and it
# stops input like "1E999999999" from building a gigantic integer.
_MAX_MINOR_DIGITS: Final = 64

_RIALS_PER_TOMAN: Final = 10

# Babel formats separators in a locale's native numbering system but leaves the digits Latin;
# these tables finish the job for the systems we render natively.
_NATIVE_DIGITS: Final[Mapping[str, dict[int, int]]] = MappingProxyType(
    {
        "arabext": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),  # Persian (fa)
        "arab": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),  # Arabic-Indic
    }
)
# Only these languages get native digits; everything else keeps Latin digits.
_NATIVE_DIGIT_LANGUAGES: Final = frozenset({"fa"})


class CurrencyError(ValueError):
    """The currency code is not one we know (not in `CURRENCY_EXPONENTS`)."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(
            f"Unknown currency code {code!r}: expected an upper-case ISO 4217 code "
            f"listed in CURRENCY_EXPONENTS."
        )


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""

    def __init__(self, left: str, right: str) -> None:
        self.left = left
        self.right = right
        super().__init__(f"Cannot combine {left} with {right}: currencies differ.")


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass; True is never a sum of money.
    return isinstance(value, int) and not isinstance(value, bool)


def _require_int(value: object, name: str) -> int:
    if _is_int(value):
        return value
    raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")


def currency_exponent(code: str) -> int:
    """Return how many decimal digits the currency's minor unit has (IRR 0, USD 2, KWD 3).

    Raises `CurrencyError` (a `ValueError`) naming the code if it is not in `CURRENCY_EXPONENTS`.
    Codes are case-sensitive: "usd" is refused rather than guessed at.
    """
    if not isinstance(code, str) or code not in CURRENCY_EXPONENTS:
        raise CurrencyError(code)
    return CURRENCY_EXPONENTS[code]


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """Convert an amount in major units (as Oscar stores it) to integer minor units, exactly.

    `Decimal("12.50")` USD -> 1250; `Decimal("12000.00")` IRR -> 12000 (trailing zeros are fine);
    an `int` means whole major units (`5` USD -> 500); a `str` is parsed as a Decimal.

    Never rounds. Raises:
      - `TypeError` for floats, bools or any other type;
      - `ValueError` if the value has more significant fractional digits than the currency allows
        (`Decimal("12.345")` USD), is not a number (NaN, infinity, unparsable string) or is
        absurdly large;
      - `CurrencyError` (a `ValueError`) for an unknown currency.
    """
    exponent = currency_exponent(currency)
    if isinstance(amount, Decimal):
        value = amount
    elif _is_int(amount):
        value = Decimal(amount)
    elif isinstance(amount, str):
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise ValueError(f"{amount!r} is not a decimal amount.") from None
    else:
        raise TypeError(
            f"amount must be a Decimal, int or str, got {type(amount).__name__}: {amount!r}"
        )
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not a finite amount.")

    # Work on the exact digits rather than Decimal arithmetic, which rounds to the context's
    # precision (28 digits by default).
    sign, digits, value_exponent = value.as_tuple()
    assert isinstance(value_exponent, int)  # finite, checked above
    digit_text = "".join(map(str, digits))
    significant = digit_text.rstrip("0")
    if not significant:
        return 0
    # Minor units = digits * 10**shift; only the trailing zeros of the digits can absorb a
    # negative shift without losing value.
    shift = value_exponent + exponent
    trailing_zeros = len(digit_text) - len(significant)
    if shift + trailing_zeros < 0:
        raise ValueError(
            f"{amount!r} has more fractional digits than {currency} allows ({exponent}); "
            f"refusing to round."
        )
    if len(digits) + shift > _MAX_MINOR_DIGITS:
        raise ValueError(f"{amount!r} is too large to be an amount of money.")
    coefficient: int = int(digit_text)
    scale: int = 10 ** abs(shift)
    coefficient = coefficient * scale if shift >= 0 else coefficient // scale
    return -coefficient if sign else coefficient


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """Convert integer minor units to a Decimal in major units, quantized to the currency.

    1250 USD -> `Decimal("12.50")`; 12000 IRR -> `Decimal("12000")`; 1 KWD -> `Decimal("0.001")`.
    Exact for any size of integer. Raises `TypeError` if `amount_minor` is not an int (bools
    included) and `CurrencyError` for an unknown currency.
    """
    _require_int(amount_minor, "amount_minor")
    exponent = currency_exponent(currency)
    sign, digits, _ = Decimal(amount_minor).as_tuple()
    return Decimal((sign, digits, -exponent))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of money: integer minor units plus an ISO 4217 code, immutable.

    Supports `+`, `-`, unary `-`, ordering comparisons and `*` by an int. Combining two currencies
    raises `CurrencyMismatch`. Equality is plain value equality (different currencies are simply
    unequal). There is deliberately no truthiness: use `is_zero()`.
    """

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        _require_int(self.amount_minor, "amount_minor")
        currency_exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return zero in `currency`. Raises `CurrencyError` for an unknown currency."""
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build Money from a major-unit amount (e.g. an Oscar price); see `to_minor`."""
        return cls(to_minor(amount, currency), currency)

    def as_decimal(self) -> Decimal:
        """Return the amount in major units, quantized to the currency; see `from_minor`."""
        return from_minor(self.amount_minor, self.currency)

    def is_zero(self) -> bool:
        return self.amount_minor == 0

    def _same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __mul__(self, factor: object) -> Money:
        # Only ints: scaling by a rate is a business rule with its own rounding, not an operator.
        if _is_int(factor):
            return Money(self.amount_minor * factor, self.currency)
        return NotImplemented

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount_minor < other.amount_minor

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount_minor <= other.amount_minor

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount_minor > other.amount_minor

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount_minor >= other.amount_minor

    def __str__(self) -> str:
        return f"{self.as_decimal()} {self.currency}"


def allocate_minor(total_minor: int, weights: Sequence[int]) -> list[int]:
    """Split `total_minor` in proportion to `weights` by largest remainder.

    The parts sum exactly to the total, each is within one minor unit of its exact share, and a
    zero weight gets zero. Leftover units go to the largest remainders, ties to the lower index,
    so the result is deterministic. A negative total is split as its absolute value and negated,
    so parts never have mixed signs: `allocate_minor(100, [1, 1, 1]) == [34, 33, 33]` and
    `allocate_minor(-100, [1, 1, 1]) == [-34, -33, -33]`.

    Raises `TypeError` if `total_minor` is not an int, and `ValueError` naming `weights` unless
    they are non-negative ints with a positive sum.
    """
    _require_int(total_minor, "total_minor")
    weights = list(weights)
    if not all(_is_int(weight) and weight >= 0 for weight in weights) or sum(weights) <= 0:
        raise ValueError(f"weights must be non-negative ints with a positive sum, got {weights!r}")

    magnitude = abs(total_minor)
    weight_total = sum(weights)
    shares = [divmod(magnitude * weight, weight_total) for weight in weights]
    parts = [quotient for quotient, _ in shares]
    leftover = magnitude - sum(parts)
    # leftover < number of non-zero remainders, so a zero weight (remainder 0) never gets a unit.
    by_remainder = sorted(range(len(weights)), key=lambda index: (-shares[index][1], index))
    for index in by_remainder[:leftover]:
        parts[index] += 1
    if total_minor < 0:
        return [-part for part in parts]
    return parts


def allocate(total: Money, weights: Sequence[int]) -> list[Money]:
    """Split `total` in proportion to `weights`; the parts sum exactly to `total`.

    Same rules and errors as `allocate_minor`; every part is in `total`'s currency.
    """
    return [Money(part, total.currency) for part in allocate_minor(total.amount_minor, weights)]


def _numbering(locale: Locale) -> tuple[str, dict[int, int] | None]:
    """Numbering system to ask Babel for, and the digit table to finish it with (if any)."""
    if locale.language in _NATIVE_DIGIT_LANGUAGES:
        native = locale.default_numbering_system
        if native in _NATIVE_DIGITS:
            return native, _NATIVE_DIGITS[native]
    return "latn", None


def format_money(money: Money, locale: str = "en") -> str:
    """Format `money` for display in `locale` with Babel, showing exactly the currency's digits.

    `Money(1234567, "IRR")` -> "IRR1,234,567" in "en"; in "fa" the rial sign followed by
    1,234,567 in Persian digits and separators. Persian locales get Persian digits, every other
    locale Latin digits. The number of decimals comes from `CURRENCY_EXPONENTS`, never from
    CLDR, and nothing is rounded. Raises `babel.UnknownLocaleError` for a locale Babel does not
    know and `ValueError` for a malformed locale identifier.
    """
    parsed = Locale.parse(locale)
    exponent = currency_exponent(money.currency)
    pattern = copy.copy(parsed.currency_formats["standard"])
    pattern.frac_prec = (exponent, exponent)
    numbering_system, digits = _numbering(parsed)
    text = format_currency(
        money.as_decimal(),
        money.currency,
        format=pattern,
        locale=parsed,
        currency_digits=False,
        numbering_system=numbering_system,
    )
    return text.translate(digits) if digits else text


def format_toman(amount_irr_minor: int, locale: str = "en") -> str:
    """Format a rial amount as Toman (1 Toman = 10 IRR), the unit Iranians quote prices in.

    12345670 IRR -> "1,234,567\xa0Toman" in "en"; in "fa" the same number in Persian digits
    followed by the word Toman in Persian. A rial amount not divisible by 10 keeps its last digit
    as a decimal (12345 IRR -> "1,234.5\xa0Toman") rather than losing it. Raises `TypeError` if
    the amount is not an int; locale errors as for `format_money`.
    """
    _require_int(amount_irr_minor, "amount_irr_minor")
    parsed = Locale.parse(locale)
    sign, digits, _ = Decimal(amount_irr_minor).as_tuple()
    tomans = Decimal((sign, digits, -1))  # exact: rials / 10
    decimals = 0 if amount_irr_minor % _RIALS_PER_TOMAN == 0 else 1
    pattern = copy.copy(parsed.decimal_formats[None])
    pattern.frac_prec = (decimals, decimals)
    numbering_system, digit_table = _numbering(parsed)
    number = format_decimal(
        tomans, format=pattern, locale=parsed, numbering_system=numbering_system
    )
    if digit_table:
        number = number.translate(digit_table)
    unit = "تومان" if parsed.language == "fa" else "Toman"
    return f"{number}\N{NO-BREAK SPACE}{unit}"
