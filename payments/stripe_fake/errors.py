"""Errors answered in Stripe's shape: ``{"error": {...}}`` with Stripe's HTTP status codes."""

from __future__ import annotations

from typing import Any

DOC_URL = "https://stripe.com/docs/error-codes/{code}"


class StripeFakeError(Exception):
    """An API error the fake answers instead of a resource.

    ``extra`` carries the fields Stripe adds for some errors (``payment_intent``, ``charge``,
    ``payment_method``). The exception is raised after any state change the request made, as
    Stripe keeps a declined attempt's charge and the PaymentIntent's ``last_payment_error``.
    """

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.error_type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOC_URL.format(code=self.code)
        if self.decline_code:
            error["decline_code"] = self.decline_code
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> StripeFakeError:
    return StripeFakeError(status, "invalid_request_error", message, code=code, param=param)


def parameter_missing(param: str) -> StripeFakeError:
    return invalid_request(
        f"Missing required param: {param}.", param=param, code="parameter_missing"
    )


def resource_missing(
    label: str, object_id: str, *, param: str, status: int = 404
) -> StripeFakeError:
    return invalid_request(
        f"No such {label}: '{object_id}'", param=param, code="resource_missing", status=status
    )


def unexpected_state(message: str, *, payment_intent: dict[str, Any]) -> StripeFakeError:
    error = invalid_request(message, code="payment_intent_unexpected_state")
    error.extra["payment_intent"] = payment_intent
    return error


def api_error(message: str, *, status: int = 500) -> StripeFakeError:
    if status == 429:
        return invalid_request(message, code="rate_limit", status=429)
    if status == 409:
        return invalid_request(message, code="lock_timeout", status=409)
    return StripeFakeError(status, "api_error", message)


def authentication_error(message: str) -> StripeFakeError:
    return StripeFakeError(401, "invalid_request_error", message)


def idempotency_error(key: str) -> StripeFakeError:
    return StripeFakeError(
        400,
        "idempotency_error",
        "Keys for idempotent requests can only be used with the same parameters they were "
        f"first used with. Try using a key other than '{key}' if you meant to execute a "
        "different request.",
    )
