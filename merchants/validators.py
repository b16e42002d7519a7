"""Validation of what an applicant types and uploads: Iranian ids, IBAN, phone, licence scan.

Each ``*_normalise`` turns accepted input into the stored form (Persian and Arabic-Indic digits to
ASCII, spaces and dashes dropped, upper case); each ``validate_*`` checks the stored form and
raises ``ValidationError`` with a message naming the field. Forms normalise then validate; the
model fields validate again (``full_clean`` in the services), and database constraints check the
format a third time.
"""

from __future__ import annotations

import re
from typing import IO, Final

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SEPARATORS = re.compile(r"[\s\-_.]+")

# --- National id --------------------------------------------------------------------------


def national_id_normalise(value: str) -> str:
    return _SEPARATORS.sub("", (value or "").translate(_DIGITS))


def _person_id_valid(code: str) -> bool:
    """کد ملی: 10 digits, the last a check digit of the first nine weighted 10..2, mod 11."""
    if len(set(code)) == 1:  # 0000000000, 1111111111, ... pass the sum but are never issued
        return False
    remainder = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = int(code[9])
    return check == remainder if remainder < 2 else check == 11 - remainder


_LEGAL_WEIGHTS: Final = (29, 27, 23, 19, 17)


def _legal_entity_id_valid(code: str) -> bool:
    """شناسه ملی: 11 digits; each of the first ten is raised by (tenth digit + 2), weighted
    29, 27, 23, 19, 17 in turn; the sum mod 11 (10 counting as 0) is the last digit. Digits 4–9
    are never all zero."""
    if int(code[3:9]) == 0:
        return False
    raise_by = int(code[9]) + 2
    total = sum((raise_by + int(code[i])) * _LEGAL_WEIGHTS[i % 5] for i in range(10))
    remainder = total % 11
    return int(code[10]) == (0 if remainder == 10 else remainder)


def validate_national_id(value: str) -> None:
    """A person's 10-digit national id or a legal entity's 11-digit national id, check digit
    included."""
    if not re.fullmatch(r"[0-9]{10}|[0-9]{11}", value or ""):
        raise ValidationError(
            _(
                "National / tax id must be 10 digits (a person's national id) or 11 digits "
                "(a company's national id)."
            ),
            code="national_id_length",
        )
    valid = _person_id_valid(value) if len(value) == 10 else _legal_entity_id_valid(value)
    if not valid:
        raise ValidationError(
            _("National / tax id %(value)s is not valid: its check digit does not match."),
            code="national_id_checksum",
            params={"value": value},
        )


# --- IBAN (Sheba) -------------------------------------------------------------------------

IBAN_LENGTH: Final = 26  # "IR", 2 check digits, 22 digits (bank code and account)


def iban_normalise(value: str) -> str:
    return _SEPARATORS.sub("", (value or "").translate(_DIGITS)).upper()


def iban_checksum_valid(iban: str) -> bool:
    """ISO 13616: the first four characters moved to the end, letters as 10..35, mod 97 is 1."""
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def validate_iban(value: str) -> None:
    """An Iranian IBAN (Sheba): ``IR`` then 24 digits, with valid ISO 13616 check digits."""
    if not (value or "").startswith("IR"):
        raise ValidationError(
            _("IBAN (Sheba) must be an Iranian account, starting with IR."), code="iban_country"
        )
    if not re.fullmatch(r"IR[0-9]{24}", value):
        raise ValidationError(
            _("IBAN (Sheba) must be IR followed by 24 digits (26 characters); this one has %(n)d."),
            code="iban_length",
            params={"n": len(value)},
        )
    if not iban_checksum_valid(value):
        raise ValidationError(
            _("IBAN (Sheba) %(value)s is not valid: its check digits do not match."),
            code="iban_checksum",
            params={"value": value},
        )


# --- Phone --------------------------------------------------------------------------------


def phone_normalise(value: str) -> str:
    """E.164 (``+98...``) for a valid number, read as Iranian unless it says otherwise; any other
    input is returned unchanged for ``validate_phone`` to refuse."""
    text = (value or "").translate(_DIGITS).strip()
    try:
        number = phonenumbers.parse(text, "IR")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    """A valid phone number in E.164 form (what ``phone_normalise`` stores)."""
    try:
        number = phonenumbers.parse(value or "", None)
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) != value
    ):
        raise ValidationError(
            _("Contact phone %(value)s is not a valid phone number."),
            code="phone_invalid",
            params={"value": value},
        )


# --- Licence scan -------------------------------------------------------------------------

LICENCE_MAX_BYTES: Final = 5 * 1024 * 1024

#: Content types accepted for the licence scan, with the extension their stored file gets.
LICENCE_EXTENSIONS: Final[dict[str, str]] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}

_MAGIC: Final = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def licence_scan_max_bytes() -> int:
    """The largest licence scan accepted: ``settings.LICENCE_SCAN_MAX_BYTES`` (5 MB by default)."""
    return int(getattr(settings, "LICENCE_SCAN_MAX_BYTES", LICENCE_MAX_BYTES))


def content_type_sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file announce, among those accepted, or None."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def licence_scan_check(file: IO[bytes], *, size: int | None = None) -> str:
    """Check an uploaded licence scan; return its content type, sniffed from its first bytes.

    The name and the browser's declared type are ignored: a renamed ``.exe`` stays refused.
    Raises ``ValidationError`` (naming the field) when larger than ``LICENCE_SCAN_MAX_BYTES`` or not a
    PDF, JPEG or PNG. Reads only the first bytes and rewinds the file.
    """
    if size is None:
        size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    limit = licence_scan_max_bytes()
    if size > limit:
        raise ValidationError(
            _("Licence scan must be at most %(limit)s MB; this file is %(size).1f MB."),
            code="licence_too_large",
            params={"limit": f"{limit / (1024 * 1024):g}", "size": size / (1024 * 1024)},
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    content_type = content_type_sniff(head)
    if content_type is None:
        raise ValidationError(
            _(
                "Licence scan must be a PDF, JPEG or PNG file; this file's content is none of those."
            ),
            code="licence_type",
        )
    return content_type
