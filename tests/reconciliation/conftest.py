"""Fixtures of the reconciliation tests: ledger postings made the way the posting rules say,
sandbox payments moved to a chosen moment, and the Stripe fake (its own server: the fixtures in
tests/payments/conftest.py are that directory's)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
from django.utils import timezone

from ledger.models import AccountKind, Party, Transaction, TransactionKind
from ledger.services import Leg, account_get, merchant_account, transaction_post
from marketplace.core.money import Money
from payments.gateways.sandbox import SandboxGateway
from payments.interface import AuthorizeRequest, PaymentMethodInput, PaymentResult
from payments.models import SandboxBalanceTransaction
from payments.stripe_fake import StripeFake

#: The day most tests reconcile (Asia/Tehran).
DAY = date(2026, 3, 10)


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An aware moment of ``day`` in TIME_ZONE (Asia/Tehran)."""
    naive = datetime.combine(day, time(hour, minute, second))
    return timezone.make_aware(naive, timezone.get_default_timezone())


NOON = local(DAY, 12)


class Books:
    """Postings to the ledger as the settlement pipeline makes them (posting rules of issue #5),
    each with ``metadata["provider_ref"]``, for one merchant, gateway and currency."""

    def __init__(self, merchant: Any, gateway: str = "sandbox", currency: str = "IRR") -> None:
        self.merchant = merchant
        self.gateway = gateway
        self.currency = currency

    def processor(self) -> Any:
        return account_get(
            party=Party.PROCESSOR,
            kind=AccountKind.BALANCE,
            currency=self.currency,
            owner=self.gateway,
        )

    def _platform(self, kind: str) -> Any:
        return account_get(party=Party.PLATFORM, kind=kind, currency=self.currency)

    def _merchant(self, kind: str) -> Any:
        return merchant_account(self.merchant, kind, self.currency)

    def capture(
        self, *, payment_id: int, provider_ref: str, amount: int, at: datetime, **extra: Any
    ) -> Transaction:
        """``payment:<id>:captured``: Dr processor gross / Cr merchant pending 90%, commission."""
        commission = amount // 10
        txn, _ = transaction_post(
            key=f"payment:{payment_id}:captured",
            kind=TransactionKind.CAPTURE,
            legs=[
                Leg(self.processor(), amount),
                Leg(self._merchant(AccountKind.PENDING), -(amount - commission)),
                Leg(self._platform(AccountKind.COMMISSION), -commission),
            ],
            occurred_at=at,
            metadata=extra.get(
                "metadata", {"provider_ref": provider_ref, "payment_id": payment_id}
            ),
        )
        return txn

    def fee(self, *, payment_id: int, provider_ref: str, fee: int, at: datetime) -> Transaction:
        """``payment:<id>:processor_fee``: Dr platform processor fees / Cr processor."""
        txn, _ = transaction_post(
            key=f"payment:{payment_id}:processor_fee",
            kind=TransactionKind.PROCESSOR_FEE,
            legs=[
                Leg(self._platform(AccountKind.PROCESSOR_FEES), fee),
                Leg(self.processor(), -fee),
            ],
            occurred_at=at,
            metadata={"provider_ref": provider_ref, "payment_id": payment_id},
        )
        return txn

    def refund(
        self, *, refund_id: int, provider_ref: str, amount: int, at: datetime
    ) -> Transaction:
        """``refund:<id>:posted``: Dr merchant pending / Cr processor."""
        txn, _ = transaction_post(
            key=f"refund:{refund_id}:posted",
            kind=TransactionKind.REFUND,
            legs=[Leg(self._merchant(AccountKind.PENDING), amount), Leg(self.processor(), -amount)],
            occurred_at=at,
            metadata={"provider_ref": provider_ref, "refund_id": refund_id},
        )
        return txn

    def payout(
        self, *, payout_id: int, transfer_ref: str, amount: int, at: datetime
    ) -> Transaction:
        """The hold released (pending → available), then ``payout:<id>:paid``: Dr merchant
        available / Cr processor, with the transfer's reference."""
        transaction_post(
            key=f"payout:{payout_id}:released",
            kind=TransactionKind.RELEASE,
            legs=[
                Leg(self._merchant(AccountKind.PENDING), amount),
                Leg(self._merchant(AccountKind.AVAILABLE), -amount),
            ],
            occurred_at=at,
        )
        txn, _ = transaction_post(
            key=f"payout:{payout_id}:paid",
            kind=TransactionKind.PAYOUT,
            legs=[
                Leg(self._merchant(AccountKind.AVAILABLE), amount),
                Leg(self.processor(), -amount),
            ],
            occurred_at=at,
            metadata={"provider_ref": transfer_ref, "payout_id": payout_id},
        )
        return txn

    def transfer_reversal(
        self, *, payout_id: int, transfer_ref: str, amount: int, at: datetime
    ) -> Transaction:
        """Part of a transfer taken back: Dr processor / Cr merchant available, declared a
        ``transfer_reversal`` through ``metadata["provider_type"]``."""
        txn, _ = transaction_post(
            key=f"payout:{payout_id}:reversed",
            kind=TransactionKind.OTHER,
            legs=[
                Leg(self.processor(), amount),
                Leg(self._merchant(AccountKind.AVAILABLE), -amount),
            ],
            occurred_at=at,
            metadata={"provider_ref": transfer_ref, "provider_type": "transfer_reversal"},
        )
        return txn


@pytest.fixture
def merchant(db):
    from tests.merchants.factories import MerchantFactory

    return MerchantFactory()


@pytest.fixture
def books(merchant) -> Books:
    return Books(merchant)


@pytest.fixture
def sandbox(db) -> SandboxGateway:
    return SandboxGateway()


def sandbox_capture(
    gateway: SandboxGateway, *, amount: int, key: str, currency: str = "IRR"
) -> PaymentResult:
    """Authorise and capture ``amount`` at the sandbox with Stripe's test Visa token."""
    authorized = gateway.payment_authorize(
        request=AuthorizeRequest(
            amount=Money(amount, currency),
            reference=key,
            idempotency_key=f"{key}:authorize",
            return_url="http://testserver/return/",
            payment_method=PaymentMethodInput(token="pm_card_visa"),
        )
    )
    return gateway.payment_capture(
        provider_ref=authorized.provider_ref, amount=None, idempotency_key=f"{key}:capture"
    )


def sandbox_at(at: datetime, **filters: Any) -> None:
    """Pretend the sandbox booked its balance transactions (those matching ``filters``) at
    ``at``: the processor's clock is the only thing a test moves."""
    SandboxBalanceTransaction.objects.filter(**filters).update(created_at=at)


@pytest.fixture(scope="session")
def _stripe_fake_server() -> Iterator[StripeFake]:
    fake = StripeFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_fake(_stripe_fake_server: StripeFake) -> Iterator[StripeFake]:
    """The Stripe fake, emptied for this test."""
    _stripe_fake_server.reset()
    yield _stripe_fake_server
    _stripe_fake_server.reset()


@pytest.fixture
def stripe_settings(settings, stripe_fake):
    """Stripe switched on against the fake, the marketplace priced in USD."""
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = stripe_fake.url
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_fake_secret"
    settings.OSCAR_DEFAULT_CURRENCY = "USD"
    return settings
