"""Demo fee rules: the platform's commission, the city fee ("City fee / عوارض شهرداری") and VAT.

All in force from 1 Farvardin 1404 (2025-03-21, Tehran time) until further notice:

- commission 8% of the goods, at least 50,000 and at most 5,000,000 IRR per line; carpets and
  rugs 5% (big tickets) within the same bounds;
- city fee 1%, paid by the buyer as its own line; carpets and rugs 0.5%; handicrafts exempt (the
  city supports its crafts); saffron a fixed 10,000 IRR per unit, deducted from the merchant;
- VAT 10% on domestic deliveries (exports are zero-rated by the engine).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fees.models import FeeKind, FeePayer, FeeRule

VALID_FROM = datetime(2025, 3, 21, tzinfo=ZoneInfo("Asia/Tehran"))  # 1 Farvardin 1404
CURRENCY = "IRR"

#: (kind, category code or None, terms)
RULES: tuple[tuple[str, str | None, dict[str, Any]], ...] = (
    (
        FeeKind.COMMISSION,
        None,
        {
            "rate_bp": 800,
            "min_minor": 50_000,
            "max_minor": 5_000_000,
            "payer": FeePayer.MERCHANT,
            "note": "Platform commission",
        },
    ),
    (
        FeeKind.COMMISSION,
        "carpets-rugs",
        {
            "rate_bp": 500,
            "min_minor": 50_000,
            "max_minor": 5_000_000,
            "payer": FeePayer.MERCHANT,
            "note": "Carpets and rugs: reduced commission",
        },
    ),
    (
        FeeKind.MUNICIPAL_FEE,
        None,
        {"rate_bp": 100, "payer": FeePayer.BUYER, "note": "City fee / عوارض شهرداری"},
    ),
    (
        FeeKind.MUNICIPAL_FEE,
        "carpets-rugs",
        {"rate_bp": 50, "payer": FeePayer.BUYER, "note": "Carpets and rugs: half rate"},
    ),
    (
        FeeKind.MUNICIPAL_FEE,
        "handicrafts",
        {"exempt": True, "payer": FeePayer.BUYER, "note": "Handicrafts are exempt"},
    ),
    (
        FeeKind.MUNICIPAL_FEE,
        "saffron",
        {
            "fixed_minor": 10_000,
            "payer": FeePayer.MERCHANT,
            "note": "Saffron: per unit, paid by the merchant",
        },
    ),
    (FeeKind.VAT, None, {"rate_bp": 1000, "payer": FeePayer.BUYER, "note": "VAT (domestic)"}),
)

_DEFAULTS = {
    "rate_bp": 0,
    "fixed_minor": None,
    "min_minor": None,
    "max_minor": None,
    "payer": FeePayer.MERCHANT,
    "exempt": False,
    "valid_to": None,
    "note": "",
}


def fee_rules_load(result: Any, *, categories: dict[str, Any], partners: dict[str, Any]) -> None:
    """Create or update the demo's fee rules; idempotent (counts into ``result`` as "fee rules").

    A rule is found by its kind, scope, currency and start (1 Farvardin 1404); a second run
    writes nothing and counts every rule unchanged. ``partners`` is unused: the demo has no
    merchant-specific rules.
    """
    from marketplace.demo.services import CREATED, UNCHANGED, UPDATED

    existing = {
        (rule.kind, rule.category_id): rule
        for rule in FeeRule.objects.filter(
            merchant__isnull=True, currency=CURRENCY, valid_from=VALID_FROM
        )
    }
    for kind, category_code, terms in RULES:
        category = categories[category_code] if category_code else None
        values = {**_DEFAULTS, **terms}
        rule = existing.get((kind, category.pk if category else None))
        if rule is None:
            FeeRule.objects.create(
                kind=kind, category=category, currency=CURRENCY, valid_from=VALID_FROM, **values
            )
            result.record("fee rules", CREATED)
            continue
        changed = [name for name, value in values.items() if getattr(rule, name) != value]
        if changed:
            for name in changed:
                setattr(rule, name, values[name])
            rule.save(update_fields=changed)
            result.record("fee rules", UPDATED)
        else:
            result.record("fee rules", UNCHANGED)
