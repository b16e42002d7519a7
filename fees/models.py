"""Fee rules (effective-dated, audited) and the frozen per-line snapshot every order keeps.

A ``FeeRule`` says what one fee is from ``valid_from`` until ``valid_to``: the platform's commission,
the municipal fee ("City fee / عوارض شهرداری") or VAT, for everyone or narrowed to a merchant and/or
a category. ``OrderLineFees`` is what the fee engine worked out for one order line at checkout,
with the rules it used; changing a rule later never changes it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class FeeKind(models.TextChoices):
    COMMISSION = "commission", _("Platform commission")
    MUNICIPAL_FEE = "municipal_fee", _("City fee")
    VAT = "vat", _("VAT")


class FeePayer(models.TextChoices):
    BUYER = "buyer", _("Buyer (a line of its own at checkout)")
    MERCHANT = "merchant", _("Merchant (deducted from the payout)")


class TsTzRange(Func):
    """PostgreSQL's ``tstzrange(lower, upper, bounds)``: a rule's period for the exclusion constraint."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class FeeRule(models.Model):
    """One fee from ``valid_from`` (inclusive) to ``valid_to`` (exclusive, open when empty).

    The rate is in basis points (1% = 100). A municipal fee may instead be a fixed amount per unit
    (``fixed_minor`` in ``currency``). Commission may be bounded per line by ``min_minor`` and
    ``max_minor``. ``exempt`` makes the matching scope pay nothing. The most specific rule wins:
    merchant and category, then merchant, then category, then the general rule.

    Two rules of the same kind, scope and currency never overlap in time (a database exclusion
    constraint). A rule that took effect is never edited in place for money: a change ends it and
    creates its successor (``replaces`` points back), so every past order stays explainable.
    """

    Kind = FeeKind
    Payer = FeePayer

    kind = models.CharField(_("Fee"), max_length=16, choices=FeeKind.choices)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_rules",
    )
    category = models.ForeignKey(
        "catalogue.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_rules",
    )
    rate_bp = models.PositiveIntegerField(_("Rate (basis points, 100 = 1%)"), default=0)
    fixed_minor = models.BigIntegerField(_("Fixed amount per unit"), null=True, blank=True)
    currency = models.CharField(_("Currency"), max_length=3, default="IRR")
    min_minor = models.BigIntegerField(_("Minimum per line"), null=True, blank=True)
    max_minor = models.BigIntegerField(_("Maximum per line"), null=True, blank=True)
    payer = models.CharField(
        _("Paid by"), max_length=8, choices=FeePayer.choices, default=FeePayer.MERCHANT
    )
    exempt = models.BooleanField(_("Exempt"), default=False)
    valid_from = models.DateTimeField(_("Valid from"))
    valid_to = models.DateTimeField(_("Valid until"), null=True, blank=True)
    note = models.CharField(_("Note"), max_length=255, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name=_("Replaces"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ("kind", "-valid_from")
        verbose_name = _("Fee rule")
        verbose_name_plural = _("Fee rules")
        indexes = [models.Index(fields=["valid_from", "valid_to"], name="fees_feerule_period_idx")]
        constraints = [
            ExclusionConstraint(
                name="fees_feerule_no_overlap",
                expressions=[
                    ("kind", RangeOperators.EQUAL),
                    (Coalesce("merchant", Value(0)), RangeOperators.EQUAL),
                    (Coalesce("category", Value(0)), RangeOperators.EQUAL),
                    ("currency", RangeOperators.EQUAL),
                    (
                        TsTzRange("valid_from", "valid_to", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_(
                    "Another rule of this kind and scope is in force during this period."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="fees_feerule_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(rate_bp__lte=10000), name="fees_feerule_rate_at_most_100_percent"
            ),
            models.CheckConstraint(
                condition=Q(fixed_minor__isnull=True) | Q(fixed_minor__gte=0),
                name="fees_feerule_fixed_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_minor__isnull=True)
                | Q(max_minor__isnull=True)
                | Q(min_minor__lte=F("max_minor")),
                name="fees_feerule_min_within_max",
            ),
        ]

    def __str__(self) -> str:
        if self.exempt:
            return f"{self.get_kind_display()}: {_('exempt')}"
        if self.fixed_minor is not None:
            return f"{self.get_kind_display()} {self.fixed_minor} {self.currency}"
        return f"{self.get_kind_display()} {self.rate_percent.normalize():f}%"

    @property
    def rate_percent(self) -> Decimal:
        """The rate in percent, exactly (``rate_bp`` 850 -> ``Decimal("8.50")``)."""
        return Decimal(self.rate_bp).scaleb(-2)

    def state_on(self, at: datetime) -> str:
        """ "future", "current" or "past" at the instant ``at``."""
        if self.valid_from > at:
            return "future"
        if self.valid_to is not None and self.valid_to <= at:
            return "past"
        return "current"


class OrderLineFees(models.Model):
    """The frozen money breakdown of one order line, written with the order.

    ``gross_minor`` is what the buyer paid for the line (goods after discount, plus the city fee
    when the buyer pays it, plus VAT and duties); it always equals ``merchant_net_minor +
    commission_minor + municipal_fee_minor + vat_minor + duty_minor`` (database CHECK). The
    merchant order's shipping is not in any line: it goes to the merchant whole.
    """

    merchant_order = models.ForeignKey(
        "purchases.MerchantOrder", on_delete=models.PROTECT, related_name="line_fees"
    )
    line = models.OneToOneField("order.Line", on_delete=models.PROTECT, related_name="fees")
    category = models.ForeignKey(
        "catalogue.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    currency = models.CharField(_("Currency"), max_length=3)
    quantity = models.PositiveIntegerField(_("Quantity"))
    base_minor = models.BigIntegerField(_("Goods after discount"))
    city_fee_minor = models.BigIntegerField(_("City fee paid by the buyer"), default=0)
    municipal_fee_minor = models.BigIntegerField(_("City fee"), default=0)
    municipal_fee_payer = models.CharField(
        _("City fee paid by"), max_length=8, choices=FeePayer.choices, default=FeePayer.MERCHANT
    )
    commission_minor = models.BigIntegerField(_("Commission"), default=0)
    vat_minor = models.BigIntegerField(_("VAT"), default=0)
    duty_minor = models.BigIntegerField(_("Duties"), default=0)
    gross_minor = models.BigIntegerField(_("Paid by the buyer"))
    merchant_net_minor = models.BigIntegerField(_("Merchant's share"))
    # The rules applied: {"commission": {"rule": id, "rate_bp": n, ...}, "municipal_fee": ..., ...}
    rules = models.JSONField(_("Rules applied"), default=dict)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ("merchant_order", "line")
        verbose_name = _("Order line fees")
        verbose_name_plural = _("Order line fees")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    gross_minor=F("merchant_net_minor")
                    + F("commission_minor")
                    + F("municipal_fee_minor")
                    + F("vat_minor")
                    + F("duty_minor")
                ),
                name="fees_orderlinefees_parts_sum_to_gross",
            ),
            models.CheckConstraint(
                condition=Q(
                    gross_minor=F("base_minor")
                    + F("city_fee_minor")
                    + F("vat_minor")
                    + F("duty_minor")
                ),
                name="fees_orderlinefees_gross_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(base_minor__gte=0)
                & Q(city_fee_minor__gte=0)
                & Q(municipal_fee_minor__gte=0)
                & Q(commission_minor__gte=0)
                & Q(vat_minor__gte=0)
                & Q(duty_minor__gte=0),
                name="fees_orderlinefees_parts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"fees of line {self.line_id}"
