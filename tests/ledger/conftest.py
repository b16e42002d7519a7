"""Ledger fixtures: a small chart of accounts (the platform, the municipality, the tax authority, a
processor and one merchant), in IRR unless a test asks for another currency."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ledger.models import Account, AccountKind, Party


@dataclass(frozen=True)
class Book:
    merchant: object
    processor: Account
    commission: Account
    fee_payable: Account
    vat_payable: Account
    pending: Account
    available: Account

    def balances(self) -> dict[str, int]:
        """Every account's cached balance, fresh from the database, by code."""
        return dict(Account.objects.values_list("code", "balance_minor"))


def book_create(currency: str = "IRR") -> Book:
    """The accounts a capture and a payout touch, in ``currency`` (one merchant)."""
    from ledger.services import account_get, merchant_account
    from tests.merchants.factories import MerchantFactory

    merchant = MerchantFactory()
    return Book(
        merchant=merchant,
        processor=account_get(
            party=Party.PROCESSOR, kind=AccountKind.BALANCE, currency=currency, owner="sandbox"
        ),
        commission=account_get(
            party=Party.PLATFORM, kind=AccountKind.COMMISSION, currency=currency
        ),
        fee_payable=account_get(
            party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE, currency=currency
        ),
        vat_payable=account_get(party=Party.TAX, kind=AccountKind.VAT_PAYABLE, currency=currency),
        pending=merchant_account(merchant, AccountKind.PENDING, currency),
        available=merchant_account(merchant, AccountKind.AVAILABLE, currency),
    )


@pytest.fixture
def book(db) -> Book:
    return book_create()
