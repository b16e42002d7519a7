"""The sandbox gateway: an offline card processor with Stripe's test-card meanings (the default).

Cards (any future expiry, any CVC):

=====================  =============================================================
4242 4242 4242 4242    succeeds
4000 0000 0000 0002    declined: ``generic_decline`` (Stripe's ``card_declined``)
4000 0000 0000 9995    declined: ``insufficient_funds``
4000 0027 6000 3184    3-D Secure challenge on our own page ``/payments/sandbox/3ds/<token>/``
4000 0000 0000 0259    succeeds; disputed once captured (a Celery task, or ``sandbox_dispute``)
any other Luhn-valid   succeeds
Luhn-invalid           ``InvalidRequest(param="number")``
=====================  =============================================================

Stripe's test payment-method tokens (``pm_card_visa``, ``pm_card_chargeDeclined``, ...) map to the
same cards, so the token form works against the sandbox too.

State lives in ``SandboxCharge`` rows, like a processor's own database. Every state change emits
an event the way a real processor would: a JSON body signed with ``SANDBOX_WEBHOOK_SECRET`` (the
Standard Webhooks scheme, ``payments.signing``) and delivered, once the change commits, to the same
``provider_event_ingest`` that Stripe's webhooks reach, so everything downstream sees one flow.
Card numbers are never stored or logged: brand and last four only.

The sandbox keeps a processor fee so the demo shows one: ``SANDBOX_FEE_BPS`` basis points of the
captured amount (default 150, 1.5%), rounded half up, plus ``SANDBOX_FEE_FIXED_MINOR`` (default 0),
taken on capture (``PaymentResult.fee``). Its own book of the platform's balance,
``SandboxBalanceTransaction``, gets a row per capture (gross, fee, net), refund, transfer, transfer
reversal and dispute, listed by ``balance_transactions_list`` as Stripe lists its balance
transactions. Transfers are recorded (idempotent by key), so a reversal without an amount takes
back what is left of its transfer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from marketplace.core.money import CURRENCY_EXPONENTS, Money
from payments.cards import card_brand, card_number_normalise, luhn_valid
from payments.interface import (
    AuthorizeRequest,
    BalanceTransaction,
    BalanceTransactionType,
    CardDeclined,
    DisputeStatus,
    EventType,
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
from payments.models import SandboxBalanceTransaction, SandboxCharge, SandboxChargeStatus
from payments.signing import headers_sign, headers_verify

logger = logging.getLogger(__name__)

NAME = "sandbox"

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
THREE_D_SECURE = "4000002760003184"
DISPUTED = "4000000000000259"

DISPUTE_AFTER_CAPTURE = "dispute_after_capture"

#: The buyer-facing messages of the declines (English; the checkout translates them).
DECLINES: dict[str, tuple[str, str]] = {
    DECLINED: ("generic_decline", "Your card was declined."),
    INSUFFICIENT_FUNDS: ("insufficient_funds", "Your card has insufficient funds."),
}
AUTHENTICATION_FAILED = (
    "authentication_failed",
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again.",
)

#: Stripe's test payment-method tokens, as the cards they stand for.
TEST_TOKENS: dict[str, str] = {
    "pm_card_visa": SUCCEEDS,
    "pm_card_chargeDeclined": DECLINED,
    "pm_card_chargeDeclinedInsufficientFunds": INSUFFICIENT_FUNDS,
    "pm_card_authenticationRequired": THREE_D_SECURE,
    "pm_card_threeDSecure2Required": THREE_D_SECURE,
    "pm_card_createDispute": DISPUTED,
}

_STATUS = {
    SandboxChargeStatus.REQUIRES_ACTION: GatewayPaymentStatus.REQUIRES_ACTION,
    SandboxChargeStatus.AUTHORIZED: GatewayPaymentStatus.AUTHORIZED,
    SandboxChargeStatus.CAPTURED: GatewayPaymentStatus.CAPTURED,
    SandboxChargeStatus.FAILED: GatewayPaymentStatus.FAILED,
    SandboxChargeStatus.CANCELED: GatewayPaymentStatus.CANCELED,
}


def webhook_secret() -> str:
    """``SANDBOX_WEBHOOK_SECRET``, or one derived from ``SECRET_KEY`` when it is unset."""
    configured = getattr(settings, "SANDBOX_WEBHOOK_SECRET", "")
    if configured:
        return configured
    return salted_hmac("payments.sandbox.webhooks", "v1", algorithm="sha256").hexdigest()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def fee_for(amount_minor: int) -> int:
    """The sandbox's fee on a capture of ``amount_minor``: ``SANDBOX_FEE_BPS`` basis points
    (default 150), rounded half up, plus ``SANDBOX_FEE_FIXED_MINOR`` (default 0)."""
    bps = int(getattr(settings, "SANDBOX_FEE_BPS", 150))
    fixed = int(getattr(settings, "SANDBOX_FEE_FIXED_MINOR", 0))
    return (amount_minor * bps + 5000) // 10000 + fixed


def _book(
    *,
    operation: str,
    key: str,
    txn_type: BalanceTransactionType,
    amount_minor: int,
    currency: str,
    source_ref: str,
    fee_minor: int = 0,
    details: dict[str, Any] | None = None,
) -> SandboxBalanceTransaction:
    """Record a movement of the platform's sandbox balance once per ``operation`` and ``key``:
    a repeat returns the first row and changes nothing."""
    txn, _ = SandboxBalanceTransaction.objects.get_or_create(
        provider_ref=f"sbx_txn_{_digest(f'{operation}:{key}')}",
        defaults={
            "type": txn_type.value,
            "amount_minor": amount_minor,
            "fee_minor": fee_minor,
            "net_minor": amount_minor - fee_minor,
            "currency": currency,
            "source_ref": source_ref,
            "idempotency_key": key,
            "details": details or {},
        },
    )
    return txn


def _fee(charge: SandboxCharge) -> Money | None:
    """The fee booked at capture (none before; zero for a charge captured before fees)."""
    if charge.status != SandboxChargeStatus.CAPTURED:
        return None
    fee_minor = (
        SandboxBalanceTransaction.objects.filter(
            source_ref=charge.provider_ref, type=BalanceTransactionType.CHARGE
        )
        .values_list("fee_minor", flat=True)
        .first()
    )
    return Money(fee_minor or 0, charge.currency)


def _result(charge: SandboxCharge) -> PaymentResult:
    currency = charge.currency
    action_url = ""
    if charge.status == SandboxChargeStatus.REQUIRES_ACTION:
        action_url = reverse("payments:sandbox-3ds", kwargs={"token": charge.challenge_token})
    return PaymentResult(
        status=_STATUS[SandboxChargeStatus(charge.status)],
        provider_ref=charge.provider_ref,
        amount=Money(charge.amount_minor, currency),
        captured=Money(charge.captured_minor, currency),
        refunded=Money(charge.refunded_minor, currency),
        action_url=action_url,
        card_brand=charge.card_brand,
        card_last4=charge.card_last4,
        decline_code=charge.decline_code,
        decline_message=charge.decline_message,
        fee=_fee(charge),
        dispute_status=DisputeStatus(charge.dispute_status),
    )


def _raise_if_declined(charge: SandboxCharge) -> None:
    if charge.status == SandboxChargeStatus.FAILED and charge.decline_code:
        raise CardDeclined(
            decline_code=charge.decline_code,
            user_message=charge.decline_message,
            result=_result(charge),
        )


def _emit(charge: SandboxCharge, event_type: EventType) -> None:
    """Sign an event about ``charge`` and deliver it to our webhook inbox once this commits."""
    event_id = f"evt_sbx_{secrets.token_hex(12)}"
    created = int(timezone.now().timestamp())
    body = json.dumps(
        {
            "id": event_id,
            "type": event_type.value,
            "created": created,
            "data": {
                "object": {
                    "id": charge.provider_ref,
                    "status": charge.status,
                    "amount_minor": charge.amount_minor,
                    "currency": charge.currency,
                    "captured_minor": charge.captured_minor,
                    "refunded_minor": charge.refunded_minor,
                    "dispute_status": charge.dispute_status,
                    "metadata": charge.metadata,
                }
            },
        },
        sort_keys=True,
    ).encode()
    headers = headers_sign(secret=webhook_secret(), msg_id=event_id, body=body, timestamp=created)

    def deliver() -> None:
        from payments.services import provider_event_ingest

        try:
            provider_event_ingest(provider=NAME, body=body, headers=headers)
        except Exception:  # a real webhook sender would retry; the sender never fails because
            logger.exception("sandbox: delivering event %s failed", event_id)

    transaction.on_commit(deliver)


def _card_from(request: AuthorizeRequest) -> str:
    method = request.payment_method
    if method.token:
        number = TEST_TOKENS.get(method.token)
        if number is None:
            raise InvalidRequest(
                f"unknown sandbox payment method {method.token!r}",
                param="payment_method",
                user_message="This payment method cannot be used.",
            )
        return number
    assert method.card is not None
    number = card_number_normalise(method.card.number)
    if not luhn_valid(number):
        raise InvalidRequest(
            "card number fails the Luhn check",
            param="number",
            user_message="Your card number is incorrect.",
        )
    today = timezone.localdate()
    if (method.card.exp_year, method.card.exp_month) < (today.year, today.month):
        raise CardDeclined(decline_code="expired_card", user_message="Your card has expired.")
    return number


def _locked(provider_ref: str) -> SandboxCharge:
    try:
        return SandboxCharge.objects.select_for_update().get(provider_ref=provider_ref)
    except SandboxCharge.DoesNotExist:
        raise InvalidRequest(f"no such sandbox payment {provider_ref!r}") from None


class SandboxGateway:
    """The offline gateway (see the module docstring). Idempotent on every ``idempotency_key``."""

    name = NAME
    currencies = frozenset(CURRENCY_EXPONENTS)
    accepts_card_fields = True

    # --- payments -------------------------------------------------------------------------------

    def payment_authorize(self, *, request: AuthorizeRequest) -> PaymentResult:
        """Authorise per the test cards. A repeated key returns (or raises) the first outcome."""
        existing = SandboxCharge.objects.filter(idempotency_key=request.idempotency_key).first()
        if existing is not None:
            _raise_if_declined(existing)
            return _result(existing)
        amount = request.amount
        if amount.currency not in self.currencies:
            raise InvalidRequest(f"the sandbox cannot charge {amount.currency}", param="currency")
        if amount.amount_minor <= 0:
            raise InvalidRequest("amount must be positive", param="amount")
        number = _card_from(request)
        status = SandboxChargeStatus.AUTHORIZED
        decline_code = decline_message = ""
        if number in DECLINES:
            status = SandboxChargeStatus.FAILED
            decline_code, decline_message = DECLINES[number]
        elif number == THREE_D_SECURE:
            status = SandboxChargeStatus.REQUIRES_ACTION
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    provider_ref=f"sbx_pi_{secrets.token_hex(10)}",
                    idempotency_key=request.idempotency_key,
                    challenge_token=secrets.token_urlsafe(24),
                    reference=request.reference,
                    status=status,
                    amount_minor=amount.amount_minor,
                    currency=amount.currency,
                    card_brand=card_brand(number),
                    card_last4=number[-4:],
                    decline_code=decline_code,
                    decline_message=decline_message,
                    behaviour=DISPUTE_AFTER_CAPTURE if number == DISPUTED else "",
                    return_url=request.return_url,
                    metadata=dict(request.metadata),
                )
                _emit(
                    charge,
                    {
                        SandboxChargeStatus.AUTHORIZED: EventType.PAYMENT_AUTHORIZED,
                        SandboxChargeStatus.FAILED: EventType.PAYMENT_FAILED,
                        SandboxChargeStatus.REQUIRES_ACTION: EventType.PAYMENT_REQUIRES_ACTION,
                    }[status],
                )
        except IntegrityError:
            # The same key, concurrently: answer as the first call did.
            charge = SandboxCharge.objects.get(idempotency_key=request.idempotency_key)
        _raise_if_declined(charge)
        return _result(charge)

    def payment_retrieve(self, *, provider_ref: str) -> PaymentResult:
        charge = SandboxCharge.objects.filter(provider_ref=provider_ref).first()
        if charge is None:
            raise InvalidRequest(f"no such sandbox payment {provider_ref!r}")
        return _result(charge)

    def payment_find(self, *, idempotency_key: str) -> PaymentResult | None:
        charge = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
        return None if charge is None else _result(charge)

    def payment_capture(
        self, *, provider_ref: str, amount: Money | None, idempotency_key: str
    ) -> PaymentResult:
        with transaction.atomic():
            charge = _locked(provider_ref)
            if idempotency_key in charge.operations:
                return _result(charge)
            if charge.status != SandboxChargeStatus.AUTHORIZED:
                raise InvalidRequest(f"cannot capture a {charge.status} payment")
            minor = charge.amount_minor if amount is None else amount.amount_minor
            if amount is not None and amount.currency != charge.currency:
                raise InvalidRequest("capture currency differs from the payment's", param="amount")
            if not 0 < minor <= charge.amount_minor:
                raise InvalidRequest("capture amount outside the authorisation", param="amount")
            charge.status = SandboxChargeStatus.CAPTURED
            charge.captured_minor = minor
            charge.operations[idempotency_key] = "capture"
            charge.save(update_fields=["status", "captured_minor", "operations"])
            _book(
                operation="capture",
                key=idempotency_key,
                txn_type=BalanceTransactionType.CHARGE,
                amount_minor=minor,
                fee_minor=fee_for(minor),
                currency=charge.currency,
                source_ref=charge.provider_ref,
            )
            _emit(charge, EventType.PAYMENT_SUCCEEDED)
            if charge.behaviour == DISPUTE_AFTER_CAPTURE:
                from marketplace.core.tasks import enqueue_on_commit
                from payments.tasks import sandbox_dispute_open

                enqueue_on_commit(sandbox_dispute_open, charge.provider_ref)
        return _result(charge)

    def payment_cancel(self, *, provider_ref: str, idempotency_key: str) -> PaymentResult:
        with transaction.atomic():
            charge = _locked(provider_ref)
            if charge.status == SandboxChargeStatus.CANCELED:
                return _result(charge)
            if charge.status not in (
                SandboxChargeStatus.AUTHORIZED,
                SandboxChargeStatus.REQUIRES_ACTION,
            ):
                raise InvalidRequest(f"cannot cancel a {charge.status} payment")
            charge.status = SandboxChargeStatus.CANCELED
            charge.operations[idempotency_key] = "cancel"
            charge.save(update_fields=["status", "operations"])
            _emit(charge, EventType.PAYMENT_CANCELED)
        return _result(charge)

    def refund_create(
        self,
        *,
        provider_ref: str,
        amount: Money,
        reason: str,
        reference: str,
        idempotency_key: str,
    ) -> RefundResult:
        refund_ref = f"sbx_re_{_digest(idempotency_key)}"
        with transaction.atomic():
            charge = _locked(provider_ref)
            if idempotency_key in charge.operations:
                return RefundResult(refund_ref, RefundStatus.SUCCEEDED, amount)
            if charge.status != SandboxChargeStatus.CAPTURED:
                raise InvalidRequest(f"cannot refund a {charge.status} payment")
            if charge.dispute_status == DisputeStatus.OPEN:
                raise InvalidRequest("cannot refund a disputed payment")
            if amount.currency != charge.currency:
                raise InvalidRequest("refund currency differs from the payment's", param="amount")
            if not 0 < amount.amount_minor <= charge.captured_minor - charge.refunded_minor:
                raise InvalidRequest("refund exceeds what is left to refund", param="amount")
            charge.refunded_minor += amount.amount_minor
            charge.operations[idempotency_key] = f"refund:{reference}"
            charge.save(update_fields=["refunded_minor", "operations"])
            _book(
                operation="refund",
                key=idempotency_key,
                txn_type=BalanceTransactionType.REFUND,
                amount_minor=-amount.amount_minor,
                currency=amount.currency,
                source_ref=refund_ref,
                details={"payment": charge.provider_ref, "reference": reference},
            )
            _emit(charge, EventType.CHARGE_REFUNDED)
        return RefundResult(refund_ref, RefundStatus.SUCCEEDED, amount)

    # --- merchants' payout accounts (stateless: refs derive from the keys) and transfers -------

    def payout_account_create(
        self, *, merchant_reference: str, country: str, email: str, idempotency_key: str
    ) -> PayoutAccount:
        return PayoutAccount(
            provider_ref=f"sbx_acct_{_digest(idempotency_key)}",
            charges_enabled=True,
            payouts_enabled=True,
            details_submitted=True,
        )

    def payout_account_link(
        self, *, account_ref: str, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        # Nothing to fill in: the sandbox account is complete, so the link goes straight back.
        return OnboardingLink(url=return_url, expires_at=timezone.now() + timedelta(minutes=5))

    def payout_account_retrieve(self, *, account_ref: str) -> PayoutAccount:
        return PayoutAccount(account_ref, True, True, True)

    def transfer_create(
        self,
        *,
        amount: Money,
        destination: str,
        transfer_group: str,
        source_transaction: str,
        idempotency_key: str,
    ) -> TransferResult:
        """Record a transfer out of the platform's sandbox balance (no balance check: the
        sandbox lets it go below zero). A repeated key returns the first transfer as it is now."""
        if amount.amount_minor <= 0:
            raise InvalidRequest("transfer amount must be positive", param="amount")
        txn = _book(
            operation="transfer",
            key=idempotency_key,
            txn_type=BalanceTransactionType.TRANSFER,
            amount_minor=-amount.amount_minor,
            currency=amount.currency,
            source_ref=f"sbx_tr_{_digest(idempotency_key)}",
            details={
                "destination": destination,
                "transfer_group": transfer_group,
                "source_transaction": source_transaction,
            },
        )
        return self._transfer(txn)

    @staticmethod
    def _reversed_minor(transfer_ref: str) -> int:
        return sum(
            SandboxBalanceTransaction.objects.filter(
                type=BalanceTransactionType.TRANSFER_REVERSAL, source_ref=transfer_ref
            ).values_list("amount_minor", flat=True)
        )

    def _transfer(self, txn: SandboxBalanceTransaction) -> TransferResult:
        return TransferResult(
            provider_ref=txn.source_ref,
            amount=Money(-txn.amount_minor, txn.currency),
            destination=txn.details.get("destination", ""),
            transfer_group=txn.details.get("transfer_group", ""),
            reversed=Money(self._reversed_minor(txn.source_ref), txn.currency),
        )

    def transfer_reverse(
        self, *, transfer_ref: str, amount: Money | None, idempotency_key: str
    ) -> TransferReversalResult:
        """Take back ``amount`` of a recorded transfer, or what is left of it (``None``).
        Raises ``InvalidRequest`` for an unknown transfer, another currency, or more than is
        left. A repeated key returns the first reversal."""
        reversal_ref = f"sbx_trr_{_digest(idempotency_key)}"
        with transaction.atomic():
            transfer = (
                SandboxBalanceTransaction.objects.select_for_update()
                .filter(type=BalanceTransactionType.TRANSFER, source_ref=transfer_ref)
                .first()
            )
            if transfer is None:
                raise InvalidRequest(
                    f"no such sandbox transfer {transfer_ref!r}", param="transfer_ref"
                )
            done = SandboxBalanceTransaction.objects.filter(
                provider_ref=f"sbx_txn_{_digest(f'transfer_reversal:{idempotency_key}')}"
            ).first()
            if done is None:
                remaining = -transfer.amount_minor - self._reversed_minor(transfer_ref)
                if amount is not None and amount.currency != transfer.currency:
                    raise InvalidRequest(
                        "reversal currency differs from the transfer's", param="amount"
                    )
                minor = remaining if amount is None else amount.amount_minor
                if not 0 < minor <= remaining:
                    raise InvalidRequest(
                        "reversal exceeds what is left of the transfer", param="amount"
                    )
                done = _book(
                    operation="transfer_reversal",
                    key=idempotency_key,
                    txn_type=BalanceTransactionType.TRANSFER_REVERSAL,
                    amount_minor=minor,
                    currency=transfer.currency,
                    source_ref=transfer_ref,
                    details={"reversal_ref": reversal_ref},
                )
        return TransferReversalResult(
            provider_ref=done.details.get("reversal_ref", reversal_ref),
            transfer_ref=transfer_ref,
            amount=Money(done.amount_minor, done.currency),
        )

    # --- the platform's balance at the sandbox ---------------------------------------------------

    def balance_transactions_list(
        self, *, created_gte: datetime, created_lt: datetime
    ) -> list[BalanceTransaction]:
        """The sandbox's book of the platform's balance (``SandboxBalanceTransaction``) in
        [``created_gte``, ``created_lt``), oldest first. Read-only."""
        balance_window_check(created_gte=created_gte, created_lt=created_lt)
        rows = SandboxBalanceTransaction.objects.filter(
            created_at__gte=created_gte, created_at__lt=created_lt
        ).order_by("created_at", "pk")
        return [
            BalanceTransaction(
                provider_ref=row.provider_ref,
                type=BalanceTransactionType(row.type),
                amount=Money(row.amount_minor, row.currency),
                fee=Money(row.fee_minor, row.currency),
                net=Money(row.net_minor, row.currency),
                source_ref=row.source_ref,
                created=row.created_at,
            )
            for row in rows
        ]

    # --- events ---------------------------------------------------------------------------------

    def event_verify(self, *, body: bytes, headers: Mapping[str, str]) -> NormalizedEvent:
        msg_id = headers_verify(secret=webhook_secret(), body=body, headers=headers)
        try:
            payload: dict[str, Any] = json.loads(body)
            event_id = str(payload["id"])
            raw_type = str(payload["type"])
            object_id = str(payload["data"]["object"]["id"])
            occurred_at = datetime.fromtimestamp(int(payload["created"]), tz=UTC)
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidRequest(f"malformed sandbox event: {exc}") from None
        if event_id != msg_id:
            raise InvalidRequest("event id differs from the signed webhook-id")
        known = {member.value for member in EventType}
        return NormalizedEvent(
            provider=NAME,
            event_id=event_id,
            type=raw_type if raw_type in known else EventType.OTHER.value,
            object_id=object_id,
            occurred_at=occurred_at,
            payload=payload,
        )

    # --- sandbox-only controls (the 3-D Secure page, disputes) ------------------------------------

    def challenge_get(self, *, token: str) -> SandboxCharge | None:
        """The charge awaiting the challenge ``token`` (or already past it), if any."""
        return SandboxCharge.objects.filter(challenge_token=token).first()

    def challenge_complete(self, *, token: str, approve: bool) -> str:
        """Approve or fail a pending 3-D Secure challenge; return where to send the buyer.

        Idempotent: a challenge already answered keeps its first answer.
        """
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().get(challenge_token=token)
            if charge.status == SandboxChargeStatus.REQUIRES_ACTION:
                if approve:
                    charge.status = SandboxChargeStatus.AUTHORIZED
                    event = EventType.PAYMENT_AUTHORIZED
                else:
                    charge.status = SandboxChargeStatus.FAILED
                    charge.decline_code, charge.decline_message = AUTHENTICATION_FAILED
                    event = EventType.PAYMENT_FAILED
                charge.save(update_fields=["status", "decline_code", "decline_message"])
                _emit(charge, event)
        return charge.return_url

    def dispute_open(self, *, provider_ref: str) -> PaymentResult:
        """The buyer's bank disputes a captured charge (emits ``dispute.created``). Idempotent."""
        with transaction.atomic():
            charge = _locked(provider_ref)
            if charge.status != SandboxChargeStatus.CAPTURED:
                raise InvalidRequest(f"cannot dispute a {charge.status} payment")
            if charge.dispute_status == DisputeStatus.NONE:
                charge.dispute_status = DisputeStatus.OPEN
                charge.save(update_fields=["dispute_status"])
                disputed = charge.captured_minor - charge.refunded_minor
                if disputed > 0:
                    # The bank takes the disputed amount back at once (no dispute fee here).
                    _book(
                        operation="dispute_open",
                        key=charge.provider_ref,
                        txn_type=BalanceTransactionType.DISPUTE,
                        amount_minor=-disputed,
                        currency=charge.currency,
                        source_ref=charge.provider_ref,
                    )
                _emit(charge, EventType.DISPUTE_CREATED)
        return _result(charge)

    def dispute_close(self, *, provider_ref: str, won: bool) -> PaymentResult:
        """Decide an open dispute (emits ``dispute.closed``). Idempotent."""
        with transaction.atomic():
            charge = _locked(provider_ref)
            if charge.dispute_status != DisputeStatus.OPEN:
                return _result(charge)
            charge.dispute_status = DisputeStatus.WON if won else DisputeStatus.LOST
            charge.save(update_fields=["dispute_status"])
            withdrawn = SandboxBalanceTransaction.objects.filter(
                type=BalanceTransactionType.DISPUTE,
                source_ref=charge.provider_ref,
                amount_minor__lt=0,
            ).first()
            if won and withdrawn is not None:
                # Won: the withdrawn amount comes back.
                _book(
                    operation="dispute_won",
                    key=charge.provider_ref,
                    txn_type=BalanceTransactionType.DISPUTE,
                    amount_minor=-withdrawn.amount_minor,
                    currency=charge.currency,
                    source_ref=charge.provider_ref,
                )
            _emit(charge, EventType.DISPUTE_CLOSED)
        return _result(charge)


def gateway_create() -> SandboxGateway:
    return SandboxGateway()
