"""The provider-neutral payments interface: what the marketplace asks of any card processor.

The marketplace owns its payments (our ledger, not the processor, is the source of truth), so the
rest of the code talks to a ``Gateway`` through the frozen dataclasses below and never imports a
provider's SDK. Only ``payments/gateways/stripe/`` imports ``stripe``; ``payments/gateways/sandbox``
is the offline default.

Conventions every gateway follows:

- Amounts are ``Money`` (integer minor units + ISO 4217 code). A gateway declares the currencies it
  can charge in ``currencies``; asking for another raises ``InvalidRequest``.
- Every call that changes something takes an ``idempotency_key`` derived from our ids
  (``payment:<id>:authorize``, ``payment:<id>:capture``, ``refund:<id>``, ...): repeating a call
  with the same key returns the first result and changes nothing at the provider.
- Payments are authorised first (manual capture) and captured once the orders exist.
- Card data: the buyer's card reaches a gateway either as an opaque payment-method token (made by
  the provider's own browser element) or, for the sandbox only, as ``CardDetails``. Results carry
  the card brand and last four digits only, never the number.
- Every outbound call has a timeout. Errors are ``GatewayError`` (``retryable`` says whether the
  same call may succeed later: timeouts, connection errors, 5xx, rate limits), ``CardDeclined``
  (the issuer said no; ``user_message`` is fit to show the buyer) and ``InvalidRequest`` (our bad
  data; retrying will not help).
- Incoming events (webhooks) are verified on the raw body and headers and normalised to
  ``NormalizedEvent``. For payment, charge and dispute events ``object_id`` is the provider's
  payment reference (the one ``PaymentResult.provider_ref`` carries), so the processor can re-fetch
  the payment with ``payment_retrieve`` and never trusts the event body for state.
- ``balance_transactions_list`` is the processor's own book of the platform's balance there
  (captures with their fee, refunds, transfers, reversals, disputes): reconciliation matches it
  against the ledger's processor account by ``BalanceTransaction.source_ref``.

A provider adapter module (``payments.gateways.<name>``) exposes ``gateway_create() -> Gateway``;
``payments.gateways.gateway_get()`` returns the active one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from marketplace.core.money import Money

__all__ = [
    "AuthorizeRequest",
    "BalanceTransaction",
    "BalanceTransactionType",
    "CardDeclined",
    "CardDetails",
    "DisputeStatus",
    "EventType",
    "Gateway",
    "GatewayError",
    "GatewayPaymentStatus",
    "InvalidRequest",
    "NormalizedEvent",
    "OnboardingLink",
    "PaymentMethodInput",
    "PaymentResult",
    "PayoutAccount",
    "RefundResult",
    "RefundStatus",
    "TransferResult",
    "TransferReversalResult",
    "balance_window_check",
]


# --- errors -------------------------------------------------------------------------------------


class GatewayError(Exception):
    """A call to the processor failed. ``retryable``: the same call (same idempotency key) may
    succeed later (timeout, connection error, 5xx, rate limit); otherwise it never will."""

    def __init__(self, message: str, *, retryable: bool, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class CardDeclined(GatewayError):
    """The card was refused (by the issuer or the processor's risk rules).

    ``decline_code`` is the provider-neutral reason (Stripe's names: ``generic_decline``,
    ``insufficient_funds``, ``expired_card``, ``authentication_failed``...); ``user_message`` is
    fit to show the buyer (in English; callers translate it with gettext); ``result`` is the
    failed payment at the provider when one was created.
    """

    def __init__(
        self, *, decline_code: str, user_message: str, result: PaymentResult | None = None
    ) -> None:
        super().__init__(f"card declined: {decline_code}", retryable=False, code="card_declined")
        self.decline_code = decline_code
        self.user_message = user_message
        #: The failed payment at the provider, when one was created (brand, last four, reference).
        self.result = result


class InvalidRequest(GatewayError):
    """Our request was wrong (unknown reference, bad amount, unsupported currency, a card field
    that cannot be right, a webhook that fails verification). ``param`` names the offending field
    when there is one; ``user_message`` is fit to show the buyer when it is about their input."""

    def __init__(self, message: str, *, param: str = "", user_message: str = "") -> None:
        super().__init__(message, retryable=False, code="invalid_request")
        self.param = param
        self.user_message = user_message


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardDetails:
    """Raw card fields, accepted by the sandbox only. Never stored, logged or put in a repr."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    name: str = ""

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class PaymentMethodInput:
    """How the buyer pays: exactly one of an opaque provider token or (sandbox) card fields."""

    token: str = ""
    card: CardDetails | None = None

    def __post_init__(self) -> None:
        if bool(self.token) == (self.card is not None):
            raise ValueError("give exactly one of a payment-method token or card details")


@dataclass(frozen=True)
class AuthorizeRequest:
    """Create and confirm a payment for ``amount``, to be captured later.

    ``reference`` is our purchase number; ``return_url`` is where the buyer comes back to after a
    3-D Secure challenge; ``metadata`` is stored with the provider's object (string values).
    """

    amount: Money
    reference: str
    idempotency_key: str
    return_url: str
    payment_method: PaymentMethodInput
    description: str = ""
    customer_email: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


# --- results ------------------------------------------------------------------------------------


class GatewayPaymentStatus(StrEnum):
    """A payment's state at the provider, provider-neutral."""

    REQUIRES_ACTION = (
        "requires_action"  # 3-D Secure challenge pending: send the buyer to action_url
    )
    PROCESSING = "processing"  # the provider has not decided yet
    AUTHORIZED = "authorized"  # funds held, capturable
    CAPTURED = "captured"  # funds taken (partly or wholly: see captured)
    FAILED = "failed"  # declined or authentication failed
    CANCELED = "canceled"  # authorisation released, nothing taken


class DisputeStatus(StrEnum):
    NONE = ""
    OPEN = "open"  # the buyer's bank disputes the charge; funds withdrawn meanwhile
    WON = "won"  # decided for us
    LOST = "lost"  # decided for the buyer


@dataclass(frozen=True)
class PaymentResult:
    """A payment as the provider sees it now. Card: brand and last four only."""

    status: GatewayPaymentStatus
    provider_ref: str
    amount: Money
    captured: Money
    refunded: Money
    action_url: str = ""
    card_brand: str = ""
    card_last4: str = ""
    decline_code: str = ""
    decline_message: str = ""
    fee: Money | None = None
    dispute_status: DisputeStatus = DisputeStatus.NONE


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class RefundResult:
    provider_ref: str
    status: RefundStatus
    amount: Money
    failure_reason: str = ""


@dataclass(frozen=True)
class PayoutAccount:
    """A merchant's account at the provider, to which transfers are made."""

    provider_ref: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool


@dataclass(frozen=True)
class OnboardingLink:
    """A one-time link where the merchant completes their account; make a new one when expired."""

    url: str
    expires_at: datetime


@dataclass(frozen=True)
class TransferResult:
    provider_ref: str
    amount: Money
    destination: str
    transfer_group: str
    reversed: Money


@dataclass(frozen=True)
class TransferReversalResult:
    provider_ref: str
    transfer_ref: str
    amount: Money


class BalanceTransactionType(StrEnum):
    """What moved the platform's balance at the processor, provider-neutral."""

    CHARGE = "charge"  # a payment captured (Stripe: charge, payment)
    REFUND = "refund"  # money given back to a buyer (Stripe: refund, payment_refund)
    TRANSFER = "transfer"  # paid to a merchant's payout account
    TRANSFER_REVERSAL = "transfer_reversal"  # taken back from one (Stripe: transfer_refund)
    ADJUSTMENT = "adjustment"  # any other correction by the processor
    DISPUTE = "dispute"  # a chargeback withdrawn, or returned when won
    PAYOUT = "payout"  # the platform's balance paid out to its own bank account
    OTHER = "other"  # anything else (processor fees billed separately, top-ups...)


@dataclass(frozen=True)
class BalanceTransaction:
    """One movement of the platform's balance at the processor, as the processor books it.

    ``amount`` is signed, positive into the platform's balance (a capture) and negative out of
    it (a refund, a transfer); ``fee`` is what the processor kept (never negative) and
    ``net`` = ``amount`` − ``fee``. ``source_ref`` is the reference our own rows keep of the
    object it belongs to: the payment's ``provider_ref`` (``PaymentResult.provider_ref``) for
    charges and disputes, the refund's (``RefundResult.provider_ref``) for refunds, the
    transfer's (``TransferResult.provider_ref``) for transfers and their reversals.
    ``created`` is aware.
    """

    provider_ref: str
    type: BalanceTransactionType
    amount: Money
    fee: Money
    net: Money
    source_ref: str
    created: datetime

    def __post_init__(self) -> None:
        if not self.amount.currency == self.fee.currency == self.net.currency:
            raise ValueError("a balance transaction's amount, fee and net share one currency")
        if self.fee.amount_minor < 0:
            raise ValueError("a balance transaction's fee is never negative")
        if self.net != self.amount - self.fee:
            raise ValueError("a balance transaction's net must be its amount less its fee")
        if self.created.tzinfo is None:
            raise ValueError("a balance transaction's created time must be aware")


def balance_window_check(*, created_gte: datetime, created_lt: datetime) -> None:
    """Refuse (``InvalidRequest`` naming the parameter) a naive or reversed listing window."""
    for param, value in (("created_gte", created_gte), ("created_lt", created_lt)):
        if value.tzinfo is None:
            raise InvalidRequest(f"{param} must be an aware datetime", param=param)
    if created_lt < created_gte:
        raise InvalidRequest("created_lt is before created_gte", param="created_lt")


class EventType(StrEnum):
    """Provider-neutral names of the incoming events the marketplace acts on."""

    PAYMENT_REQUIRES_ACTION = "payment.requires_action"
    PAYMENT_AUTHORIZED = "payment.authorized"
    PAYMENT_SUCCEEDED = "payment.succeeded"  # captured
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_CANCELED = "payment.canceled"
    CHARGE_REFUNDED = "charge.refunded"
    DISPUTE_CREATED = "dispute.created"
    DISPUTE_CLOSED = "dispute.closed"
    OTHER = "other"  # stored, acknowledged, not acted on


#: Event types whose object is a payment the processor re-fetches and moves forward.
PAYMENT_EVENT_TYPES = frozenset(EventType) - {EventType.OTHER}


@dataclass(frozen=True)
class NormalizedEvent:
    """A verified incoming event. ``type`` is an ``EventType`` value (the provider's own name is in
    ``payload``); ``object_id`` is the provider's payment reference for payment, charge and dispute
    events; ``payload`` is the provider's decoded JSON body, kept for the record."""

    provider: str
    event_id: str
    type: str
    object_id: str
    occurred_at: datetime
    payload: Mapping[str, Any]


# --- the gateway --------------------------------------------------------------------------------


@runtime_checkable
class Gateway(Protocol):
    """A card processor. Methods are keyword-only; each has a timeout and raises only
    ``GatewayError`` and its subclasses. Calls with an ``idempotency_key`` are idempotent."""

    #: Short name stored on our rows ("sandbox", "stripe").
    name: str
    #: ISO 4217 codes this gateway can charge.
    currencies: frozenset[str]
    #: Whether raw card fields are accepted (sandbox only); otherwise a token is required.
    accepts_card_fields: bool

    def payment_authorize(self, *, request: AuthorizeRequest) -> PaymentResult:
        """Create and confirm a payment with manual capture. Returns AUTHORIZED, REQUIRES_ACTION
        (with ``action_url``) or PROCESSING; raises ``CardDeclined`` for a refused card and
        ``InvalidRequest`` for bad input (``param`` names the card field)."""
        ...

    def payment_retrieve(self, *, provider_ref: str) -> PaymentResult:
        """The payment's current state at the provider. Read-only."""
        ...

    def payment_find(self, *, idempotency_key: str) -> PaymentResult | None:
        """The payment an earlier ``payment_authorize`` with this key created, if it reached the
        provider (recovers the outcome of a call whose answer we never received). Read-only."""
        ...

    def payment_capture(
        self, *, provider_ref: str, amount: Money | None, idempotency_key: str
    ) -> PaymentResult:
        """Capture the whole authorisation (``amount=None``) or part of it; the rest is
        released."""
        ...

    def payment_cancel(self, *, provider_ref: str, idempotency_key: str) -> PaymentResult:
        """Release an authorisation (or abandon a pending 3-D Secure challenge)."""
        ...

    def refund_create(
        self,
        *,
        provider_ref: str,
        amount: Money,
        reason: str,
        reference: str,
        idempotency_key: str,
    ) -> RefundResult:
        """Refund part or all of a captured payment; ``reference`` is the merchant order number
        (or the purchase number) the refund belongs to."""
        ...

    def payout_account_create(
        self, *, merchant_reference: str, country: str, email: str, idempotency_key: str
    ) -> PayoutAccount:
        """Open a payout account for a merchant (``merchant_reference``: our merchant slug)."""
        ...

    def payout_account_link(
        self, *, account_ref: str, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        """A fresh onboarding link for the account; call again when the link expired."""
        ...

    def payout_account_retrieve(self, *, account_ref: str) -> PayoutAccount:
        """The payout account's current state."""
        ...

    def transfer_create(
        self,
        *,
        amount: Money,
        destination: str,
        transfer_group: str,
        source_transaction: str,
        idempotency_key: str,
    ) -> TransferResult:
        """Move ``amount`` to a merchant's payout account, tied to the charge it comes from."""
        ...

    def transfer_reverse(
        self, *, transfer_ref: str, amount: Money | None, idempotency_key: str
    ) -> TransferReversalResult:
        """Take back all (``amount=None``) or part of a transfer."""
        ...

    def event_verify(self, *, body: bytes, headers: Mapping[str, str]) -> NormalizedEvent:
        """Verify an incoming event's signature and freshness on the raw body; raise
        ``InvalidRequest`` when either fails. Never touches the database."""
        ...

    def balance_transactions_list(
        self, *, created_gte: datetime, created_lt: datetime
    ) -> list[BalanceTransaction]:
        """Every movement of the platform's balance at the processor created in
        [``created_gte``, ``created_lt``) (aware datetimes), in every currency, oldest first
        (what reconciliation compares the ledger's processor account with). Read-only; pages
        through the provider's list as long as it takes. Raises ``InvalidRequest`` for naive
        or reversed bounds."""
        ...
