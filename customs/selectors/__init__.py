"""Reads of the customs domain (see each module's docstring).

- ``hs``: finding HS codes;
- ``rules``: destination rules in force, checking lines, the landed cost (duty and import VAT);
- ``risk``: selectivity (lanes and their reasons);
- ``declarations``: officers' queues, merchants' declarations, shipping gating.
"""

from customs.selectors.declarations import (
    QueueFilters,
    declaration_is_released,
    declaration_queue,
    merchant_order_shipment_allowed,
    order_shipment_check,
)
from customs.selectors.hs import MAX_SEARCH_LIMIT, hs_code_search
from customs.selectors.risk import RiskAssessment, risk_assess
from customs.selectors.rules import (
    CustomsLine,
    DestinationRules,
    LandedCostQuote,
    LinesCheck,
    destination_rules_effective_on,
    landed_cost_quote,
    lines_check,
)

__all__ = [
    "MAX_SEARCH_LIMIT",
    "CustomsLine",
    "DestinationRules",
    "LandedCostQuote",
    "LinesCheck",
    "QueueFilters",
    "RiskAssessment",
    "declaration_is_released",
    "declaration_queue",
    "destination_rules_effective_on",
    "hs_code_search",
    "landed_cost_quote",
    "lines_check",
    "merchant_order_shipment_allowed",
    "order_shipment_check",
    "risk_assess",
]
