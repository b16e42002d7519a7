"""Customs reference data (the HS 2022 nomenclature) and the customs facts of each product.

``HSCode`` rows are loaded by migration ``0002_load_hs_2022`` from ``customs/data/``, so every
database has them; they are reference data, never edited by hand. ``ProductCustomsInfo`` attaches
what a customs declaration needs to Oscar's ``catalogue.Product`` without forking it. Write it
through ``customs.services.product_customs_set``.
"""

from __future__ import annotations

import re

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

#: Only 6-digit subheadings are specific enough to declare goods under.
SUBHEADING_LEVEL = 6

_ALPHA_2 = re.compile(r"[A-Z]{2}")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


def validate_origin_country(value: str) -> None:
    """Refuse anything but an upper-case ISO 3166-1 alpha-2 code that exists ("IR", "AF")."""
    if not _ALPHA_2.fullmatch(value) or pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(
            _("Enter an ISO 3166-1 alpha-2 country code such as IR, not %(value)r."),
            code="invalid_country",
            params={"value": value},
        )


def validate_customs_description(value: str) -> None:
    """Customs forms are filled in English: plain printable ASCII, not blank."""
    if not value.strip():
        raise ValidationError(_("Describe the goods in English for the declaration."), code="blank")
    if not _PRINTABLE_ASCII.fullmatch(value):
        raise ValidationError(
            _("Write the description in plain English (Latin letters, no line breaks)."),
            code="not_english",
        )


class HSLevel(models.IntegerChoices):
    CHAPTER = 2, _("Chapter")
    HEADING = 4, _("Heading")
    SUBHEADING = 6, _("Subheading")


class HSCode(models.Model):
    """One chapter (2 digits), heading (4) or subheading (6) of the Harmonized System 2022."""

    Level = HSLevel

    code = models.CharField(_("Code"), max_length=6, primary_key=True)
    level = models.PositiveSmallIntegerField(_("Level"), choices=HSLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("Parent"),
    )
    description = models.TextField(_("Description (English)"))
    section = models.CharField(_("Section"), max_length=5, help_text=_("Roman numeral, I-XXI"))

    class Meta:
        ordering = ("code",)
        verbose_name = _("HS code")
        verbose_name_plural = _("HS codes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=HSLevel.values),
                name="customs_hscode_level_valid",
            ),
            # The code has exactly `level` digits: "09" is a chapter, "091020" a subheading.
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]+$")
                & models.lookups.Exact(Length("code"), models.F("level")),
                name="customs_hscode_code_matches_level",
            ),
            models.CheckConstraint(
                condition=models.Q(level=HSLevel.CHAPTER, parent__isnull=True)
                | models.Q(level__gt=HSLevel.CHAPTER, parent__isnull=False),
                name="customs_hscode_parent_unless_chapter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def is_subheading(self) -> bool:
        return self.level == SUBHEADING_LEVEL


class ProductCustomsInfo(models.Model):
    """What customs needs to know about one product: classification, origin, weight, wording."""

    product = models.OneToOneField(
        "catalogue.Product",
        on_delete=models.CASCADE,
        related_name="customs_info",
        verbose_name=_("Product"),
    )
    hs_code = models.ForeignKey(
        HSCode,
        on_delete=models.PROTECT,
        related_name="product_customs_infos",
        limit_choices_to={"level": SUBHEADING_LEVEL},
        verbose_name=_("HS code"),
        help_text=_("A 6-digit HS 2022 subheading."),
    )
    origin_country = models.CharField(
        _("Country of origin"),
        max_length=2,
        default="IR",
        validators=[validate_origin_country],
        help_text=_("ISO 3166-1 alpha-2 code."),
    )
    net_weight_grams = models.PositiveIntegerField(_("Net weight (grams)"))
    customs_description = models.CharField(
        _("Customs description (English)"),
        max_length=255,
        validators=[validate_customs_description],
        help_text=_("Plain English wording for the declaration, e.g. 'Saffron, dried stigmas'."),
    )
    cultural_heritage = models.BooleanField(
        _("Antique or cultural heritage"),
        default=False,
        help_text=_(
            "Tick for antiques and cultural-heritage pieces (an old hand-knotted carpet): their "
            "export needs an authorisation."
        ),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Product customs information")
        verbose_name_plural = _("Product customs information")
        constraints = [
            # HSCode's own constraint ties a code's length to its level, so 6 digits here means a
            # subheading: the database refuses chapters and headings without a cross-table check.
            models.CheckConstraint(
                condition=models.lookups.Exact(Length("hs_code"), SUBHEADING_LEVEL),
                name="customs_productcustomsinfo_hs_code_subheading",
            ),
            models.CheckConstraint(
                condition=models.Q(origin_country__regex=r"^[A-Z]{2}$"),
                name="customs_productcustomsinfo_origin_country_alpha2",
            ),
            models.CheckConstraint(
                condition=models.Q(net_weight_grams__gt=0),
                name="customs_productcustomsinfo_net_weight_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(customs_description=""),
                name="customs_productcustomsinfo_description_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.hs_code_id} ({self.origin_country})"

    def clean(self) -> None:
        super().clean()
        if self.hs_code_id is not None and len(self.hs_code_id) != SUBHEADING_LEVEL:
            raise ValidationError(
                {"hs_code": _("Choose a 6-digit HS subheading, not a chapter or heading.")}
            )
