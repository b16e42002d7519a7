"""Why a purchase could not be placed; each message is fit to show the buyer, in their language."""

from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import UnableToPlaceOrder


class PurchaseError(UnableToPlaceOrder):
    """Base: Oscar's checkout shows the message on the preview page and keeps the basket."""


class OutOfStock(PurchaseError):
    def __init__(self, product_title: str, available: int) -> None:
        self.product_title = product_title
        self.available = available
        super().__init__(
            _("Only %(available)d of “%(title)s” left in stock; please update your basket.")
            % {"available": available, "title": product_title}
        )


class MerchantUnavailable(PurchaseError):
    def __init__(self, product_title: str) -> None:
        self.product_title = product_title
        super().__init__(
            _("“%(title)s” cannot be bought at the moment: its merchant is not trading.")
            % {"title": product_title}
        )


class AlreadyPlaced(PurchaseError):
    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(
            _("This basket was already placed as purchase %(number)s.") % {"number": number}
        )


class MissingCustomsData(PurchaseError):
    def __init__(self, product_title: str, country_code: str) -> None:
        self.product_title = product_title
        self.country_code = country_code
        super().__init__(
            _(
                "“%(title)s” cannot be shipped to %(country)s yet: its merchant has not given "
                "its customs data (HS code, origin, weight)."
            )
            % {"title": product_title, "country": country_code}
        )


class DestinationNotServed(PurchaseError):
    """No customs destination rule is in force for the delivery country."""

    def __init__(self, country_code: str) -> None:
        self.country_code = country_code
        super().__init__(
            _("We do not ship to %(country)s yet; please choose another address.")
            % {"country": country_code}
        )


class ProhibitedAbroad(PurchaseError):
    """Goods the destination (or Iran, on export) does not let through: nothing is placed."""

    def __init__(self, country_code: str, reasons: dict[str, list[str]]) -> None:
        #: product title -> the reasons it cannot be sent to ``country_code``
        self.country_code = country_code
        self.reasons = reasons
        super().__init__(
            " ".join(
                _("“%(title)s” cannot be shipped to %(country)s: %(reasons)s")
                % {"title": title, "country": country_code, "reasons": " ".join(why)}
                for title, why in reasons.items()
            )
        )
