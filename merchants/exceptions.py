"""Why a merchant or application operation was refused; each message is fit to show staff."""

from __future__ import annotations


class MerchantError(Exception):
    """Base of the merchants domain's refusals."""


class InvalidTransition(MerchantError):
    """A status change the transition table does not allow (e.g. approving a rejected
    application). Nothing was written."""

    def __init__(self, *, entity: str, pk: int, from_status: str, to_status: str) -> None:
        self.entity = entity
        self.pk = pk
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(
            f"{entity} #{pk} is {from_status.replace('_', ' ')}; "
            f"it cannot become {to_status.replace('_', ' ')}."
        )


class ApplicationExists(MerchantError):
    """The applicant already has an application in progress, or is already a merchant."""

    def __init__(self, application_id: int) -> None:
        self.application_id = application_id
        super().__init__(
            "You already have a merchant application in progress or approved; "
            "see its status instead of applying again."
        )
