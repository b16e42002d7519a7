"""Demo purchases paid with the sandbox card, delivered and settled, so balances show."""

from __future__ import annotations

from typing import Any


def demo_orders_load(result: Any) -> None:
    """Place and settle the demo's paid orders once; a second run changes nothing."""
