"""Payouts: a merchant's available balance transferred to their payout account.

``payouts_build`` (database only): per merchant and currency, under the merchant's account locks,
first nets what the merchant owes (receivable) against available (``merchant:<id>:netting:<n>``),
then, for a trading merchant whose available balance reaches ``SETTLEMENT_PAYOUT_MINIMUM_MINOR``,
creates a ``Payout`` for all of it and reserves it (``payout:<id>:reserved``: Dr merchant
available / Cr platform in-transit), in one transaction. A merchant who is not trading gets a
HELD payout recording why (no money moves; it is canceled once they trade again).

``payout_submit`` (the call out): marks the payout SUBMITTED and commits, calls
``gateway.transfer_create`` outside any transaction with the key ``payout:<id>:transfer``, then
records the result: PAID (``payout:<id>:paid``: Dr in-transit / Cr processor balance, metadata
``provider_ref`` = the transfer) or, for a refusal, FAILED (``payout:<id>:failed``: the money back
to available). A retryable error leaves it SUBMITTED for the retrying task. A run interrupted
after the transfer and before recording it calls again with the same key: the processor returns
the same transfer, so nothing is transferred twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger.models import AccountKind, Party, Transaction, TransactionKind
from ledger.services import Leg, accounts_lock, transaction_post
from marketplace.core.money import Money
from merchants.models import Merchant, MerchantStatus
from payments.interface import GatewayError, TransferResult
from settlement.exceptions import InvalidPayoutTransition
from settlement.models import (
    OPEN_PAYOUT_STATUSES,
    PAYOUT_TRANSITIONS,
    HoldStatus,
    MerchantOrderSettlement,
    MerchantPayoutAccount,
    Payout,
    PayoutEvent,
    PayoutStatus,
)
from settlement.postings import AccountBook, capture_parts

logger = logging.getLogger(__name__)

K = AccountKind
_SUSPENDED_BEFORE_TRANSFER = "the merchant was suspended before the transfer"


def payout_gateway_name() -> str:
    """``SETTLEMENT_PAYOUT_GATEWAY``, or the active payments gateway when empty."""
    from payments.gateways import gateway_name_active

    return (getattr(settings, "SETTLEMENT_PAYOUT_GATEWAY", "") or "").strip() or (
        gateway_name_active()
    )


def payout_minimum_minor() -> int:
    return int(getattr(settings, "SETTLEMENT_PAYOUT_MINIMUM_MINOR", 0))


def in_transit(book: AccountBook, currency: str) -> Any:
    return book.platform(K.IN_TRANSIT, currency)


def _transition(
    payout: Payout, to_status: str, *, source: str, reason: str = "", actor: Any = None
) -> None:
    """Move a locked payout along ``PAYOUT_TRANSITIONS`` and log it; the caller saves."""
    if to_status not in PAYOUT_TRANSITIONS[payout.status]:
        raise InvalidPayoutTransition(pk=payout.pk, from_status=payout.status, to_status=to_status)
    PayoutEvent.objects.create(
        payout=payout,
        from_status=payout.status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        source=source[:128],
        reason=reason,
    )
    payout.status = to_status
    payout.status_changed_at = timezone.now()


def _create(merchant_id: int, currency: str, amount: int, status: str, **fields: Any) -> Payout:
    payout = Payout.objects.create(
        merchant_id=merchant_id, currency=currency, amount_minor=amount, status=status, **fields
    )
    PayoutEvent.objects.create(
        payout=payout, from_status="", to_status=status, source="settlement", reason=payout.reason
    )
    return payout


# --- build ------------------------------------------------------------------------------------


@dataclass
class BuildResult:
    netted: int = 0
    netted_minor: int = 0
    created: list[int] = field(default_factory=list)
    created_minor: dict[str, int] = field(default_factory=dict)
    held: int = 0
    below_minimum: int = 0
    in_flight: int = 0


def _netting_post(*, merchant_id: int, currency: str, amount: int, book: AccountBook) -> None:
    n = (
        Transaction.objects.filter(
            kind=TransactionKind.NETTING,
            idempotency_key__startswith=f"merchant:{merchant_id}:netting:",
        ).count()
        + 1
    )
    transaction_post(
        key=f"merchant:{merchant_id}:netting:{n}",
        kind=TransactionKind.NETTING,
        legs=[
            Leg(book.available(merchant_id, currency), amount),
            Leg(book.receivable(merchant_id, currency), -amount),
        ],
        memo=f"merchant {merchant_id} owes {amount} {currency}: netted against available",
        metadata={"merchant_id": merchant_id, "currency": currency},
    )


def _source_transaction(
    merchant_id: int, currency: str, gateway: str, amount: int
) -> tuple[str, list[int]]:
    """The released holds a payout carries, and the one charge they all came from when there is
    one (on the payout's gateway) and it covers ``amount`` (the merchant's share of it at least),
    else "": the processor refuses a transfer larger than what is left of its source charge."""
    from payments.models import Payment

    holds = list(
        MerchantOrderSettlement.objects.filter(
            merchant_id=merchant_id,
            currency=currency,
            status=HoldStatus.AVAILABLE,
            payout__isnull=True,
        ).values_list("pk", "merchant_order_id", "merchant_order__purchase_id")
    )
    purchases = {purchase_id for _pk, _mo, purchase_id in holds}
    source = ""
    if len(purchases) == 1:
        refs = set(
            Payment.objects.filter(
                purchase_id__in=purchases, gateway=gateway, captured_minor__gt=0
            ).values_list("provider_ref", flat=True)
        )
        share = sum(
            p.merchant_minor for p in capture_parts(merchant_order_ids=[mo for _, mo, _ in holds])
        )
        if len(refs) == 1 and amount <= share:
            source = refs.pop()
    return source, [pk for pk, _mo, _purchase in holds]


def payout_build_one(
    *, merchant_id: int, currency: str, now: datetime, gateway: str, result: BuildResult
) -> Payout | None:
    """Net, then create (or hold) the payout of one merchant in one currency; see the module
    docstring. One transaction. Returns the payout created or held, if any."""

    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant_id)
        book = AccountBook()
        available = book.available(merchant_id, currency)
        receivable = book.receivable(merchant_id, currency)
        transit = in_transit(book, currency)
        locked = accounts_lock([available.pk, receivable.pk, transit.pk])
        balance = locked[available.pk].balance_minor
        owed = locked[receivable.pk].balance_minor
        netted = min(balance, owed)
        if netted > 0:
            _netting_post(merchant_id=merchant_id, currency=currency, amount=netted, book=book)
            balance -= netted
            result.netted += 1
            result.netted_minor += netted
        open_payout = (
            Payout.objects.select_for_update()
            .filter(merchant_id=merchant_id, currency=currency, status__in=OPEN_PAYOUT_STATUSES)
            .first()
        )
        if not merchant.is_trading:
            if balance <= 0:
                return None
            result.held += 1
            reason = f"merchant is {merchant.get_status_display()} ({merchant.status})"
            if open_payout is None:
                return _create(merchant_id, currency, balance, PayoutStatus.HELD, reason=reason)
            if open_payout.status == PayoutStatus.HELD and (
                open_payout.amount_minor != balance or open_payout.reason != reason
            ):
                open_payout.amount_minor, open_payout.reason = balance, reason
                open_payout.save(update_fields=["amount_minor", "reason", "updated_at"])
            return open_payout
        if open_payout is not None and open_payout.status == PayoutStatus.HELD:
            _transition(
                open_payout, PayoutStatus.CANCELED, source="settlement", reason="trading again"
            )
            open_payout.save()
            open_payout = None
        if open_payout is not None:
            result.in_flight += 1
            return None
        if balance <= 0 or balance < payout_minimum_minor():
            if balance > 0:
                result.below_minimum += 1
            return None
        source, holds = _source_transaction(merchant_id, currency, gateway, balance)
        payout = _create(
            merchant_id,
            currency,
            balance,
            PayoutStatus.CREATED,
            gateway=gateway,
            source_transaction=source,
        )
        transaction_post(
            key=payout.key("reserved"),
            kind=TransactionKind.PAYOUT,
            legs=[Leg(available, balance), Leg(transit, -balance)],
            memo=f"payout {payout.pk} to merchant {merchant_id} reserved",
            occurred_at=now,
            metadata={"payout_id": payout.pk, "merchant_id": merchant_id},
        )
        MerchantOrderSettlement.objects.filter(pk__in=holds).update(payout=payout)
        result.created.append(payout.pk)
        result.created_minor[currency] = result.created_minor.get(currency, 0) + balance
        return payout


def payout_candidates() -> list[tuple[int, str]]:
    """(merchant id, currency) of every merchant with money available or owed."""
    from ledger.models import Account

    return sorted(
        set(
            Account.objects.filter(
                party=Party.MERCHANT,
                kind__in=[K.AVAILABLE, K.RECEIVABLE],
                balance_minor__gt=0,
            ).values_list("merchant_id", "currency")
        )
    )


def payouts_build(*, now: datetime | None = None, progress: Any = None) -> BuildResult:
    """Build the payouts of every merchant with money available (see the module docstring). Each
    merchant is handled in its own transaction; one failing does not stop the others. Returns
    counts. Idempotent within a run: a merchant with an open payout gets no second one."""
    now = now or timezone.now()
    gateway = payout_gateway_name()
    result = BuildResult()
    candidates = payout_candidates()
    for done, (merchant_id, currency) in enumerate(candidates, start=1):
        try:
            payout_build_one(
                merchant_id=merchant_id, currency=currency, now=now, gateway=gateway, result=result
            )
        except Exception:
            logger.exception("settlement: building the payout of merchant %s failed", merchant_id)
        if progress is not None:
            progress(done, len(candidates))
    return result


# --- submit -----------------------------------------------------------------------------------


def _merchant_email(merchant: Any) -> str:
    user = merchant.partner.users.exclude(email="").order_by("pk").first()
    return user.email if user is not None else ""


def payout_account_ensure(*, merchant: Any, gateway: str) -> MerchantPayoutAccount:
    """The merchant's payout account at ``gateway``, opened there on first use with the key
    ``merchant:<id>:payout-account`` (a repeat returns the same account). Call outside a
    transaction: it may call the processor. Raises ``GatewayError``."""
    from payments.gateways import gateway_by_name

    account = MerchantPayoutAccount.objects.filter(merchant=merchant, gateway=gateway).first()
    if account is not None:
        return account
    opened = gateway_by_name(gateway).payout_account_create(
        merchant_reference=merchant.slug,
        country=getattr(settings, "SETTLEMENT_PAYOUT_ACCOUNT_COUNTRY", "IR"),
        email=_merchant_email(merchant),
        idempotency_key=f"merchant:{merchant.pk}:payout-account",
    )
    try:
        with transaction.atomic():
            return MerchantPayoutAccount.objects.create(
                merchant=merchant,
                gateway=gateway,
                account_ref=opened.provider_ref,
                payouts_enabled=opened.payouts_enabled,
            )
    except IntegrityError:
        return MerchantPayoutAccount.objects.get(merchant=merchant, gateway=gateway)


def payout_paid_record(*, payout_id: int, transfer: TransferResult) -> Payout:
    """Record a transfer the processor made for a submitted payout: PAID, the transfer's
    reference, and ``payout:<id>:paid`` (Dr in-transit / Cr processor balance). Idempotent."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status == PayoutStatus.PAID:
            return payout
        _transition(payout, PayoutStatus.PAID, source="settlement", reason=transfer.provider_ref)
        payout.transfer_ref = transfer.provider_ref
        payout.last_error = ""
        payout.save()
        book = AccountBook()
        transaction_post(
            key=payout.key("paid"),
            kind=TransactionKind.PAYOUT,
            legs=[
                Leg(in_transit(book, payout.currency), payout.amount_minor),
                Leg(book.processor(payout.gateway, payout.currency), -payout.amount_minor),
            ],
            memo=f"payout {payout.pk} transferred ({transfer.provider_ref})",
            metadata={
                "provider_ref": transfer.provider_ref,
                "payout_id": payout.pk,
                "merchant_id": payout.merchant_id,
                "destination": payout.destination,
                "transfer_group": f"payout:{payout.pk}",
            },
        )
    return payout


def payout_fail(*, payout_id: int, reason: str, source: str = "settlement") -> Payout:
    """Give up on a payout (the processor refused it): FAILED with ``reason``, the money back to
    the merchant's available balance (``payout:<id>:failed``), its holds free for the next one.
    Idempotent."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status == PayoutStatus.FAILED:
            return payout
        _transition(payout, PayoutStatus.FAILED, source=source, reason=reason)
        payout.reason = reason
        payout.save()
        book = AccountBook()
        transaction_post(
            key=payout.key("failed"),
            kind=TransactionKind.PAYOUT_FAILED,
            legs=[
                Leg(in_transit(book, payout.currency), payout.amount_minor),
                Leg(book.available(payout.merchant_id, payout.currency), -payout.amount_minor),
            ],
            memo=f"payout {payout.pk} failed: {reason}"[:255],
            metadata={"payout_id": payout.pk, "merchant_id": payout.merchant_id, "reason": reason},
        )
        MerchantOrderSettlement.objects.filter(payout=payout).update(payout=None)
    return payout


def payout_submit(*, payout_id: int) -> Payout:
    """Transfer a created (or submitted, unanswered) payout; see the module docstring.

    Idempotent: a paid, failed or canceled payout is returned as it is, and the transfer's key
    ``payout:<id>:transfer`` makes a repeated call return the first transfer. Raises
    ``GatewayError`` only when retryable (the payout stays SUBMITTED; retry later).
    """
    from payments.gateways import gateway_by_name

    payout = Payout.objects.select_related("merchant__partner").get(pk=payout_id)
    if payout.status not in (PayoutStatus.CREATED, PayoutStatus.SUBMITTED):
        return payout
    if payout.status == PayoutStatus.CREATED and not payout.merchant.is_trading:
        # Suspended after the payout was built: nothing was sent yet, so give the money back to
        # available (held from the next build on). A SUBMITTED one may already be at the
        # processor, so it goes on under its key rather than risk an unrecorded transfer.
        return payout_fail(payout_id=payout.pk, reason=_SUSPENDED_BEFORE_TRANSFER)
    try:
        account = payout_account_ensure(merchant=payout.merchant, gateway=payout.gateway)
    except GatewayError as exc:
        if exc.retryable:
            Payout.objects.filter(pk=payout.pk).update(last_error=f"account: {exc}"[:2000])
            raise
        return payout_fail(payout_id=payout.pk, reason=f"payout account: {exc}")
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status not in (PayoutStatus.CREATED, PayoutStatus.SUBMITTED):
            return payout
        suspended = (
            payout.status == PayoutStatus.CREATED
            and not Merchant.objects.filter(
                pk=payout.merchant_id, status=MerchantStatus.APPROVED
            ).exists()
        )
        if not suspended and payout.status == PayoutStatus.CREATED:
            _transition(payout, PayoutStatus.SUBMITTED, source="settlement")
        if not suspended:
            payout.destination = account.account_ref
            payout.attempts += 1
            payout.save()
    if suspended:
        return payout_fail(payout_id=payout.pk, reason=_SUSPENDED_BEFORE_TRANSFER)
    try:
        transfer = gateway_by_name(payout.gateway).transfer_create(
            amount=Money(payout.amount_minor, payout.currency),
            destination=payout.destination,
            transfer_group=f"payout:{payout.pk}",
            source_transaction=payout.source_transaction,
            idempotency_key=payout.key("transfer"),
        )
    except GatewayError as exc:
        if exc.retryable:
            Payout.objects.filter(pk=payout.pk).update(last_error=str(exc)[:2000])
            logger.warning("payout %s: processor unavailable (%s); retried", payout.pk, exc)
            raise
        logger.warning("payout %s refused by %s: %s", payout.pk, payout.gateway, exc)
        return payout_fail(payout_id=payout.pk, reason=str(exc))
    return payout_paid_record(payout_id=payout.pk, transfer=transfer)


@dataclass
class SubmitResult:
    paid: int = 0
    paid_minor: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    failed_minor: dict[str, int] = field(default_factory=dict)
    retrying: int = 0


def payouts_submit(*, payout_ids: list[int] | None = None, progress: Any = None) -> SubmitResult:
    """Submit the given payouts (default: every created or submitted one). A retryable failure
    queues ``settlement.payout_submit`` with backoff; the next run tries again too."""
    from marketplace.core.tasks import enqueue_on_commit
    from settlement.tasks import payout_submit_retry

    if payout_ids is None:
        payout_ids = list(
            Payout.objects.filter(status__in=[PayoutStatus.CREATED, PayoutStatus.SUBMITTED])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    result = SubmitResult()
    for done, payout_id in enumerate(payout_ids, start=1):
        try:
            payout = payout_submit(payout_id=payout_id)
        except GatewayError:
            result.retrying += 1
            enqueue_on_commit(payout_submit_retry, payout_id)
        except Exception:
            result.retrying += 1
            logger.exception("payout %s: submitting failed", payout_id)
        else:
            if payout.status == PayoutStatus.PAID:
                result.paid += 1
                result.paid_minor[payout.currency] = (
                    result.paid_minor.get(payout.currency, 0) + payout.amount_minor
                )
            elif payout.status == PayoutStatus.FAILED:
                result.failed += 1
                result.failed_minor[payout.currency] = (
                    result.failed_minor.get(payout.currency, 0) + payout.amount_minor
                )
        if progress is not None:
            progress(done, len(payout_ids))
    return result
