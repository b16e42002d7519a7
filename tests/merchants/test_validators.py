"""Iranian national ids, Sheba IBANs, phone numbers and licence scans."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from merchants.validators import (
    LICENCE_MAX_BYTES,
    iban_checksum_valid,
    iban_normalise,
    licence_scan_check,
    national_id_normalise,
    phone_normalise,
    validate_iban,
    validate_national_id,
    validate_phone,
)
from tests.merchants.factories import (
    COMPANY_NATIONAL_ID,
    IBAN,
    JPEG_BYTES,
    PDF_BYTES,
    PERSON_NATIONAL_ID,
    PNG_BYTES,
    iban_with_check_digits,
)


def codes(func, value) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        func(value)
    return [error.code for error in caught.value.error_list]


# --- national id ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [PERSON_NATIONAL_ID, "0013542419", COMPANY_NATIONAL_ID])
def test_valid_national_ids_pass(value):
    validate_national_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "0499370898",  # person, last digit off by one
        "0013542418",
        "10380284791",  # company, check digit wrong
        "10380284780",  # company, tenth digit changed
    ],
)
def test_a_wrong_check_digit_is_refused(value):
    assert codes(validate_national_id, value) == ["national_id_checksum"]


def test_a_repeated_digit_person_id_is_refused_though_its_sum_matches():
    assert codes(validate_national_id, "1111111111") == ["national_id_checksum"]


def test_a_company_id_with_zero_middle_digits_is_refused():
    assert codes(validate_national_id, "10300000000") == ["national_id_checksum"]


@pytest.mark.parametrize("value", ["", "123456789", "123456789012", "04993708a9"])
def test_other_lengths_and_characters_are_refused_naming_the_field(value):
    with pytest.raises(ValidationError) as caught:
        validate_national_id(value)
    assert caught.value.error_list[0].code == "national_id_length"
    assert "National / tax id" in caught.value.messages[0]


def test_national_id_accepts_persian_digits_and_separators():
    assert national_id_normalise("۰۴۹-۹۳۷۰۸۹۹ ") == PERSON_NATIONAL_ID


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_exactly_one_check_digit_completes_a_person_id(first_nine):
    valid = []
    for digit in "0123456789":
        try:
            validate_national_id(first_nine + digit)
        except ValidationError:
            continue
        valid.append(digit)
    if len(set(first_nine)) > 1:
        assert len(valid) == 1
    else:  # the one digit that completes it may repeat the other nine, which is refused
        assert len(valid) <= 1


# --- IBAN -----------------------------------------------------------------------------------


def test_a_valid_sheba_passes_and_is_normalised_from_spaces_and_lower_case():
    assert iban_normalise("ir82 0540 1026 8002 0817 9090 02") == IBAN
    assert iban_normalise("IR82-0540-1026-8002-0817-9090-02") == IBAN
    assert iban_normalise("IR۸۲۰۵۴۰۱۰۲۶۸۰۰۲۰۸۱۷۹۰۹۰۰۲") == IBAN
    validate_iban(IBAN)


def test_iban_with_a_wrong_check_digit_is_refused():
    assert codes(validate_iban, IBAN[:-1] + "3") == ["iban_checksum"]
    assert codes(validate_iban, "IR830540102680020817909002") == ["iban_checksum"]


@pytest.mark.parametrize("value", [IBAN[:-1], IBAN + "0", "IR82054010268002081790900X"])
def test_iban_of_the_wrong_length_or_with_letters_is_refused(value):
    assert codes(validate_iban, value) == ["iban_length"]


@pytest.mark.parametrize("value", ["DE89370400440532013000", "GB82WEST12345698765432"])
def test_iban_of_another_country_is_refused(value):
    assert iban_checksum_valid(value)  # a valid IBAN, but not an Iranian account
    with pytest.raises(ValidationError) as caught:
        validate_iban(value)
    assert caught.value.error_list[0].code == "iban_country"
    assert "IBAN (Sheba)" in caught.value.messages[0]


@given(st.from_regex(r"[0-9]{22}", fullmatch=True))
def test_any_account_with_computed_check_digits_passes(bban):
    iban = iban_with_check_digits(bban)

    validate_iban(iban)
    # and changing one digit of the account breaks the check
    changed = iban[:10] + str((int(iban[10]) + 1) % 10) + iban[11:]
    assert not iban_checksum_valid(changed)


# --- phone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("051 3800 0000", "+985138000000"),
        ("0912 345 6789", "+989123456789"),
        ("+98 912 345 6789", "+989123456789"),
        ("۰۹۱۲۳۴۵۶۷۸۹", "+989123456789"),
    ],
)
def test_phones_are_stored_in_international_form(typed, stored):
    assert phone_normalise(typed) == stored
    validate_phone(stored)


@pytest.mark.parametrize("typed", ["12345", "0912", "not a phone", ""])
def test_invalid_phones_are_refused_naming_the_field(typed):
    with pytest.raises(ValidationError) as caught:
        validate_phone(phone_normalise(typed))
    assert "Contact phone" in caught.value.messages[0]


# --- licence scan ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PDF_BYTES, "application/pdf"), (PNG_BYTES, "image/png"), (JPEG_BYTES, "image/jpeg")],
)
def test_licence_type_comes_from_the_content(content, content_type):
    assert licence_scan_check(io.BytesIO(content)) == content_type


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, b"just some text, named licence.pdf", b""],
)
def test_other_content_is_refused_whatever_its_name(content):
    with pytest.raises(ValidationError) as caught:
        licence_scan_check(io.BytesIO(content))
    assert caught.value.error_list[0].code == "licence_type"
    assert "Licence scan" in caught.value.messages[0]


def test_a_licence_over_5_mb_is_refused():
    just_over = io.BytesIO(PDF_BYTES + b"\x00" * (LICENCE_MAX_BYTES - len(PDF_BYTES) + 1))
    at_limit = io.BytesIO(PDF_BYTES + b"\x00" * (LICENCE_MAX_BYTES - len(PDF_BYTES)))

    with pytest.raises(ValidationError) as caught:
        licence_scan_check(just_over)
    assert caught.value.error_list[0].code == "licence_too_large"
    assert "Licence scan must be at most 5 MB" in caught.value.messages[0]
    assert licence_scan_check(at_limit) == "application/pdf"
