"""Fee rules for tests: saved (``FeeRuleFactory``) or as plain unsaved rows for the pure engine
(``rule``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import factory

from fees.models import FeeKind, FeePayer, FeeRule

#: 1 Farvardin 1404, when the demo rules start; long past, so checkout today is under them.
START = datetime(2025, 3, 21, tzinfo=ZoneInfo("Asia/Tehran"))


class FeeRuleFactory(factory.django.DjangoModelFactory):
    kind = FeeKind.COMMISSION
    rate_bp = 800
    currency = "IRR"
    payer = FeePayer.MERCHANT
    valid_from = START

    class Meta:
        model = FeeRule


def rule(kind: str = FeeKind.COMMISSION, **fields) -> FeeRule:
    """An unsaved rule for the pure engine; ``merchant_id`` / ``category_id`` set its scope."""
    values = {"rate_bp": 0, "currency": "IRR", "payer": FeePayer.MERCHANT, "valid_from": START}
    values.update(fields)
    return FeeRule(kind=kind, **values)


def standard_rules() -> list[FeeRule]:
    """The demo's general rules, saved: commission 8% (50,000..5,000,000 per line), city fee 1%
    paid by the buyer, VAT 10%."""
    return [
        FeeRuleFactory(kind=FeeKind.COMMISSION, rate_bp=800, min_minor=50_000, max_minor=5_000_000),
        FeeRuleFactory(kind=FeeKind.MUNICIPAL_FEE, rate_bp=100, payer=FeePayer.BUYER),
        FeeRuleFactory(kind=FeeKind.VAT, rate_bp=1000, payer=FeePayer.BUYER),
    ]
