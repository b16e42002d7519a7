"""Card number helpers: normalising, the Luhn check and the brand. Numbers are never stored."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-]")

# Iranian Shetab cards (bank BIN prefixes); checked before the international schemes because
# some start with digits those schemes also use.
_SHETAB_PREFIXES = (
    "603799",  # Melli
    "589210",  # Sepah
    "627648",  # Tose'e Saderat
    "627961",  # Sanat va Madan
    "603770",  # Keshavarzi
    "628023",  # Maskan
    "627760",  # Post Bank
    "502908",  # Tose'e Ta'avon
    "627412",  # Eghtesad Novin
    "622106",  # Parsian
    "502229",  # Pasargad
    "627488",  # Karafarin
    "621986",  # Saman
    "639346",  # Sina
    "639607",  # Sarmayeh
    "502806",  # Shahr
    "502938",  # Dey
    "603769",  # Saderat
    "610433",  # Mellat
    "627353",  # Tejarat
    "585983",  # Tejarat
    "589463",  # Refah
    "627381",  # Ansar
    "639370",  # Mehr-e Eghtesad
)


def card_number_normalise(raw: str) -> str:
    """Digits only: spaces and dashes removed. Other characters are kept (and fail validation)."""
    return _SEPARATORS.sub("", raw or "")


def luhn_valid(number: str) -> bool:
    """Whether ``number`` (digits only, 12 to 19 of them) passes the Luhn checksum."""
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_brand(number: str) -> str:
    """The card scheme from its leading digits: visa, mastercard, amex, shetab, ... or "card"."""
    if number.startswith(_SHETAB_PREFIXES):
        return "shetab"
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or (
        len(number) >= 4 and 2221 <= int(number[:4]) <= 2720
    ):
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith("62"):
        return "unionpay"
    if number[:4] in {"6011"} or number[:2] == "65":
        return "discover"
    if len(number) >= 4 and 3528 <= int(number[:4]) <= 3589:
        return "jcb"
    if number[:4] in {"2200", "2201", "2202", "2203", "2204"}:
        return "mir"
    return "card"
