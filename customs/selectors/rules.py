"""Reads of the destination rules: what a country lets in, charges and how; what Iran lets out.

``destination_rules_effective_on`` reads everything a consignment to one country needs in two
queries (the destination rule, then every HS rule of the destination and of the exporting
country); ``lines_check`` and ``landed_cost_quote`` are pure functions of it. Checkout calls them
per merchant order: ``lines_check`` to block prohibited lines with a reason each,
``landed_cost_quote`` for the duty and import VAT to show (DAP) or charge (DDP).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q

from customs.exceptions import DestinationNotSupported
from customs.models import (
    BP_MAX,
    DestinationRule,
    Direction,
    HSRule,
    HSRuleKind,
    Incoterm,
    ValuationBasis,
)
from marketplace.core.money import CurrencyMismatch, allocate_minor


def export_country() -> str:
    """The country our goods leave from (its export rules apply to every consignment)."""
    return str(settings.MARKETPLACE_SHIPPING["domestic_country"])


def _effective(at: datetime) -> Q:
    return Q(valid_from__lte=at) & (Q(valid_to__isnull=True) | Q(valid_to__gt=at))


def rate_apply(amount_minor: int, rate_bp: int) -> int:
    """``amount × rate``, rounded half up to a whole minor unit (amounts are never negative)."""
    return (amount_minor * rate_bp + BP_MAX // 2) // BP_MAX


@dataclass(frozen=True)
class CustomsLine:
    """One line of a consignment as customs sees it; ``value_minor`` is the whole line's value."""

    hs_code: str
    quantity: int
    value_minor: int
    product_id: int | None = None
    cultural_heritage: bool = False
    origin_country: str = "IR"


def customs_lines(lines: Iterable[CustomsLine | Mapping[str, Any]]) -> list[CustomsLine]:
    """``CustomsLine`` objects from themselves or from mappings with ``hs_code``, ``quantity``,
    ``value_minor`` and ``product`` (a product or its id) or ``product_id``; optional
    ``cultural_heritage`` and ``origin_country``. Raises ``ValueError`` naming a bad field."""
    result = []
    for index, line in enumerate(lines):
        if isinstance(line, CustomsLine):
            result.append(line)
            continue
        product = line.get("product", line.get("product_id"))
        product_id = getattr(product, "pk", product)
        hs_code = str(line.get("hs_code") or "")
        quantity, value = line.get("quantity"), line.get("value_minor")
        if not hs_code.isdigit() or len(hs_code) not in (2, 4, 6):
            raise ValueError(f"line {index}: hs_code must be 2, 4 or 6 digits, got {hs_code!r}")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise ValueError(f"line {index}: quantity must be a positive int, got {quantity!r}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"line {index}: value_minor must be an int >= 0, got {value!r}")
        result.append(
            CustomsLine(
                hs_code=hs_code,
                quantity=quantity,
                value_minor=value,
                product_id=product_id,
                cultural_heritage=bool(line.get("cultural_heritage", False)),
                origin_country=str(line.get("origin_country") or "IR"),
            )
        )
    return result


@dataclass(frozen=True)
class DestinationRules:
    """Every rule in force for consignments to ``country`` at ``at``."""

    country: str
    at: datetime
    destination: DestinationRule
    import_rules: tuple[HSRule, ...]
    export_rules: tuple[HSRule, ...]

    def duty_rule_for(self, hs_code: str) -> HSRule | None:
        """The duty rate of the longest HS prefix of ``hs_code``, if any."""
        best: HSRule | None = None
        for rule in self.import_rules:
            if (
                rule.kind == HSRuleKind.DUTY
                and hs_code.startswith(rule.hs_code_id)
                and (best is None or len(rule.hs_code_id) > len(best.hs_code_id))
            ):
                best = rule
        return best

    def goods_rules_for(self, line: CustomsLine) -> list[HSRule]:
        """Prohibitions, restrictions and export authorisations matching the line, shortest prefix
        first."""
        found = [
            rule
            for rule in (*self.import_rules, *self.export_rules)
            if rule.kind != HSRuleKind.DUTY
            and line.hs_code.startswith(rule.hs_code_id)
            and (line.cultural_heritage or not rule.heritage_only)
        ]
        return sorted(found, key=lambda rule: (len(rule.hs_code_id), rule.pk))


def destination_rules_effective_on(*, country: str, at: datetime) -> DestinationRules | None:
    """The destination rule and HS rules in force for ``country`` at ``at``, or None when no
    destination rule is in force (we do not ship there). Two queries; read-only."""
    country = (country or "").upper()
    destination = (
        DestinationRule.objects.filter(_effective(at), country=country)
        .order_by("-valid_from")
        .first()
    )
    if destination is None:
        return None
    origin = export_country()
    rules = list(
        HSRule.objects.filter(
            _effective(at),
            Q(direction=Direction.IMPORT, country=country)
            | Q(direction=Direction.EXPORT, country=origin),
        ).order_by("pk")
    )
    return DestinationRules(
        country=country,
        at=at,
        destination=destination,
        import_rules=tuple(r for r in rules if r.direction == Direction.IMPORT),
        export_rules=tuple(r for r in rules if r.direction == Direction.EXPORT),
    )


def _rules_or_raise(country: str, at: datetime) -> DestinationRules:
    rules = destination_rules_effective_on(country=country, at=at)
    if rules is None:
        raise DestinationNotSupported(country)
    return rules


# --- lines_check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One rule that matched a line: ``kind`` prohibited, restricted or authorisation."""

    kind: str
    rule_id: int
    hs_prefix: str
    reason: str
    document: str = ""


@dataclass(frozen=True)
class LineVerdict:
    index: int
    product_id: int | None
    hs_code: str
    findings: tuple[Finding, ...] = ()

    def _has(self, kind: str) -> bool:
        return any(finding.kind == kind for finding in self.findings)

    @property
    def prohibited(self) -> bool:
        return self._has(HSRuleKind.PROHIBITED)

    @property
    def restricted(self) -> bool:
        return self._has(HSRuleKind.RESTRICTED)

    @property
    def authorisation_needed(self) -> bool:
        return self._has(HSRuleKind.AUTHORISATION)

    @property
    def reasons(self) -> list[str]:
        return [finding.reason for finding in self.findings]


@dataclass(frozen=True)
class LinesCheck:
    country: str
    lines: tuple[LineVerdict, ...]

    @property
    def allowed(self) -> bool:
        """No line is prohibited (restricted and authorised goods may go, with their documents)."""
        return not any(line.prohibited for line in self.lines)

    @property
    def prohibited_lines(self) -> list[LineVerdict]:
        return [line for line in self.lines if line.prohibited]


def _default_reason(rule: HSRule) -> str:
    if rule.kind == HSRuleKind.PROHIBITED:
        return f"HS {rule.hs_code_id} may not be sent to {rule.country}."
    if rule.kind == HSRuleKind.RESTRICTED:
        return f"HS {rule.hs_code_id} needs: {rule.document}."
    return f"Export of HS {rule.hs_code_id} needs: {rule.document}."


def lines_check_with(
    *, rules: DestinationRules, lines: Sequence[CustomsLine | Mapping[str, Any]]
) -> LinesCheck:
    """``lines_check`` against rules already read (no query)."""
    verdicts = []
    for index, line in enumerate(customs_lines(lines)):
        findings = tuple(
            Finding(
                kind=rule.kind,
                rule_id=rule.pk,
                hs_prefix=rule.hs_code_id,
                reason=rule.reason or _default_reason(rule),
                document=rule.document,
            )
            for rule in rules.goods_rules_for(line)
        )
        verdicts.append(
            LineVerdict(
                index=index, product_id=line.product_id, hs_code=line.hs_code, findings=findings
            )
        )
    return LinesCheck(country=rules.country, lines=tuple(verdicts))


def lines_check(
    *, country: str, lines: Sequence[CustomsLine | Mapping[str, Any]], at: datetime
) -> LinesCheck:
    """Check each line of a consignment to ``country`` against the rules in force at ``at``.

    Every line gets its findings: prohibited (import), restricted (import, needs a document) and
    authorisation needed (export, from the exporting country), each with its reason and the
    document to attach. ``allowed`` is False when any line is prohibited: checkout blocks those.
    Raises ``DestinationNotSupported`` when no destination rule is in force, ``ValueError`` for a
    malformed line. Two queries; read-only.
    """
    return lines_check_with(rules=_rules_or_raise(country, at), lines=lines)


# --- landed_cost_quote ------------------------------------------------------------------------


@dataclass(frozen=True)
class LineCost:
    index: int
    product_id: int | None
    hs_code: str
    value_minor: int
    customs_value_minor: int
    duty_rate_bp: int
    duty_rule_id: int | None
    duty_minor: int
    import_vat_minor: int

    @property
    def taxes_minor(self) -> int:
        return self.duty_minor + self.import_vat_minor


@dataclass(frozen=True)
class LandedCostQuote:
    """Duty and import VAT of one consignment. Under DDP ``collect_minor`` (duty + import VAT) is
    charged at checkout and payable to customs (``MerchantOrder.duty_minor``); under DAP it is 0
    and the taxes are an estimate the buyer pays on delivery."""

    country: str
    currency: str
    incoterm: str
    goods_value_minor: int
    shipping_minor: int
    de_minimis_applied: bool
    duty_minor: int
    import_vat_minor: int
    lines: tuple[LineCost, ...]
    rules: dict[str, Any] = field(default_factory=dict)

    @property
    def is_ddp(self) -> bool:
        return self.incoterm == Incoterm.DDP

    @property
    def taxes_minor(self) -> int:
        return self.duty_minor + self.import_vat_minor

    @property
    def collect_minor(self) -> int:
        return self.taxes_minor if self.is_ddp else 0


def landed_cost_quote_with(
    *,
    rules: DestinationRules,
    lines: Sequence[CustomsLine | Mapping[str, Any]],
    shipping_minor: int,
    currency: str,
) -> LandedCostQuote:
    """``landed_cost_quote`` against rules already read (no query)."""
    destination = rules.destination
    if currency != destination.currency:
        raise CurrencyMismatch(currency, destination.currency)
    if not isinstance(shipping_minor, int) or shipping_minor < 0:
        raise ValueError(f"shipping_minor must be an int >= 0, got {shipping_minor!r}")
    parsed = customs_lines(lines)
    goods = sum(line.value_minor for line in parsed)
    de_minimis = goods <= destination.de_minimis_minor
    no_duty = de_minimis
    no_vat = de_minimis and destination.de_minimis_covers_vat
    values = [line.value_minor for line in parsed]
    if destination.valuation_basis == ValuationBasis.CIF and goods > 0:
        shares = allocate_minor(shipping_minor, values)
    else:
        shares = [0] * len(parsed)
    costs = []
    for index, (line, share) in enumerate(zip(parsed, shares, strict=True)):
        rule = rules.duty_rule_for(line.hs_code)
        rate = rule.rate_bp if rule is not None and rule.rate_bp is not None else None
        rate_bp = destination.default_duty_bp if rate is None else rate
        customs_value = line.value_minor + share
        duty = 0 if no_duty else rate_apply(customs_value, rate_bp)
        vat = 0 if no_vat else rate_apply(customs_value + duty, destination.import_vat_bp)
        costs.append(
            LineCost(
                index=index,
                product_id=line.product_id,
                hs_code=line.hs_code,
                value_minor=line.value_minor,
                customs_value_minor=customs_value,
                duty_rate_bp=rate_bp,
                duty_rule_id=rule.pk if rule is not None else None,
                duty_minor=duty,
                import_vat_minor=vat,
            )
        )
    snapshot = {
        "destination_rule": destination.pk,
        "country": rules.country,
        "at": rules.at.isoformat(),
        "incoterm": destination.incoterm,
        "de_minimis_minor": destination.de_minimis_minor,
        "de_minimis_applied": de_minimis,
        "import_vat_bp": destination.import_vat_bp,
        "default_duty_bp": destination.default_duty_bp,
        "valuation_basis": destination.valuation_basis,
        "illustrative": destination.illustrative,
        "lines": [
            {"hs_code": c.hs_code, "duty_rule": c.duty_rule_id, "duty_rate_bp": c.duty_rate_bp}
            for c in costs
        ],
    }
    return LandedCostQuote(
        country=rules.country,
        currency=currency,
        incoterm=destination.incoterm,
        goods_value_minor=goods,
        shipping_minor=shipping_minor,
        de_minimis_applied=de_minimis,
        duty_minor=sum(c.duty_minor for c in costs),
        import_vat_minor=sum(c.import_vat_minor for c in costs),
        lines=tuple(costs),
        rules=snapshot,
    )


def landed_cost_quote(
    *,
    country: str,
    lines: Sequence[CustomsLine | Mapping[str, Any]],
    shipping_minor: int,
    currency: str,
    at: datetime,
) -> LandedCostQuote:
    """Duty and import VAT of a consignment of ``lines`` to ``country`` under the rules at ``at``.

    Per line: the duty rate of the longest matching HS prefix (else the destination's default)
    on the customs value (the line's value plus its share of ``shipping_minor`` by value under
    CIF, largest remainder; the value alone under FOB), rounded half up; import VAT on customs
    value plus duty. When the goods are worth at most the de minimis, no duty (and no VAT unless
    the destination says otherwise). ``incoterm`` DDP means checkout collects ``collect_minor``.

    Raises ``DestinationNotSupported``, ``CurrencyMismatch`` (``currency`` is not the rules'),
    ``ValueError`` for a malformed line. Two queries; read-only.
    """
    return landed_cost_quote_with(
        rules=_rules_or_raise(country, at),
        lines=lines,
        shipping_minor=shipping_minor,
        currency=currency,
    )
