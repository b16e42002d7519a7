"""Customs models, one module per concern; every name is importable from ``customs.models``.

- ``nomenclature``: the HS 2022 codes (loaded by migration) and each product's customs facts;
- ``rules``: destination rules, HS rules (prohibited, restricted, export authorisation, duty),
  risk rules; effective-dated and audited;
- ``declarations``: declarations, items, events (append-only), documents, queries, risk hits;
- ``hooks``: outbound deliveries (with the dead-letter list), inbound events, merchant
  subscriptions.
"""

from customs.models.declarations import (
    DECLARATION_TRANSITIONS,
    LANE_STATUSES,
    OPEN_STATUSES,
    RELEASED_STATUSES,
    STATUS_RANK,
    Category,
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    DeclarationItem,
    DeclarationQuery,
    DeclarationStatus,
    DocumentKind,
    EventAction,
    RiskHit,
)
from customs.models.hooks import (
    DeliveryKind,
    DeliveryStatus,
    InboundEvent,
    InboundOutcome,
    MerchantWebhookSubscription,
    OutboundDelivery,
)
from customs.models.nomenclature import (
    SUBHEADING_LEVEL,
    HSCode,
    HSLevel,
    ProductCustomsInfo,
    validate_customs_description,
    validate_origin_country,
)
from customs.models.rules import (
    BP_MAX,
    LANE_SEVERITY,
    DestinationRule,
    Direction,
    HSRule,
    HSRuleKind,
    Incoterm,
    Lane,
    RiskRule,
    RiskRuleKind,
    ValuationBasis,
)

__all__ = [
    "BP_MAX",
    "DECLARATION_TRANSITIONS",
    "LANE_SEVERITY",
    "LANE_STATUSES",
    "OPEN_STATUSES",
    "RELEASED_STATUSES",
    "STATUS_RANK",
    "SUBHEADING_LEVEL",
    "Category",
    "Declaration",
    "DeclarationDocument",
    "DeclarationEvent",
    "DeclarationItem",
    "DeclarationQuery",
    "DeclarationStatus",
    "DeliveryKind",
    "DeliveryStatus",
    "DestinationRule",
    "Direction",
    "DocumentKind",
    "EventAction",
    "HSCode",
    "HSLevel",
    "HSRule",
    "HSRuleKind",
    "InboundEvent",
    "InboundOutcome",
    "Incoterm",
    "Lane",
    "MerchantWebhookSubscription",
    "OutboundDelivery",
    "ProductCustomsInfo",
    "RiskHit",
    "RiskRule",
    "RiskRuleKind",
    "ValuationBasis",
    "validate_customs_description",
    "validate_origin_country",
]
