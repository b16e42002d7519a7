"""Selectivity, ASYCUDA style: which lane a declaration goes to, and why.

Every active ``RiskRule`` is evaluated; each one that hits gives a reason the officer sees and a
lane; the strictest lane wins (red over yellow over blue), no hit is green. The random rules are
reproducible: each draws from a generator seeded with the declaration id and the rule id, so
assessing the same declaration again gives the same lanes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from customs.models import (
    BP_MAX,
    LANE_SEVERITY,
    Declaration,
    DeclarationItem,
    DeclarationStatus,
    Lane,
    RiskRule,
    RiskRuleKind,
)
from marketplace.core.money import to_minor

StockRecord = get_model("partner", "StockRecord")


@dataclass(frozen=True)
class Hit:
    rule_id: int
    kind: str
    lane: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RiskAssessment:
    lane: str
    hits: tuple[Hit, ...]


def random_draw(*, declaration_id: int, rule_id: int) -> int:
    """A number in [0, 10000) that is always the same for this declaration and rule."""
    return random.Random(f"customs-risk:{declaration_id}:{rule_id}").randrange(BP_MAX)


def _per_kg(value_minor: int, grams: int) -> int | None:
    return None if grams <= 0 else value_minor * 1000 // grams


def _catalogue_prices(declaration: Declaration, items: list[DeclarationItem]) -> dict[int, int]:
    """Catalogue unit price of each product, from the merchant's stock record, in the
    declaration's currency (records in other currencies are not compared)."""
    product_ids = [item.product_id for item in items if item.product_id]
    prices: dict[int, int] = {}
    records = StockRecord.objects.filter(
        partner_id=declaration.merchant.partner_id, product_id__in=product_ids
    ).only("product_id", "price", "price_currency")
    for record in records:
        if record.price is not None and record.price_currency == declaration.currency:
            prices[record.product_id] = to_minor(Decimal(record.price), declaration.currency)
    return prices


def _history(declaration: Declaration) -> dict[str, int]:
    return (
        Declaration.objects.filter(merchant_id=declaration.merchant_id)
        .exclude(pk=declaration.pk)
        .aggregate(
            earlier=Count("pk", filter=Q(submitted_at__lte=declaration.submitted_at)),
            rejected=Count("pk", filter=Q(status=DeclarationStatus.REJECTED)),
        )
    )


def risk_assess(*, declaration: Declaration) -> RiskAssessment:
    """Evaluate every active risk rule against ``declaration`` (saved, with its items).

    Returns the lane and one ``Hit`` per rule that hit, each with a reason in plain words and
    the figures behind it. Read-only: four queries (rules, items, history, catalogue prices).
    """
    rules = list(RiskRule.objects.filter(active=True).order_by("pk"))
    items = list(declaration.items.order_by("sequence"))
    needs = {rule.kind for rule in rules}
    history = (
        _history(declaration)
        if needs & {RiskRuleKind.NEW_MERCHANT, RiskRuleKind.MERCHANT_REJECTIONS}
        else {}
    )
    prices = _catalogue_prices(declaration, items) if RiskRuleKind.UNDER_DECLARED in needs else {}
    hits: list[Hit] = []
    for rule in rules:
        hit = _evaluate(rule, declaration, items, history, prices)
        if hit is not None:
            hits.append(hit)
    lane = Lane.GREEN
    for hit in hits:
        if LANE_SEVERITY[hit.lane] > LANE_SEVERITY[lane]:
            lane = Lane(hit.lane)
    return RiskAssessment(lane=str(lane), hits=tuple(hits))


def _evaluate(
    rule: RiskRule,
    declaration: Declaration,
    items: list[DeclarationItem],
    history: dict[str, int],
    prices: dict[int, int],
) -> Hit | None:
    def hit(reason: str, **detail: Any) -> Hit:
        return Hit(rule_id=rule.pk, kind=rule.kind, lane=rule.lane, reason=reason, detail=detail)

    kind = rule.kind
    if kind == RiskRuleKind.HS_PREFIX:
        codes = sorted({i.hs_code_id for i in items if i.hs_code_id.startswith(rule.hs_code_id)})
        if codes:
            return hit(
                _("HS %(codes)s is under HS %(prefix)s (%(rule)s).")
                % {"codes": ", ".join(codes), "prefix": rule.hs_code_id, "rule": rule.name},
                hs_codes=codes,
            )
    elif kind == RiskRuleKind.DESTINATION:
        if declaration.destination_country == rule.country:
            return hit(
                _("Destination %(country)s (%(rule)s).")
                % {"country": rule.country, "rule": rule.name}
            )
    elif kind == RiskRuleKind.UNDER_DECLARED:
        assert rule.threshold_bp is not None
        for item in items:
            catalogue = prices.get(item.product_id or 0)
            if not catalogue:
                continue
            declared_unit = item.value_minor // item.quantity
            if declared_unit * BP_MAX < catalogue * (BP_MAX - rule.threshold_bp):
                return hit(
                    _(
                        "Item %(n)d declared at %(declared)d per unit, catalogue price %(catalogue)d:"
                        " more than %(pct)s%% below."
                    )
                    % {
                        "n": item.sequence,
                        "declared": declared_unit,
                        "catalogue": catalogue,
                        "pct": f"{rule.threshold_bp / 100:g}",
                    },
                    item=item.sequence,
                    declared_unit_minor=declared_unit,
                    catalogue_unit_minor=catalogue,
                )
    elif kind == RiskRuleKind.NEW_MERCHANT:
        earlier = history.get("earlier", 0)
        if rule.count is not None and earlier < rule.count:
            return hit(
                _("The merchant's declaration number %(n)d (the first %(count)d are checked).")
                % {"n": earlier + 1, "count": rule.count},
                earlier_declarations=earlier,
            )
        age_days = (timezone.now() - declaration.merchant.created_at).days
        if rule.days is not None and age_days < rule.days:
            return hit(
                _("The merchant has traded for %(age)d days (under %(days)d).")
                % {"age": age_days, "days": rule.days},
                merchant_age_days=age_days,
            )
    elif kind == RiskRuleKind.MERCHANT_REJECTIONS:
        rejected = history.get("rejected", 0)
        if rule.count is not None and rejected >= rule.count:
            return hit(
                _("The merchant has %(n)d rejected declaration(s).") % {"n": rejected},
                rejected_declarations=rejected,
            )
    elif kind == RiskRuleKind.VALUE_PER_WEIGHT:
        chosen = [
            i for i in items if not rule.hs_code_id or i.hs_code_id.startswith(rule.hs_code_id)
        ]
        if chosen:
            per_kg = _per_kg(
                sum(i.value_minor for i in chosen), sum(i.net_weight_grams for i in chosen)
            )
            low = (
                rule.min_per_kg_minor is not None
                and per_kg is not None
                and per_kg < rule.min_per_kg_minor
            )
            high = (
                rule.max_per_kg_minor is not None
                and per_kg is not None
                and per_kg > rule.max_per_kg_minor
            )
            if low or high:
                return hit(
                    _("Declared value %(per_kg)d per kg is %(side)s the range of %(rule)s.")
                    % {
                        "per_kg": per_kg,
                        "side": _("below") if low else _("above"),
                        "rule": rule.name,
                    },
                    value_per_kg_minor=per_kg,
                )
    elif kind == RiskRuleKind.RANDOM:
        assert rule.rate_bp is not None
        draw = random_draw(declaration_id=declaration.pk, rule_id=rule.pk)
        if draw < rule.rate_bp:
            return hit(
                _("Selected at random (%(rule)s).") % {"rule": rule.name},
                draw=draw,
                rate_bp=rule.rate_bp,
            )
    return None
