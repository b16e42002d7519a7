"""Why a payment could not go ahead. Messages of the buyer-facing ones are fit to show the buyer."""

from __future__ import annotations


class PaymentsError(Exception):
    """Base of the payments domain's errors."""


class PaymentDeclined(PaymentsError):
    """The card or payment method was refused; nothing was taken. ``param`` names the card field at
    fault when it is our input check that refused it (e.g. "number")."""

    def __init__(self, *, decline_code: str, user_message: str, param: str = "") -> None:
        super().__init__(user_message)
        self.decline_code = decline_code
        self.user_message = user_message
        self.param = param


class PaymentUnavailable(PaymentsError):
    """The processor could not be reached or failed; the outcome is unknown or nothing was taken.
    Retrying later (with the same idempotency key) is safe."""


class CurrencyNotSupported(PaymentsError):
    def __init__(self, currency: str, gateway: str) -> None:
        super().__init__(f"The {gateway} gateway cannot charge {currency}.")
        self.currency = currency
        self.gateway = gateway


class InvalidTransition(PaymentsError):
    def __init__(self, *, entity: str, pk: int, from_status: str, to_status: str) -> None:
        super().__init__(f"{entity} {pk}: cannot go from {from_status} to {to_status}")
        self.entity = entity
        self.pk = pk
        self.from_status = from_status
        self.to_status = to_status


class PaymentNotPlaceable(PaymentsError):
    """The payment holds no money (or is being released), so no purchase may be placed on it."""


class PlacementFailed(PaymentsError):
    """Money was held but the purchase could not be placed; the money has been released (the
    authorisation cancelled or the capture refunded). The message is fit to show the buyer."""


class RefundNotAllowed(PaymentsError):
    """The refund asked for is not possible (nothing captured, more than is left, bad lines...).
    The message is fit to show the staff member who asked."""


class EventNotMatched(PaymentsError):
    """A provider event names a payment we do not know (yet): its authorise answer may still be on
    its way. The processing task retries for a while before giving up."""
