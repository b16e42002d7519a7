"""Which currencies Stripe charges, and how our minor units become Stripe's ``amount`` integers.

Stripe takes every amount as an integer in the currency's smallest unit, but its idea of the
smallest unit is its own (https://docs.stripe.com/currencies):

- zero-decimal currencies (JPY, KRW, VND, UGX...) take whole units: ¥500 is ``500``;
- three-decimal currencies (BHD, JOD, KWD, OMR, TND) take thousandths, and the last digit must
  be 0 ("round to the nearest ten"): 5.120 KWD is ``5120``; 5.125 KWD cannot be charged;
- every other presentment currency takes hundredths.

Our ``Money`` carries minor units by ``marketplace.core.money.CURRENCY_EXPONENTS``. The two tables
agree for every code both know, but the conversion below never assumes so: it scales between the
exponents and refuses (``InvalidRequest``) anything it would have to round. IRR and IQD are not
Stripe currencies at all (Stripe serves no one in Iran), so a marketplace priced in them cannot
use Stripe: ``currency_check_configured`` says so at start-up.
"""

from __future__ import annotations

from typing import Final

from django.core.exceptions import ImproperlyConfigured

from marketplace.core.money import CURRENCY_EXPONENTS, Money
from payments.interface import InvalidRequest

# Stripe's presentment currencies for card payments, per docs.stripe.com/currencies (the list
# changes rarely; the contract tests charge real test mode). Upper-case here; Stripe wants them
# lower-case on the wire.
# fmt: off
PRESENTMENT: Final = frozenset({
    "USD", "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
    "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP",
    "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL",
    "HTG", "HUF", "IDR", "ILS", "INR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF",
    "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "STD", "SZL",
    "THB", "TJS", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "UYU", "UZS", "VND",
    "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW",
})
ZERO_DECIMAL: Final = frozenset({
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
})
# fmt: on
THREE_DECIMAL: Final = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
#: Three-decimal amounts must be a multiple of this (Stripe's acquirers take two decimals).
THREE_DECIMAL_STEP: Final = 10
#: Stripe's special cases (ISK passed with two decimals though zero-decimal, HUF and TWD
#: two-decimal but paid out in whole units, UGX): not charged here until someone adds them to
#: our money table together with their rule, so no rule is applied by accident.
SPECIAL_CASES: Final = frozenset({"ISK", "HUF", "TWD", "UGX"})

#: Why a currency Stripe does not charge is refused, for the ones a Mashhad marketplace may use.
NOT_CHARGED: Final = {
    "IRR": "Stripe has no IRR and does not serve persons in Iran",
    "IQD": "Stripe has no IQD",
    "TMT": "Stripe has no TMT",
}


def stripe_exponent(currency: str) -> int:
    """Digits after the decimal point in Stripe's ``amount`` for ``currency`` (upper-case)."""
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def chargeable() -> frozenset[str]:
    """The codes this adapter can charge: Stripe presents them and our ``Money`` knows them."""
    return frozenset(code for code in PRESENTMENT - SPECIAL_CASES if code in CURRENCY_EXPONENTS)


def amount_to_stripe(money: Money, *, param: str = "amount") -> int:
    """``money`` as Stripe's integer ``amount``. Exact or refused, never rounded.

    Raises ``InvalidRequest(param=param)`` for a currency Stripe does not charge, for an amount
    that would need rounding into Stripe's unit, and for a three-decimal amount whose last digit
    is not 0 (Stripe refuses those).
    """
    currency = money.currency
    if currency not in PRESENTMENT or currency in SPECIAL_CASES:
        raise InvalidRequest(f"Stripe cannot charge {currency}", param="currency")
    shift = stripe_exponent(currency) - CURRENCY_EXPONENTS[currency]
    amount: int
    if shift >= 0:
        amount = money.amount_minor * 10**shift
    else:
        amount, rest = divmod(money.amount_minor, 10**-shift)
        if rest:
            raise InvalidRequest(
                f"{money} has more decimals than Stripe charges in {currency}", param=param
            )
    if currency in THREE_DECIMAL and amount % THREE_DECIMAL_STEP:
        raise InvalidRequest(
            f"{money}: Stripe charges {currency} only in multiples of 0.010 (last digit 0)",
            param=param,
        )
    return amount


def amount_from_stripe(amount: int, currency: str) -> Money:
    """Stripe's integer ``amount`` in ``currency`` (any case) as our ``Money``. Exact or refused
    (``InvalidRequest``) when our table has fewer decimals than the amount carries."""
    code = currency.upper()
    if code not in CURRENCY_EXPONENTS:
        raise InvalidRequest(f"Stripe answered in {code}, a currency we do not keep")
    shift = CURRENCY_EXPONENTS[code] - stripe_exponent(code)
    if shift >= 0:
        return Money(amount * 10**shift, code)
    minor, rest = divmod(amount, 10**-shift)
    if rest:
        raise InvalidRequest(f"Stripe amount {amount} {code} has decimals we cannot keep")
    return Money(minor, code)


def currency_check_configured(currency: str) -> None:
    """Refuse to run Stripe for a marketplace priced in a currency Stripe does not charge.

    Raises ``ImproperlyConfigured`` naming the currency, why, and what to do instead.
    """
    if currency in chargeable():
        return
    if currency in NOT_CHARGED:
        why = NOT_CHARGED[currency]
    elif currency not in PRESENTMENT:
        why = f"{currency} is not one of Stripe's presentment currencies"
    elif currency in SPECIAL_CASES:
        why = f"{currency} is one of Stripe's special cases, not supported by this adapter"
    else:
        why = f"{currency} is not in marketplace.core.money.CURRENCY_EXPONENTS"
    examples = ", ".join(
        code for code in ("USD", "EUR", "AED", "TRY", "GBP") if code in PRESENTMENT
    )
    raise ImproperlyConfigured(
        f"The Stripe gateway cannot charge the marketplace currency {currency} "
        f"(OSCAR_DEFAULT_CURRENCY, from MARKETPLACE_CURRENCY): {why}. Price the marketplace in a "
        f"currency Stripe charges (e.g. {examples}) or set PAYMENTS_GATEWAY=sandbox."
    )
