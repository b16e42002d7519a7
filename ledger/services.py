"""Posting to the ledger: the only writes to accounts, transactions and entries."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction

from ledger.exceptions import Unbalanced
from ledger.models import Account, AccountKind, Entry, NormalSide, Party, Transaction

#: Kinds on the debit side (assets and expenses); every other kind is a liability or revenue.
DEBIT_NORMAL = frozenset(
    {
        AccountKind.RECEIVABLE,
        AccountKind.PROCESSOR_FEES,
        AccountKind.DISPUTES,
        AccountKind.BANK,
        AccountKind.BALANCE,
    }
)
#: Only a merchant's own balances must stay at or above zero; the rest may cross it.
NEVER_NEGATIVE = frozenset(
    {AccountKind.PENDING, AccountKind.AVAILABLE, AccountKind.RESERVE, AccountKind.RECEIVABLE}
)


@dataclass(frozen=True)
class Leg:
    """One line of a posting: a signed amount (debit +, credit −) on an account."""

    account: Account
    amount_minor: int
    merchant_order_id: int | None = None


def account_code(*, party: str, kind: str, currency: str, owner: str | int | None = None) -> str:
    """``merchant:12:available:IRR``, ``processor:stripe:balance:IRR``, ``platform:commission:IRR``."""
    parts = [party] + ([str(owner)] if owner is not None else []) + [kind, currency]
    return ":".join(parts)


def account_get(
    *, party: str, kind: str, currency: str, merchant: Any = None, owner: str | None = None
) -> Account:
    """The account of ``party`` of ``kind`` in ``currency`` (``merchant`` for a merchant's own,
    ``owner`` to tell apart several of the same kind, e.g. a processor's name), created on first
    use. Idempotent and safe under concurrent first use."""
    key = merchant.pk if merchant is not None else owner
    code = account_code(party=party, kind=kind, currency=currency, owner=key)
    account = Account.objects.filter(code=code).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(
                code=code,
                party=party,
                kind=kind,
                merchant=merchant,
                currency=currency,
                normal_side=NormalSide.DEBIT if kind in DEBIT_NORMAL else NormalSide.CREDIT,
                allow_negative=kind not in NEVER_NEGATIVE,
            )
    except IntegrityError:
        return Account.objects.get(code=code)


def merchant_account(merchant: Any, kind: str, currency: str) -> Account:
    return account_get(party=Party.MERCHANT, kind=kind, currency=currency, merchant=merchant)


def accounts_lock(account_ids: Iterable[int]) -> dict[int, Account]:
    """Lock accounts in primary-key order (so concurrent postings never deadlock) and return
    them fresh. Call inside a transaction, before reading balances you will post against."""
    ids = sorted(set(account_ids))
    return {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _check_balanced(legs: Sequence[Leg]) -> None:
    totals: dict[str, int] = {}
    for leg in legs:
        totals[leg.account.currency] = totals.get(leg.account.currency, 0) + leg.amount_minor
    unbalanced = {c: t for c, t in totals.items() if t != 0}
    if unbalanced:
        raise Unbalanced(unbalanced)


def transaction_post(
    *,
    key: str,
    kind: str,
    legs: Sequence[Leg],
    memo: str = "",
    occurred_at: datetime | None = None,
    metadata: dict[str, Any] | None = None,
    reverses: Transaction | None = None,
) -> tuple[Transaction, bool]:
    """Post one balanced transaction under the idempotency ``key``.

    Returns ``(transaction, True)`` when posted now, ``(existing, False)`` when ``key`` was already
    posted (nothing is written then: a replayed event changes nothing). Zero legs are dropped.
    Accounts are locked in primary-key order; their cached balances move in the same database
    transaction (trigger). Raises ``Unbalanced`` before writing when the legs do not sum to zero
    per currency, and ``IntegrityError`` when a never-negative account would go below zero (the
    caller's transaction then rolls back: nothing is written).
    """
    legs = [leg for leg in legs if leg.amount_minor != 0]
    _check_balanced(legs)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_transaction"
                " (idempotency_key, kind, memo, occurred_at, posted_at, metadata, reverses_id)"
                " VALUES (%s, %s, %s, coalesce(%s, now()), now(), %s, %s)"
                " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                [
                    key,
                    kind,
                    memo[:255],
                    occurred_at,
                    _json(metadata or {}),
                    reverses.pk if reverses is not None else None,
                ],
            )
            row = cursor.fetchone()
        if row is None:
            return Transaction.objects.get(idempotency_key=key), False
        accounts_lock(leg.account.pk for leg in legs)
        Entry.objects.bulk_create(
            [
                Entry(
                    transaction_id=row[0],
                    account_id=leg.account.pk,
                    amount_minor=leg.amount_minor,
                    currency=leg.account.currency,
                    merchant_order_id=leg.merchant_order_id,
                )
                for leg in legs
            ]
        )
    return Transaction.objects.get(pk=row[0]), True


def transaction_reverse(
    *, original: Transaction, key: str, memo: str = ""
) -> tuple[Transaction, bool]:
    """Post the exact opposite of ``original`` under ``key`` (a correction; entries are never
    edited). Idempotent by ``key``; a transaction can be reversed once."""
    legs = [
        Leg(e.account, -e.amount_minor, e.merchant_order_id)
        for e in original.entries.select_related("account")
    ]
    return transaction_post(
        key=key,
        kind=Transaction.Kind.REVERSAL,
        legs=legs,
        memo=memo or f"reversal of {original.idempotency_key}",
        reverses=original,
    )


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)
