"""The customs settings, read in one place with their defaults (see ``marketplace/settings/base.py``,
block "Customs")."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # "inhouse": officers work declarations at /customs/; "http": a customs system gets them.
    "CUSTOMS_BACKEND": "inhouse",
    "CUSTOMS_HTTP_URL": "",
    "CUSTOMS_HTTP_SECRET": "",
    "CUSTOMS_HOOK_SECRET": "",
    "CUSTOMS_HTTP_TIMEOUT_SECONDS": 10.0,
    "CUSTOMS_HTTP_MAX_RETRIES": 6,
    "CUSTOMS_HTTP_RETRY_BASE_SECONDS": 30.0,
    # In-house lanes released without an officer (blue: released, audited afterwards).
    "CUSTOMS_AUTO_RELEASE_LANES": ("green", "blue"),
    "CUSTOMS_RED_RELEASE_SECOND_OFFICER": False,
    "CUSTOMS_SLA_HOURS": {"green": 4, "blue": 4, "yellow": 24, "red": 48},
    "CUSTOMS_ESCALATION_EMAILS": (),
    # The Oscar order status a rejected declaration's merchant order moves to (if the pipeline
    # allows it from where the order is).
    "CUSTOMS_CANCELLED_STATUS": "Cancelled",
    # The Oscar order statuses a cross-border merchant order may reach only once customs
    # released it (``customs.selectors.order_shipment_check``, enforced by the orders dashboard).
    "CUSTOMS_SHIPPED_STATUSES": ("Shipped", "Delivered"),
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def sla_hours(lane: str) -> int:
    hours = setting("CUSTOMS_SLA_HOURS")
    return int(hours.get(lane, DEFAULTS["CUSTOMS_SLA_HOURS"].get(lane, 24)))
