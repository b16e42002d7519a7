"""Destination rules: what a country lets in and charges, and what Iran lets out; risk rules.

Every rule is effective-dated (``valid_from`` inclusive, ``valid_to`` exclusive, open when empty)
and audited by ``pghistory`` (each insert and update is kept as an event row, with the admin user
who made it). Rules are edited in the Django admin; the seed rows of migration
``0004_seed_destination_rules`` are illustrative, for the operator to confirm.

- ``DestinationRule``: one per destination country and period: de minimis, import VAT, the
  default duty, DDP (the marketplace collects duties at checkout) or DAP (the buyer pays on
  delivery), and whether shipping is part of the customs value (CIF) or not (FOB).
- ``HSRule``: a rule on an HS prefix (chapter, heading or subheading): prohibited, restricted
  (needs a document), export authorisation (origin side), or a duty rate (longest prefix wins).
- ``RiskRule``: ASYCUDA-style selectivity criteria; see ``customs.selectors.risk``.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from customs.models.nomenclature import HSCode, validate_origin_country

BP_MAX = 10_000  # 100% in basis points


class TsTzRange(Func):
    """PostgreSQL ``tstzrange(valid_from, valid_to, '[)')`` for the no-overlap constraints."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def _period() -> TsTzRange:
    return TsTzRange("valid_from", "valid_to", RangeBoundary())


class Incoterm(models.TextChoices):
    DDP = "DDP", _("DDP: duties collected at checkout")
    DAP = "DAP", _("DAP: the buyer pays duties on delivery")


class ValuationBasis(models.TextChoices):
    CIF = "cif", _("CIF: goods and shipping")
    FOB = "fob", _("FOB: goods only")


class EffectiveDated(models.Model):
    valid_from = models.DateTimeField(_("Valid from"))
    valid_to = models.DateTimeField(_("Valid until"), null=True, blank=True)
    illustrative = models.BooleanField(
        _("Illustrative"),
        default=False,
        help_text=_("Seed data for the operator to confirm against the destination's tariff."),
    )
    note = models.CharField(_("Note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Created by"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        abstract = True


@pghistory.track()
class DestinationRule(EffectiveDated):
    """What one destination country charges and how, for one period."""

    country = models.CharField(
        _("Destination country"),
        max_length=2,
        validators=[validate_origin_country],
        help_text=_("ISO 3166-1 alpha-2 code."),
    )
    incoterm = models.CharField(
        _("Duties"), max_length=3, choices=Incoterm.choices, default=Incoterm.DAP
    )
    currency = models.CharField(_("Currency"), max_length=3, default="IRR")
    de_minimis_minor = models.BigIntegerField(
        _("De minimis (goods value)"),
        default=0,
        help_text=_("Consignments whose goods are worth at most this pay no duty."),
    )
    de_minimis_covers_vat = models.BooleanField(
        _("De minimis also exempts import VAT"), default=True
    )
    import_vat_bp = models.PositiveIntegerField(_("Import VAT (basis points, 100 = 1%)"), default=0)
    default_duty_bp = models.PositiveIntegerField(
        _("Duty when no HS rate matches (basis points)"), default=0
    )
    valuation_basis = models.CharField(
        _("Customs value"),
        max_length=3,
        choices=ValuationBasis.choices,
        default=ValuationBasis.CIF,
    )

    class Meta:
        ordering = ("country", "-valid_from")
        verbose_name = _("Destination rule")
        verbose_name_plural = _("Destination rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="customs_destinationrule_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"),
                name="customs_destinationrule_country_alpha2",
            ),
            models.CheckConstraint(
                condition=Q(import_vat_bp__lte=BP_MAX) & Q(default_duty_bp__lte=BP_MAX),
                name="customs_destinationrule_rates_at_most_100_percent",
            ),
            models.CheckConstraint(
                condition=Q(de_minimis_minor__gte=0),
                name="customs_destinationrule_de_minimis_not_negative",
            ),
            ExclusionConstraint(
                name="customs_destinationrule_no_overlap",
                expressions=[
                    ("country", RangeOperators.EQUAL),
                    (_period(), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_(
                    "Another rule for this country is in force during this period."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.incoterm} from {self.valid_from:%Y-%m-%d}"


class Direction(models.TextChoices):
    IMPORT = "import", _("Import into the destination")
    EXPORT = "export", _("Export from the origin")


class HSRuleKind(models.TextChoices):
    PROHIBITED = "prohibited", _("Prohibited")
    RESTRICTED = "restricted", _("Restricted: needs a document")
    AUTHORISATION = "authorisation", _("Export authorisation needed")
    DUTY = "duty", _("Duty rate")


@pghistory.track()
class HSRule(EffectiveDated):
    """One rule on an HS prefix for one country and direction.

    Import rules are keyed by the destination country, export rules by the country the goods leave
    (``MARKETPLACE_SHIPPING["domestic_country"]``, Iran). ``heritage_only`` narrows a rule to goods
    flagged as antiques or cultural heritage (``ProductCustomsInfo.cultural_heritage``).
    """

    Kind = HSRuleKind

    direction = models.CharField(
        _("Direction"), max_length=6, choices=Direction.choices, default=Direction.IMPORT
    )
    country = models.CharField(
        _("Country"),
        max_length=2,
        validators=[validate_origin_country],
        help_text=_("The destination for import rules, the exporting country for export rules."),
    )
    hs_code = models.ForeignKey(
        HSCode,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("HS prefix"),
        help_text=_("A chapter (2 digits), heading (4) or subheading (6): the rule covers it all."),
    )
    kind = models.CharField(_("Rule"), max_length=16, choices=HSRuleKind.choices)
    rate_bp = models.PositiveIntegerField(
        _("Duty rate (basis points)"), null=True, blank=True, help_text=_("Duty rules only.")
    )
    document = models.CharField(
        _("Document needed"),
        max_length=255,
        blank=True,
        help_text=_("Restricted goods and export authorisations: the document to attach."),
    )
    heritage_only = models.BooleanField(
        _("Only antiques and cultural heritage"),
        default=False,
        help_text=_("Apply only to goods flagged as antiques or cultural heritage."),
    )
    reason = models.CharField(
        _("Reason"), max_length=255, blank=True, help_text=_("Shown to the buyer and the officer.")
    )

    class Meta:
        ordering = ("country", "direction", "hs_code", "kind", "-valid_from")
        verbose_name = _("HS rule")
        verbose_name_plural = _("HS rules")
        indexes = [models.Index(fields=["country", "direction"], name="customs_hsrule_country_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="customs_hsrule_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"), name="customs_hsrule_country_alpha2"
            ),
            # A duty is an import rate; every other kind has no rate.
            models.CheckConstraint(
                condition=(
                    Q(kind=HSRuleKind.DUTY, rate_bp__isnull=False, rate_bp__lte=BP_MAX)
                    & Q(direction=Direction.IMPORT)
                )
                | (~Q(kind=HSRuleKind.DUTY) & Q(rate_bp__isnull=True)),
                name="customs_hsrule_rate_iff_duty",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[HSRuleKind.RESTRICTED, HSRuleKind.AUTHORISATION])
                | ~Q(document=""),
                name="customs_hsrule_document_given",
            ),
            models.CheckConstraint(
                condition=~Q(kind=HSRuleKind.RESTRICTED) | Q(direction=Direction.IMPORT),
                name="customs_hsrule_restricted_is_import",
            ),
            models.CheckConstraint(
                condition=~Q(kind=HSRuleKind.AUTHORISATION) | Q(direction=Direction.EXPORT),
                name="customs_hsrule_authorisation_is_export",
            ),
            ExclusionConstraint(
                name="customs_hsrule_one_duty_per_prefix",
                expressions=[
                    ("country", RangeOperators.EQUAL),
                    ("hs_code", RangeOperators.EQUAL),
                    (_period(), RangeOperators.OVERLAPS),
                ],
                condition=Q(kind=HSRuleKind.DUTY),
                violation_error_message=_(
                    "Another duty rate for this prefix and country is in force during this period."
                ),
            ),
        ]

    def __str__(self) -> str:
        rate = f" {self.rate_bp / 100:g}%" if self.rate_bp is not None else ""
        return f"{self.country} {self.direction} {self.hs_code_id} {self.kind}{rate}"


class Lane(models.TextChoices):
    GREEN = "green", _("Green: release")
    YELLOW = "yellow", _("Yellow: documentary check")
    RED = "red", _("Red: physical inspection")
    BLUE = "blue", _("Blue: release, post-clearance audit")


#: The lane that wins when several rules hit: the strictest.
LANE_SEVERITY: dict[str, int] = {Lane.GREEN: 0, Lane.BLUE: 1, Lane.YELLOW: 2, Lane.RED: 3}


class RiskRuleKind(models.TextChoices):
    HS_PREFIX = "hs_prefix", _("HS prefix")
    DESTINATION = "destination", _("Destination country")
    UNDER_DECLARED = "under_declared", _("Declared value below the catalogue price")
    NEW_MERCHANT = "new_merchant", _("New merchant (age or first declarations)")
    MERCHANT_REJECTIONS = "merchant_rejections", _("Merchant's past rejections")
    VALUE_PER_WEIGHT = "value_per_weight", _("Value per kilogram out of range")
    RANDOM = "random", _("Random selection")


@pghistory.track()
class RiskRule(models.Model):
    """One selectivity criterion: when it hits, the declaration goes to at least ``lane``.

    Parameters by kind: ``hs_prefix`` uses ``hs_code``; ``destination`` ``country``;
    ``under_declared`` ``threshold_bp`` (declared unit value below the catalogue price by more than
    this); ``new_merchant`` ``count`` (the merchant's first N declarations) and/or ``days`` (merchant
    younger than N days); ``merchant_rejections`` ``count`` (at least N rejected declarations);
    ``value_per_weight`` ``min_per_kg_minor`` and/or ``max_per_kg_minor``; ``random`` ``rate_bp``
    (reproducible: seeded from the declaration id and the rule id).
    """

    Kind = RiskRuleKind

    name = models.CharField(_("Name"), max_length=128)
    kind = models.CharField(_("Criterion"), max_length=24, choices=RiskRuleKind.choices)
    lane = models.CharField(
        _("Lane when hit"),
        max_length=8,
        choices=[(value, label) for value, label in Lane.choices if value != Lane.GREEN],
    )
    active = models.BooleanField(_("Active"), default=True)
    hs_code = models.ForeignKey(
        HSCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("HS prefix"),
    )
    country = models.CharField(_("Destination country"), max_length=2, blank=True)
    threshold_bp = models.PositiveIntegerField(
        _("Under-declaration threshold (basis points)"), null=True, blank=True
    )
    count = models.PositiveIntegerField(_("Count"), null=True, blank=True)
    days = models.PositiveIntegerField(_("Days"), null=True, blank=True)
    min_per_kg_minor = models.BigIntegerField(_("Minimum value per kg"), null=True, blank=True)
    max_per_kg_minor = models.BigIntegerField(_("Maximum value per kg"), null=True, blank=True)
    rate_bp = models.PositiveIntegerField(_("Selection rate (basis points)"), null=True, blank=True)
    illustrative = models.BooleanField(_("Illustrative"), default=False)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("kind", "name")
        verbose_name = _("Risk rule")
        verbose_name_plural = _("Risk rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(lane__in=[Lane.YELLOW, Lane.RED, Lane.BLUE]),
                name="customs_riskrule_lane_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RiskRuleKind.HS_PREFIX) | Q(hs_code__isnull=False),
                name="customs_riskrule_hs_prefix_has_code",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RiskRuleKind.DESTINATION) | Q(country__regex=r"^[A-Z]{2}$"),
                name="customs_riskrule_destination_has_country",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RiskRuleKind.UNDER_DECLARED)
                | Q(threshold_bp__isnull=False, threshold_bp__lte=BP_MAX),
                name="customs_riskrule_under_declared_has_threshold",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RiskRuleKind.NEW_MERCHANT)
                | Q(count__isnull=False)
                | Q(days__isnull=False),
                name="customs_riskrule_new_merchant_has_count_or_days",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RiskRuleKind.MERCHANT_REJECTIONS) | Q(count__gte=1),
                name="customs_riskrule_rejections_has_count",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RiskRuleKind.VALUE_PER_WEIGHT)
                | Q(min_per_kg_minor__isnull=False)
                | Q(max_per_kg_minor__isnull=False),
                name="customs_riskrule_value_per_weight_has_bounds",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RiskRuleKind.RANDOM)
                | Q(rate_bp__isnull=False, rate_bp__lte=BP_MAX),
                name="customs_riskrule_random_has_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.lane}"
