"""Why a purchase could not be placed; each message is fit to show the buyer."""

from oscar.apps.order.exceptions import UnableToPlaceOrder


class PurchaseError(UnableToPlaceOrder):
    """Base: Oscar's checkout shows the message on the preview page and keeps the basket."""


class OutOfStock(PurchaseError):
    def __init__(self, product_title: str, available: int) -> None:
        self.product_title = product_title
        self.available = available
        super().__init__(
            f"Only {available} of {product_title!r} left in stock; please update your basket."
        )


class MerchantUnavailable(PurchaseError):
    def __init__(self, product_title: str) -> None:
        self.product_title = product_title
        super().__init__(
            f"{product_title!r} cannot be bought at the moment: its merchant is not trading."
        )


class AlreadyPlaced(PurchaseError):
    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(f"This basket was already placed as purchase {number}.")


class MissingCustomsData(PurchaseError):
    def __init__(self, product_title: str, country_code: str) -> None:
        self.product_title = product_title
        self.country_code = country_code
        super().__init__(
            f"{product_title!r} cannot be shipped to {country_code} yet: its merchant has not given "
            "its customs data (HS code, origin, weight)."
        )
