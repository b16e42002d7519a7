"""``StripeGateway``: the ``payments.interface.Gateway`` protocol on Stripe's API (SDK 16).

- One PaymentIntent per purchase, created and confirmed in one call with
  ``capture_method=manual`` (authorise now, capture once the orders exist), ``transfer_group`` =
  our purchase number ("separate charges and transfers": one basket pays several merchants, each
  paid later by a transfer tied to the charge) and the ``return_url`` 3-D Secure comes back to.
  No payment-method types are named: the SDK's typed parameters for its pinned API version have
  ``allowed_payment_method_types`` on create, no ``payment_method_types`` (which the local fake
  still expects), and the default, automatic payment methods, accepts the card token the Payment
  Element (configured for cards) makes.
- Every POST carries the idempotency key the service passes (``payment:<id>:authorize``,
  ``payment:<id>:capture``, ``refund:<id>``...), never one of the SDK's random ones, and the SDK's
  own retries (timeouts, 409, 5xx) reuse it, so Stripe replays the first answer instead of
  charging twice. The key is also stored in the object's ``metadata[idempotency_key]``.
- ``payment_find`` recovers the PaymentIntent of a create whose answer never arrived by listing
  recent PaymentIntents (``created >= now - FIND_LOOKBACK``, newest first) and matching
  ``metadata[idempotency_key]``. Not the Search API: it lags by up to a minute (and the local
  fake does not have it); not a re-POST of the create: that would charge when the first call
  never reached Stripe, and a find must be read-only.
- Amounts cross in ``currencies`` (zero- and three-decimal currencies handled explicitly).
- ``balance_transactions_list`` pages through ``GET /v1/balance_transactions`` over
  ``created[gte]``/``created[lt]`` (``LIST_PAGE_SIZE`` a page, the SDK's auto-pagination) with
  ``expand[]=data.source``, so a charge's or dispute's balance transaction names its
  PaymentIntent (the reference our payments keep) and a transfer reversal its transfer.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import stripe
from django.conf import settings

from marketplace.core.money import Money
from payments.gateways.stripe.client import client_create, error_translate
from payments.gateways.stripe.currencies import (
    amount_from_stripe,
    amount_to_stripe,
    chargeable,
    currency_check_configured,
)
from payments.gateways.stripe.events import NAME, event_verify
from payments.interface import (
    AuthorizeRequest,
    BalanceTransaction,
    BalanceTransactionType,
    CardDeclined,
    DisputeStatus,
    GatewayPaymentStatus,
    InvalidRequest,
    NormalizedEvent,
    OnboardingLink,
    PaymentResult,
    PayoutAccount,
    RefundResult,
    RefundStatus,
    TransferResult,
    TransferReversalResult,
    balance_window_check,
)

if TYPE_CHECKING:
    from stripe.params import (
        PaymentIntentCaptureParams,
        TransferCreateParams,
        TransferReversalCreateParams,
    )

logger = logging.getLogger(__name__)

#: The metadata key holding the idempotency key of the call that created an object.
KEY_METADATA: Final = "idempotency_key"
#: Expanded on every PaymentIntent we read: the charge (card, refunds, dispute flag), its balance
#: transaction (Stripe's fee) and the payment method (the card before a charge exists).
EXPAND: Final = ["latest_charge.balance_transaction", "payment_method"]
#: How far back ``payment_find`` looks. Payments left without an answer are expired after
#: ``PAYMENT_AUTHORISATION_TTL_MINUTES``; Stripe drops uncaptured authorisations after 7 days.
FIND_LOOKBACK: Final = timedelta(days=7)

_STATUS: Final = {
    # We always confirm with a payment method; a PaymentIntent back here was declined or
    # failed 3-D Secure (Stripe would let it be confirmed again: we start a new payment instead).
    "requires_payment_method": GatewayPaymentStatus.FAILED,
    "requires_confirmation": GatewayPaymentStatus.PROCESSING,
    "requires_action": GatewayPaymentStatus.REQUIRES_ACTION,
    "processing": GatewayPaymentStatus.PROCESSING,
    "requires_capture": GatewayPaymentStatus.AUTHORIZED,
    "succeeded": GatewayPaymentStatus.CAPTURED,
    "canceled": GatewayPaymentStatus.CANCELED,
}
_DISPUTE: Final = {
    "needs_response": DisputeStatus.OPEN,
    "under_review": DisputeStatus.OPEN,
    # Inquiries: no money withdrawn yet, but one may become a chargeback; staff should see it.
    "warning_needs_response": DisputeStatus.OPEN,
    "warning_under_review": DisputeStatus.OPEN,
    "warning_closed": DisputeStatus.WON,
    "won": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
}
_REFUND_STATUS: Final = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}
AUTHENTICATION_FAILED: Final = (
    "authentication_failed",
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again.",
)
GENERIC_DECLINE: Final = "Your card was declined."
#: Objects a page of a list that we read whole (Stripe's maximum).
LIST_PAGE_SIZE: Final = 100

_T = BalanceTransactionType
#: Stripe's balance transaction types by the protocol's names; any other is ``OTHER``.
#: ``adjustment`` is ``DISPUTE`` when its reporting category or source says it is one.
_BALANCE_TYPES: Final = {
    "charge": _T.CHARGE,
    "payment": _T.CHARGE,
    "payment_reversal": _T.CHARGE,
    "refund": _T.REFUND,
    "payment_refund": _T.REFUND,
    "refund_failure": _T.REFUND,
    "payment_failure_refund": _T.REFUND,
    "transfer": _T.TRANSFER,
    "transfer_cancel": _T.TRANSFER,
    "transfer_failure": _T.TRANSFER,
    "transfer_refund": _T.TRANSFER_REVERSAL,
    "adjustment": _T.ADJUSTMENT,
    "payout": _T.PAYOUT,
    "payout_cancel": _T.PAYOUT,
    "payout_failure": _T.PAYOUT,
}


@contextmanager
def _calling() -> Iterator[None]:
    """Stripe's exceptions out as the protocol's (``client.error_translate``)."""
    try:
        yield
    except stripe.StripeError as exc:
        raise error_translate(exc) from exc


def _key_options(idempotency_key: str) -> stripe.RequestOptions:
    if not idempotency_key:
        raise InvalidRequest("every call that changes something needs an idempotency key")
    return {"idempotency_key": idempotency_key}


def _positive(amount: Money, *, param: str = "amount") -> int:
    if amount.amount_minor <= 0:
        raise InvalidRequest("amount must be positive", param=param)
    return amount_to_stripe(amount, param=param)


def _decline(error: stripe.PaymentIntent.LastPaymentError) -> tuple[str, str]:
    """The provider-neutral decline code and the buyer's message of a failed attempt."""
    # Stripe leaves out the fields that do not apply (decline_code outside issuer declines).
    code = getattr(error, "decline_code", None) or getattr(error, "code", None) or "card_declined"
    if code == "payment_intent_authentication_failure":
        return AUTHENTICATION_FAILED
    # Card errors' messages are written for the buyer; other errors' are for us.
    message = getattr(error, "message", None)
    if getattr(error, "type", None) != "card_error" or not message:
        message = GENERIC_DECLINE
    return code, message


def _id(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(getattr(value, "id", "") or "")


def _balance_type(txn: stripe.BalanceTransaction) -> BalanceTransactionType:
    kind = _BALANCE_TYPES.get(txn.type, BalanceTransactionType.OTHER)
    if kind == BalanceTransactionType.ADJUSTMENT:
        category = getattr(txn, "reporting_category", None) or ""
        if category.startswith("dispute") or getattr(txn.source, "object", "") == "dispute":
            return BalanceTransactionType.DISPUTE
    return kind


def _balance_source(txn: stripe.BalanceTransaction) -> str:
    """The reference our rows keep of what ``txn`` belongs to (``BalanceTransaction``): a
    charge's or dispute's PaymentIntent, a reversal's transfer, otherwise the source's id."""
    source = txn.source
    if source is None or isinstance(source, str):
        return source or ""
    kind = getattr(source, "object", "")
    # Stripe leaves out fields that do not apply, and its objects are not dicts.
    if kind in ("charge", "dispute"):
        return (
            _id(getattr(source, "payment_intent", None))
            or _id(getattr(source, "charge", None))
            or _id(source)
        )
    if kind == "transfer_reversal":
        return _id(getattr(source, "transfer", None)) or _id(source)
    return _id(source)


def _epoch(moment: datetime) -> int:
    """Stripe's whole-second ``created`` bound for ``moment``: [gte, lt) stays half-open."""
    return math.ceil(moment.timestamp())


def _card(intent: stripe.PaymentIntent, charge: stripe.Charge | None) -> tuple[str, str]:
    """Brand and last four: from the charge, else the payment method, else the failed attempt's."""
    details = charge.payment_method_details if charge is not None else None
    if details is not None and details.card is not None:
        return details.card.brand or "", details.card.last4 or ""
    method = intent.payment_method
    error = intent.last_payment_error
    if not isinstance(method, stripe.PaymentMethod) and error is not None:
        method = getattr(error, "payment_method", None)
    if isinstance(method, stripe.PaymentMethod) and method.card is not None:
        return method.card.brand or "", method.card.last4 or ""
    return "", ""


class StripeGateway:
    """The marketplace's card processor on Stripe (see the module docstring). Methods raise only
    ``GatewayError`` and its subclasses; calls with an ``idempotency_key`` are idempotent."""

    name = NAME
    currencies = chargeable()
    accepts_card_fields = False

    def __init__(
        self,
        *,
        client: stripe.StripeClient,
        webhook_secret: str = "",
        list_page_size: int = LIST_PAGE_SIZE,
    ) -> None:
        self._client = client
        self._webhook_secret = webhook_secret
        self._list_page_size = list_page_size

    # --- payments -------------------------------------------------------------------------------

    def _result(self, intent: stripe.PaymentIntent) -> PaymentResult:
        """Our view of a PaymentIntent (expanded with ``EXPAND``, or as an error carries it)."""
        amount = amount_from_stripe(intent.amount, intent.currency)
        captured = refunded = Money.zero(amount.currency)
        fee = None
        status = _STATUS[intent.status]
        charge = intent.latest_charge if isinstance(intent.latest_charge, stripe.Charge) else None
        if status == GatewayPaymentStatus.CAPTURED:
            captured = amount_from_stripe(intent.amount_received, intent.currency)
            if charge is not None:
                refunded = amount_from_stripe(charge.amount_refunded, intent.currency)
                txn = charge.balance_transaction
                # The fee is in the settlement currency; keep it only when that is ours.
                if isinstance(txn, stripe.BalanceTransaction) and txn.currency == intent.currency:
                    fee = amount_from_stripe(txn.fee, txn.currency)
        decline_code = decline_message = ""
        if status == GatewayPaymentStatus.FAILED and intent.last_payment_error is not None:
            decline_code, decline_message = _decline(intent.last_payment_error)
        action_url = ""
        action = intent.next_action
        redirect = action.redirect_to_url if action is not None else None
        if status == GatewayPaymentStatus.REQUIRES_ACTION and redirect is not None:
            action_url = redirect.url or ""
        brand, last4 = _card(intent, charge)
        return PaymentResult(
            status=status,
            provider_ref=intent.id,
            amount=amount,
            captured=captured,
            refunded=refunded,
            action_url=action_url,
            card_brand=brand,
            card_last4=last4,
            decline_code=decline_code,
            decline_message=decline_message,
            fee=fee,
            dispute_status=self._dispute_status(intent, charge),
        )

    def _dispute_status(
        self, intent: stripe.PaymentIntent, charge: stripe.Charge | None
    ) -> DisputeStatus:
        if charge is None or not charge.disputed:
            return DisputeStatus.NONE
        with _calling():
            disputes = self._client.v1.disputes.list(
                params={"payment_intent": intent.id, "limit": 1}
            )
        if not disputes.data:
            return DisputeStatus.NONE
        return _DISPUTE.get(disputes.data[0].status, DisputeStatus.OPEN)

    def _declined(self, exc: stripe.CardError) -> CardDeclined:
        """A 402 as ``CardDeclined``, with the failed PaymentIntent the error carries."""
        intent = getattr(exc.error, "payment_intent", None)
        result = self._result(intent) if isinstance(intent, stripe.PaymentIntent) else None
        declined = error_translate(exc, result=result)
        assert isinstance(declined, CardDeclined)
        if result is not None and result.decline_code:
            return CardDeclined(
                decline_code=result.decline_code,
                user_message=result.decline_message,
                result=result,
            )
        return declined

    def payment_authorize(self, *, request: AuthorizeRequest) -> PaymentResult:
        """Create and confirm a PaymentIntent with manual capture (see the module docstring).

        Returns AUTHORIZED, REQUIRES_ACTION (``action_url``: the bank's 3-D Secure page, which
        sends the buyer back to ``request.return_url``) or PROCESSING. Raises ``CardDeclined``
        (402, with the failed PaymentIntent), ``InvalidRequest`` for card fields (Stripe takes
        only a token from its Payment Element), a currency or amount Stripe does not take, or a
        400; ``GatewayError(retryable=True)`` when Stripe cannot be reached or fails. A repeat with
        the same key returns (or raises) the first outcome, even with other parameters.
        """
        method = request.payment_method
        if not method.token:
            raise InvalidRequest(
                "Stripe takes cards only as a payment-method token from its Payment Element",
                param="payment_method",
                user_message="Please enter your card details.",
            )
        amount = _positive(request.amount)
        metadata = {
            **dict(request.metadata),
            "reference": request.reference,
            KEY_METADATA: request.idempotency_key,
        }
        try:
            intent = self._client.v1.payment_intents.create(
                params={
                    "amount": amount,
                    "currency": request.amount.currency.lower(),
                    "capture_method": "manual",
                    "confirm": True,
                    "payment_method": method.token,
                    "return_url": request.return_url,
                    "transfer_group": request.reference,
                    "description": request.description or f"Purchase {request.reference}",
                    "metadata": metadata,
                    "expand": EXPAND,
                },
                options=_key_options(request.idempotency_key),
            )
        except stripe.CardError as exc:
            raise self._declined(exc) from exc
        except stripe.IdempotencyError as exc:
            # The key was used with other parameters (the buyer re-entered their card after an
            # answer was lost): the first call's outcome stands, whatever it was.
            logger.warning(
                "stripe: %s was first used with other parameters; keeping its first outcome",
                request.idempotency_key,
            )
            first = self.payment_find(idempotency_key=request.idempotency_key)
            if first is None:
                raise error_translate(exc) from exc
            if first.status == GatewayPaymentStatus.FAILED and first.decline_code:
                raise CardDeclined(
                    decline_code=first.decline_code,
                    user_message=first.decline_message,
                    result=first,
                ) from exc
            return first
        except stripe.StripeError as exc:
            raise error_translate(exc) from exc
        return self._result(intent)

    def payment_retrieve(self, *, provider_ref: str) -> PaymentResult:
        """The PaymentIntent as Stripe has it now (one GET; a second for a disputed charge)."""
        with _calling():
            intent = self._client.v1.payment_intents.retrieve(
                provider_ref, params={"expand": EXPAND}
            )
        return self._result(intent)

    def payment_find(self, *, idempotency_key: str) -> PaymentResult | None:
        """The PaymentIntent a create with this key made, if it reached Stripe (see the module
        docstring). Read-only; pages through recent PaymentIntents, newest first."""
        since = int((datetime.now(UTC) - FIND_LOOKBACK).timestamp())
        with _calling():
            page = self._client.v1.payment_intents.list(
                params={"created": {"gte": since}, "limit": 100}
            )
            for intent in page.auto_paging_iter():
                metadata = intent.metadata
                if KEY_METADATA in metadata and metadata[KEY_METADATA] == idempotency_key:
                    return self.payment_retrieve(provider_ref=intent.id)
        return None

    def payment_capture(
        self, *, provider_ref: str, amount: Money | None, idempotency_key: str
    ) -> PaymentResult:
        """Capture the whole authorisation, or ``amount`` of it (Stripe releases the rest).

        Raises ``InvalidRequest`` when the PaymentIntent is not capturable (already captured
        with another key, canceled, failed) or the amount is more than authorised.
        """
        params: PaymentIntentCaptureParams = {"expand": EXPAND}
        if amount is not None:
            # Stripe takes amount_to_capture without a currency: make sure it is the intent's.
            current = self.payment_retrieve(provider_ref=provider_ref)
            if current.amount.currency != amount.currency:
                raise InvalidRequest("capture currency differs from the payment's", param="amount")
            params["amount_to_capture"] = _positive(amount)
        with _calling():
            intent = self._client.v1.payment_intents.capture(
                provider_ref, params=params, options=_key_options(idempotency_key)
            )
        return self._result(intent)

    def payment_cancel(self, *, provider_ref: str, idempotency_key: str) -> PaymentResult:
        """Release an authorisation or abandon a pending 3-D Secure challenge. A PaymentIntent
        already canceled is returned as it is; one that cannot be canceled (captured, say)
        raises ``InvalidRequest``."""
        try:
            intent = self._client.v1.payment_intents.cancel(
                provider_ref,
                params={"cancellation_reason": "abandoned", "expand": EXPAND},
                options=_key_options(idempotency_key),
            )
        except stripe.InvalidRequestError as exc:
            current = getattr(exc.error, "payment_intent", None)
            if isinstance(current, stripe.PaymentIntent) and current.status == "canceled":
                return self.payment_retrieve(provider_ref=provider_ref)
            raise error_translate(exc) from exc
        except stripe.StripeError as exc:
            raise error_translate(exc) from exc
        return self._result(intent)

    def refund_create(
        self,
        *,
        provider_ref: str,
        amount: Money,
        reason: str,
        reference: str,
        idempotency_key: str,
    ) -> RefundResult:
        """Refund ``amount`` of a captured PaymentIntent, for ``reference`` (the merchant order
        or purchase number, kept with ``reason`` in the refund's metadata).

        Raises ``InvalidRequest`` for more than is left to refund, a disputed or uncaptured
        payment, or another currency than the payment's.
        """
        stripe_amount = _positive(amount)
        with _calling():
            intent = self._client.v1.payment_intents.retrieve(provider_ref)
        if intent.currency.upper() != amount.currency:
            raise InvalidRequest("refund currency differs from the payment's", param="amount")
        with _calling():
            refund = self._client.v1.refunds.create(
                params={
                    "payment_intent": provider_ref,
                    "amount": stripe_amount,
                    "metadata": {
                        "reference": reference,
                        "reason": reason[:500],
                        KEY_METADATA: idempotency_key,
                    },
                },
                options=_key_options(idempotency_key),
            )
        return RefundResult(
            provider_ref=refund.id,
            status=_REFUND_STATUS.get(refund.status or "", RefundStatus.PENDING),
            amount=amount_from_stripe(refund.amount, refund.currency),
            # Present only once a refund failed.
            failure_reason=getattr(refund, "failure_reason", None) or "",
        )

    # --- merchants' payout accounts (Connect Express) -------------------------------------------

    @staticmethod
    def _account(account: stripe.Account) -> PayoutAccount:
        return PayoutAccount(
            provider_ref=account.id,
            charges_enabled=bool(account.charges_enabled),
            payouts_enabled=bool(account.payouts_enabled),
            details_submitted=bool(account.details_submitted),
        )

    def payout_account_create(
        self, *, merchant_reference: str, country: str, email: str, idempotency_key: str
    ) -> PayoutAccount:
        """Open an Express account for a merchant (card payments and transfers requested). It
        starts restricted; ``payout_account_link`` is where the merchant completes it."""
        with _calling():
            account = self._client.v1.accounts.create(
                params={
                    "type": "express",
                    "country": country.upper(),
                    "email": email,
                    "capabilities": {
                        "card_payments": {"requested": True},
                        "transfers": {"requested": True},
                    },
                    "metadata": {"merchant": merchant_reference, KEY_METADATA: idempotency_key},
                },
                options=_key_options(idempotency_key),
            )
        return self._account(account)

    def payout_account_link(
        self, *, account_ref: str, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        """A new onboarding link. Stripe's links are single-use and expire within minutes, and
        Stripe sends the merchant to ``refresh_url`` when one has: call again from there.

        Each call must give a fresh link, so its key is the account plus the call's time: the
        SDK's retries of this call reuse it (one link), a later call gets a new one.
        """
        with _calling():
            link = self._client.v1.account_links.create(
                params={
                    "account": account_ref,
                    "type": "account_onboarding",
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                },
                options=_key_options(f"account_link:{account_ref}:{time.time_ns()}"),
            )
        return OnboardingLink(
            url=link.url, expires_at=datetime.fromtimestamp(link.expires_at, tz=UTC)
        )

    def payout_account_retrieve(self, *, account_ref: str) -> PayoutAccount:
        with _calling():
            account = self._client.v1.accounts.retrieve(account_ref)
        return self._account(account)

    # --- transfers (separate charges and transfers) ----------------------------------------------

    def _charge_of(self, source_transaction: str) -> str:
        """Stripe ties a transfer to a charge (``ch_``); our payments know their PaymentIntent."""
        if not source_transaction.startswith("pi_"):
            return source_transaction
        with _calling():
            intent = self._client.v1.payment_intents.retrieve(source_transaction)
        charge = intent.latest_charge
        charge_id = charge if isinstance(charge, str) else (charge.id if charge else "")
        if not charge_id:
            raise InvalidRequest(
                f"payment {source_transaction} has no charge to transfer from",
                param="source_transaction",
            )
        return charge_id

    def transfer_create(
        self,
        *,
        amount: Money,
        destination: str,
        transfer_group: str,
        source_transaction: str,
        idempotency_key: str,
    ) -> TransferResult:
        """Transfer ``amount`` to a merchant's account, in the purchase's ``transfer_group``,
        from the charge ``source_transaction`` (a ``ch_`` id, or the payment's ``pi_`` id, whose
        charge is looked up). Raises ``InvalidRequest`` when the account cannot receive
        transfers yet or the amount exceeds what is left of the charge."""
        params: TransferCreateParams = {
            "amount": _positive(amount),
            "currency": amount.currency.lower(),
            "destination": destination,
            "transfer_group": transfer_group,
            "metadata": {KEY_METADATA: idempotency_key},
        }
        if source_transaction:
            params["source_transaction"] = self._charge_of(source_transaction)
        with _calling():
            transfer = self._client.v1.transfers.create(
                params=params, options=_key_options(idempotency_key)
            )
        return TransferResult(
            provider_ref=transfer.id,
            amount=amount_from_stripe(transfer.amount, transfer.currency),
            destination=(
                transfer.destination
                if isinstance(transfer.destination, str)
                else (transfer.destination.id if transfer.destination else destination)
            ),
            transfer_group=transfer.transfer_group or "",
            reversed=amount_from_stripe(transfer.amount_reversed, transfer.currency),
        )

    def transfer_reverse(
        self, *, transfer_ref: str, amount: Money | None, idempotency_key: str
    ) -> TransferReversalResult:
        """Take back all (``amount=None``) or part of a transfer. Raises ``InvalidRequest`` for
        more than is left of it."""
        params: TransferReversalCreateParams = {"metadata": {KEY_METADATA: idempotency_key}}
        if amount is not None:
            with _calling():
                transfer = self._client.v1.transfers.retrieve(transfer_ref)
            if transfer.currency.upper() != amount.currency:
                raise InvalidRequest(
                    "reversal currency differs from the transfer's", param="amount"
                )
            params["amount"] = _positive(amount)
        with _calling():
            reversal = self._client.v1.transfers.reversals.create(
                transfer_ref, params=params, options=_key_options(idempotency_key)
            )
        return TransferReversalResult(
            provider_ref=reversal.id,
            transfer_ref=transfer_ref,
            amount=amount_from_stripe(reversal.amount, reversal.currency),
        )

    # --- the platform's balance ------------------------------------------------------------------

    def balance_transactions_list(
        self, *, created_gte: datetime, created_lt: datetime
    ) -> list[BalanceTransaction]:
        """The platform's balance transactions created in [``created_gte``, ``created_lt``),
        oldest first (Stripe lists newest first; this pages through all of them). Stripe's types
        become ``BalanceTransactionType`` (``transfer_refund`` → ``TRANSFER_REVERSAL``, a
        dispute's ``adjustment`` → ``DISPUTE``, ``payment_refund`` → ``REFUND``...); amounts,
        fees and nets cross as ``Money`` (``InvalidRequest`` for a currency we do not keep).
        Read-only."""
        balance_window_check(created_gte=created_gte, created_lt=created_lt)
        found: list[BalanceTransaction] = []
        with _calling():
            page = self._client.v1.balance_transactions.list(
                params={
                    "created": {"gte": _epoch(created_gte), "lt": _epoch(created_lt)},
                    "limit": self._list_page_size,
                    "expand": ["data.source"],
                }
            )
            for txn in page.auto_paging_iter():
                found.append(
                    BalanceTransaction(
                        provider_ref=txn.id,
                        type=_balance_type(txn),
                        amount=amount_from_stripe(txn.amount, txn.currency),
                        fee=amount_from_stripe(txn.fee, txn.currency),
                        net=amount_from_stripe(txn.net, txn.currency),
                        source_ref=_balance_source(txn),
                        created=datetime.fromtimestamp(txn.created, tz=UTC),
                    )
                )
        found.reverse()
        return found

    # --- events -----------------------------------------------------------------------------------

    def event_verify(self, *, body: bytes, headers: Mapping[str, str]) -> NormalizedEvent:
        """Verify a webhook delivery with ``STRIPE_WEBHOOK_SECRET`` (``events.event_verify``)."""
        return event_verify(body=body, headers=headers, secret=self._webhook_secret)


def gateway_create(*, client: stripe.StripeClient | None = None) -> StripeGateway:
    """The Stripe gateway for the current settings (the registry calls this).

    Raises ``ImproperlyConfigured`` when the marketplace currency (``OSCAR_DEFAULT_CURRENCY``) is
    not one Stripe charges: IRR, IQD... (``currencies.currency_check_configured``).
    """
    currency_check_configured(settings.OSCAR_DEFAULT_CURRENCY)
    return StripeGateway(
        client=client or client_create(),
        webhook_secret=getattr(settings, "STRIPE_WEBHOOK_SECRET", "") or "",
    )
