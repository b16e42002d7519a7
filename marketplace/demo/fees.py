"""Demo fee rules (commission, city fee, VAT). Filled in with the fee engine."""

from __future__ import annotations

from typing import Any


def fee_rules_load(result: Any, *, categories: dict[str, Any], partners: dict[str, Any]) -> None:
    """Create or update the demo's fee rules; idempotent (counts into ``result``)."""
