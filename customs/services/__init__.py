"""Writes of the customs domain (see each module's docstring).

- ``products``: a product's classification, origin, weight and wording;
- ``declarations``: creating a declaration from a paid cross-border merchant order, and the status
  machinery (transitions, audit events, the settlement and refund seams);
- ``workflow``: what officers do (claim, assign, release, query, hold, inspect, amend, reject)
  and merchants' answers with documents;
- ``hooks``: outbound deliveries (customs system, merchants' systems), inbound callbacks;
- ``sla``: SLA escalation.
"""

from customs.services.declarations import declaration_create, rejection_refund
from customs.services.hooks import (
    inbound_event_ingest,
    inbound_event_process,
    outbound_delivery_attempt,
    outbound_delivery_give_up,
    outbound_delivery_retry,
)
from customs.services.products import product_customs_set
from customs.services.sla import declarations_sla_escalate
from customs.services.workflow import (
    declaration_amend,
    declaration_assign,
    declaration_claim,
    declaration_exit,
    declaration_hold,
    declaration_inspection_record,
    declaration_query,
    declaration_query_answer,
    declaration_reject,
    declaration_release,
    declaration_release_approve,
    document_add,
)

__all__ = [
    "declaration_amend",
    "declaration_assign",
    "declaration_claim",
    "declaration_create",
    "declaration_exit",
    "declaration_hold",
    "declaration_inspection_record",
    "declaration_query",
    "declaration_query_answer",
    "declaration_reject",
    "declaration_release",
    "declaration_release_approve",
    "declarations_sla_escalate",
    "document_add",
    "inbound_event_ingest",
    "inbound_event_process",
    "outbound_delivery_attempt",
    "outbound_delivery_give_up",
    "outbound_delivery_retry",
    "product_customs_set",
    "rejection_refund",
]
