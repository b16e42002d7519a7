"""Reads: which currency a buyer sees prices in, the current rates, approximate amounts.

The buyer's display currency comes from the ``display_currency`` cookie (set by
``currencies.views.display_currency_set``); a missing, unknown or unsupported code means the
default (``CURRENCY_DISPLAY_DEFAULT``, the marketplace currency unless configured). The choices
are the marketplace currency, Toman ("IRT", a tenth of the rial count, when the marketplace
currency is IRR) and ``DISPLAY_CURRENCIES``.

Amounts in another currency are approximate ("≈ 12.34 USD"): the marketplace amount divided by the
latest rate, rounded half up to the currency's minor unit. A rate older than
``CURRENCY_RATE_STALE_HOURS`` is stale (shown with a warning); with no rate nothing is shown.
Toman is exact (rials / 10) and needs no rate.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from babel import Locale
from babel.numbers import format_decimal, get_currency_name
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation

from currencies.models import ExchangeRate
from marketplace.core.money import CURRENCY_EXPONENTS, format_toman, from_minor

__all__ = [
    "COOKIE_NAME",
    "TOMAN",
    "ApproximateAmount",
    "amount_approximate",
    "amount_with_code",
    "display_cache_token",
    "display_currency_choices",
    "display_currency_codes",
    "display_currency_default",
    "display_currency_for",
    "display_currency_supported",
    "exchange_rates_current",
    "exchange_rates_for",
    "rate_is_stale",
]

COOKIE_NAME: Final = "display_currency"
#: Toman: not an ISO 4217 code; the informal one Iranian sites use. 1 Toman = 10 IRR.
TOMAN: Final = "IRT"

_PERSIAN_DIGITS: Final = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _base() -> str:
    return str(settings.OSCAR_DEFAULT_CURRENCY)


def display_currency_codes() -> tuple[str, ...]:
    """The codes a buyer may pick, in menu order: the marketplace currency, Toman (IRR only),
    then ``DISPLAY_CURRENCIES`` (codes we cannot format are left out)."""
    base = _base()
    codes = [base]
    if base == "IRR":
        codes.append(TOMAN)
    codes += [
        code
        for code in settings.DISPLAY_CURRENCIES
        if code not in codes and code in CURRENCY_EXPONENTS
    ]
    return tuple(codes)


def display_currency_supported(code: object) -> str | None:
    """``code`` (any case, surrounding spaces ignored) when a buyer may pick it, else None."""
    if not isinstance(code, str):
        return None
    code = code.strip().upper()
    return code if code in display_currency_codes() else None


def display_currency_default() -> str:
    """``CURRENCY_DISPLAY_DEFAULT`` when it is a valid choice, else the marketplace currency."""
    return display_currency_supported(getattr(settings, "CURRENCY_DISPLAY_DEFAULT", "")) or _base()


def display_currency_for(request: HttpRequest | None) -> str:
    """The currency ``request``'s buyer sees prices in: the cookie's when valid, else the
    default. Never raises: an unknown or malformed cookie is the default."""
    if request is None:
        return display_currency_default()
    return display_currency_supported(request.COOKIES.get(COOKIE_NAME)) or (
        display_currency_default()
    )


def _locale() -> str:
    return translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)


def _currency_label(code: str, locale: str) -> str:
    if code == TOMAN:
        return "تومان" if locale.startswith("fa") else translation.gettext("Toman")
    try:
        return str(get_currency_name(code, locale=locale))
    except ValueError:
        return code


def display_currency_choices() -> list[tuple[str, str]]:
    """``[(code, "USD · US Dollar"), ...]`` in the active language, for the currency menu."""
    locale = _locale()
    return [
        (code, f"{code} · {_currency_label(code, locale)}") for code in display_currency_codes()
    ]


def exchange_rates_current(
    *, base: str | None = None, at: datetime | None = None
) -> dict[str, ExchangeRate]:
    """``{currency: rate}``: the latest rate of each currency against ``base`` (the marketplace
    currency) in effect at ``at`` (now). One query."""
    base = base or _base()
    at = at or timezone.now()
    rows = (
        ExchangeRate.objects.filter(base_currency=base, effective_at__lte=at)
        .order_by("currency", "-effective_at", "-pk")
        .distinct("currency")
    )
    return {row.currency: row for row in rows}


def exchange_rates_for(request: HttpRequest | None) -> dict[str, ExchangeRate]:
    """``exchange_rates_current()``, read once per request (remembered on it)."""
    if request is None:
        return exchange_rates_current()
    rates = getattr(request, "_exchange_rates", None)
    if rates is None:
        rates = exchange_rates_current()
        request._exchange_rates = rates
    return rates


def rate_is_stale(rate: ExchangeRate, *, now: datetime | None = None) -> bool:
    """Whether ``rate`` is older than ``CURRENCY_RATE_STALE_HOURS``."""
    now = now or timezone.now()
    return rate.effective_at < now - timedelta(hours=settings.CURRENCY_RATE_STALE_HOURS)


def _number(amount: Decimal, exponent: int, locale: str, *, at_least: int | None = None) -> str:
    """``amount`` with ``exponent`` decimals (or between ``at_least`` and ``exponent``), grouped
    the locale's way, in Persian digits under Persian."""
    parsed = Locale.parse(locale)
    pattern = copy.copy(parsed.decimal_formats[None])
    pattern.frac_prec = (exponent if at_least is None else at_least, exponent)
    if parsed.language == "fa":
        text = format_decimal(amount, format=pattern, locale=parsed, numbering_system="default")
        return text.translate(_PERSIAN_DIGITS)
    return format_decimal(amount, format=pattern, locale=parsed, numbering_system="latn")


def amount_with_code(amount_minor: int, currency: str, locale: str | None = None) -> str:
    """ "12,345,000 IRR": the exact amount followed by its ISO code, in the locale's digits (the
    plainest way to say what is charged, whatever the language's currency symbols)."""
    locale = locale or _locale()
    exponent = CURRENCY_EXPONENTS[currency]
    return f"{_number(from_minor(int(amount_minor), currency), exponent, locale)}\N{NO-BREAK SPACE}{currency}"


@dataclass(frozen=True)
class ApproximateAmount:
    """An amount shown in the buyer's currency. ``exact`` for Toman (no rate involved)."""

    currency: str
    text: str  # "≈ 12.34 USD", or "1,234,567 Toman" when exact
    exact: bool
    rate: ExchangeRate | None = None
    stale: bool = False

    @property
    def rate_text(self) -> str:
        """ "1 USD ≈ 1,000,000 IRR" in the active locale's digits ("" when exact)."""
        if self.rate is None:
            return ""
        value = _number(self.rate.rate, 6, _locale(), at_least=0)
        return f"1 {self.currency} ≈ {value} {self.rate.base_currency}"


def amount_approximate(
    *,
    amount_minor: int,
    currency: str,
    display_currency: str,
    rates: dict[str, ExchangeRate],
    now: datetime | None = None,
    locale: str | None = None,
) -> ApproximateAmount | None:
    """``amount_minor`` of ``currency`` (the marketplace currency) in ``display_currency``.

    None when there is nothing to add: the display currency is the amount's own, the amount is
    not in the marketplace currency, or there is no rate for the display currency. Toman is
    exact; any other currency is approximate, rounded half up to its minor unit, and ``stale``
    when its rate is older than ``CURRENCY_RATE_STALE_HOURS``.
    """
    base = _base()
    if display_currency == currency or currency != base:
        return None
    locale = locale or _locale()
    if display_currency == TOMAN:
        if currency != "IRR":
            return None
        return ApproximateAmount(
            currency=TOMAN, text=format_toman(int(amount_minor), locale), exact=True
        )
    rate = rates.get(display_currency)
    exponent = CURRENCY_EXPONENTS.get(display_currency)
    if rate is None or exponent is None or rate.rate <= 0:
        return None
    converted = (from_minor(int(amount_minor), currency) / rate.rate).quantize(
        Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP
    )
    text = f"≈\N{NO-BREAK SPACE}{_number(converted, exponent, locale)}\N{NO-BREAK SPACE}{display_currency}"
    return ApproximateAmount(
        currency=display_currency,
        text=text,
        exact=False,
        rate=rate,
        stale=rate_is_stale(rate, now=now),
    )


def display_cache_token(request: HttpRequest | None) -> str:
    """What a cached page or fragment showing approximate prices must be keyed by: the display
    currency, the rate in use and whether it is stale ("IRR" alone when nothing is converted).
    At most one query per request."""
    code = display_currency_for(request)
    if code in (_base(), TOMAN):
        return code
    rate = exchange_rates_for(request).get(code)
    if rate is None:
        return f"{code}:none"
    return f"{code}:{rate.pk}:{'stale' if rate_is_stale(rate) else 'fresh'}"


def charge_context(
    *, amount_minor: int, currency: str, request: HttpRequest | None
) -> dict[str, Any]:
    """What the payment pages say about the charge: the exact amount with its code ("12,345,000
    IRR"), the buyer's display currency, and the approximate amount in it (None when there is no
    rate or it is the charged currency)."""
    display = display_currency_for(request)
    approximate = amount_approximate(
        amount_minor=amount_minor,
        currency=currency,
        display_currency=display,
        rates=exchange_rates_for(request) if display not in (currency, TOMAN) else {},
    )
    return {
        "display_currency": display,
        "charged": amount_with_code(amount_minor, currency),
        "charged_currency": currency,
        "approximate": approximate,
    }
