"""Errors of the customs domain. Messages are fit to show to the person who caused them."""

from __future__ import annotations

from django.utils.translation import gettext as _


class CustomsError(Exception):
    """Base class: a customs action that cannot be done; nothing was written."""


class DestinationNotSupported(CustomsError):
    """No destination rule is in force for the country at that time."""

    def __init__(self, country: str) -> None:
        self.country = country
        super().__init__(_("We do not ship to %(country)s yet.") % {"country": country})


class NotCrossBorder(CustomsError):
    """The merchant order ships inside the country: it needs no declaration."""


class TransitionNotAllowed(CustomsError):
    """The declaration cannot move from its status to the one asked for."""

    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        super().__init__(
            _("A %(current)s declaration cannot become %(target)s.")
            % {"current": current, "target": target}
        )


class NotAssigned(CustomsError):
    """Officer actions need the declaration to be claimed by (assigned to) the officer."""

    def __init__(self) -> None:
        super().__init__(_("Claim the declaration before working on it."))


class ActionRefused(CustomsError):
    """A workflow rule refuses the action (second approval, missing inspection, bad input)."""


class DocumentRefused(CustomsError):
    """An uploaded document is too large or not a PDF, JPEG or PNG."""


class SignatureInvalid(CustomsError):
    """A hook's signature, headers or timestamp do not verify; nothing was stored."""


class ShipmentNotAllowed(CustomsError):
    """A cross-border merchant order cannot be marked shipped before customs released its goods
    (``customs.selectors.order_shipment_check``); the order's status is left as it was."""

    def __init__(self, *, order_number: str, status: str, declaration_status: str = "") -> None:
        self.order_number = order_number
        self.status = status
        self.declaration_status = declaration_status
        if declaration_status:
            message = _(
                "Order %(number)s goes abroad: it cannot be marked “%(status)s” until customs "
                "releases its declaration (now: %(declaration)s)."
            ) % {"number": order_number, "status": status, "declaration": declaration_status}
        else:
            message = _(
                "Order %(number)s goes abroad: it cannot be marked “%(status)s” until customs "
                "releases its declaration (not declared yet)."
            ) % {"number": order_number, "status": status}
        super().__init__(message)
