"""Why a settlement step could not be done. Nothing is written when one is raised."""

from __future__ import annotations

from settlement.postings import PartsMismatch


class SettlementError(Exception):
    """Base of the settlement domain's errors."""


class NotPostable(SettlementError):
    """The event cannot be posted yet or at all (``reason`` says why): e.g. the payment's capture
    is not posted yet, or what it asks for exceeds what is outstanding on the merchant order."""


class CaptureMismatch(NotPostable):
    """The captured amount differs from the purchase's merchant orders' total (a partial capture):
    the capture cannot be split by the posting rules."""

    def __init__(self, payment_id: int, captured_minor: int, orders_minor: int) -> None:
        super().__init__(
            f"payment {payment_id}: captured {captured_minor} but its merchant orders total "
            f"{orders_minor}"
        )
        self.payment_id = payment_id
        self.captured_minor = captured_minor
        self.orders_minor = orders_minor


class InvalidPayoutTransition(SettlementError):
    def __init__(self, *, pk: int, from_status: str, to_status: str) -> None:
        super().__init__(f"payout {pk}: cannot go from {from_status} to {to_status}")
        self.pk = pk
        self.from_status = from_status
        self.to_status = to_status


class SettingInvalid(SettlementError):
    """A SETTLEMENT_* setting has a value the settlement cannot use (the message names it)."""


__all__ = [
    "CaptureMismatch",
    "InvalidPayoutTransition",
    "NotPostable",
    "PartsMismatch",
    "SettingInvalid",
    "SettlementError",
]
