"""Writes for customs: a product's classification, origin, weight and declaration wording."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from oscar.core.loading import get_model

from customs.models import (
    SUBHEADING_LEVEL,
    HSCode,
    ProductCustomsInfo,
    validate_customs_description,
    validate_origin_country,
)

Product = get_model("catalogue", "Product")

# People write subheadings as "0910.20", "0910 20" or in Persian digits; we store ASCII digits.
_HS_SEPARATORS = re.compile(r"[.\s]")
_NATIVE_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_DESCRIPTION_MAX_LENGTH = ProductCustomsInfo._meta.get_field("customs_description").max_length


def _hs_code_clean(hs_code: str) -> tuple[HSCode | None, str | None]:
    """The HSCode row for a 6-digit subheading, or None and the reason."""
    digits = (
        _HS_SEPARATORS.sub("", hs_code.translate(_NATIVE_DIGITS))
        if isinstance(hs_code, str)
        else ""
    )
    if not re.fullmatch(r"[0-9]{6}", digits):
        return None, f"Enter a 6-digit HS subheading such as 091020, not {hs_code!r}."
    found = HSCode.objects.filter(code=digits, level=SUBHEADING_LEVEL).first()
    if found is None:
        return None, f"{digits} is not a subheading of the HS 2022 nomenclature."
    return found, None


def _field_clean(value: str, validator) -> tuple[str | None, list[str] | None]:
    try:
        validator(value)
    except ValidationError as exc:
        return None, exc.messages
    return value, None


def product_customs_set(
    *,
    product: Product,
    hs_code: str,
    origin_country: str,
    net_weight_grams: int,
    customs_description: str,
    cultural_heritage: bool | None = None,
) -> ProductCustomsInfo:
    """Create or update the customs information of `product`; return it.

    `hs_code` must be an existing 6-digit HS 2022 subheading ("091020"; "0910.20" is accepted);
    `origin_country` an ISO 3166-1 alpha-2 code (case-insensitive); `net_weight_grams` a
    positive int; `customs_description` non-blank printable English (ASCII) of at most 255
    characters. Parent products are refused: their children are what ships. `cultural_heritage`
    flags antiques and cultural-heritage pieces (their export needs an authorisation); None keeps
    the stored flag (False for a new row).

    Raises `django.core.exceptions.ValidationError` whose `message_dict` names every bad field
    (`hs_code`, `origin_country`, `net_weight_grams`, `customs_description`, `product`); nothing
    is written then. Idempotent: with the same values the row is left untouched (its
    `updated_at` does not move). Locks the product's existing row while it updates it.
    """
    errors: dict[str, str | list[str]] = {}
    if product.pk is None:
        errors["product"] = "Save the product before giving it customs information."
    elif product.is_parent:
        errors["product"] = "Parent products are not shipped; set customs information on a child."
    code, error = _hs_code_clean(hs_code)
    if error:
        errors["hs_code"] = error
    country, messages = _field_clean(
        origin_country.strip().upper() if isinstance(origin_country, str) else "",
        validate_origin_country,
    )
    if messages:
        errors["origin_country"] = messages
    if not isinstance(net_weight_grams, int) or isinstance(net_weight_grams, bool):
        errors["net_weight_grams"] = "Enter the net weight as a whole number of grams."
    elif net_weight_grams <= 0:
        errors["net_weight_grams"] = "The net weight must be more than 0 grams."
    description = customs_description.strip() if isinstance(customs_description, str) else ""
    if len(description) > _DESCRIPTION_MAX_LENGTH:
        errors["customs_description"] = (
            f"Keep the description to {_DESCRIPTION_MAX_LENGTH} characters or fewer."
        )
    else:
        description, messages = _field_clean(description, validate_customs_description)
        if messages:
            errors["customs_description"] = messages
    if errors:
        raise ValidationError(errors)
    assert code is not None and country is not None and description is not None

    values = {
        "hs_code_id": code.pk,
        "origin_country": country,
        "net_weight_grams": net_weight_grams,
        "customs_description": description,
    }
    if cultural_heritage is not None:
        values["cultural_heritage"] = bool(cultural_heritage)
    with transaction.atomic():
        info = ProductCustomsInfo.objects.select_for_update().filter(product=product).first()
        if info is None:
            return ProductCustomsInfo.objects.create(product=product, **values)
        changed = [name for name, value in values.items() if getattr(info, name) != value]
        if changed:
            for name in changed:
                setattr(info, name, values[name])
            info.save(update_fields=[*changed, "updated_at"])
        return info
