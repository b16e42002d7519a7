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


# --- bulk posting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Posting:
    """One transaction to post in bulk: the arguments of ``transaction_post`` (without
    ``reverses``)."""

    key: str
    kind: str
    legs: Sequence[Leg]
    memo: str = ""
    occurred_at: datetime | None = None
    metadata: dict[str, Any] | None = None


# Every pgtrigger trigger first asks ``_pgtrigger_should_ignore``, which reads the
# ``pgtrigger.ignore`` setting inside an EXCEPTION block: while the setting is unset (the usual
# case) each call raises and rolls back a subtransaction, ~0.8 ms a call once a transaction has
# thousands of them, i.e. once per entry row at commit (the deferred balance trigger). Setting
# it to the empty list for this transaction (unless ``pgtrigger.ignore(...)`` set it) makes the
# probe succeed; which triggers run is unchanged.
_IGNORE_LIST_EMPTY = (
    "SELECT set_config('pgtrigger.ignore', '{}', true)"
    " WHERE coalesce(current_setting('pgtrigger.ignore', true), '') = ''"
)

_ENTRY_COPY = (
    "COPY ledger_entry (transaction_id, account_id, amount_minor, currency, merchant_order_id)"
    " FROM STDIN"
)


def transactions_post_bulk_keys(postings: Sequence[Posting]) -> list[str]:
    """Post many transactions in one database transaction; return the keys posted now (sorted).

    The same guarantees as ``transaction_post``, per posting: idempotent by key (a key already
    posted, or repeated in ``postings``, is posted at most once; nothing is written for it), zero
    legs dropped, every posting checked balanced per currency before anything is written (raises
    ``Unbalanced``, with the key in its notes, or ``ValueError`` for a posting with no non-zero
    leg), and the database triggers still enforce balance, append-only, currencies and
    never-negative balances (an overdraft raises ``IntegrityError`` and the whole call writes
    nothing).

    How: the transaction rows go in with ONE ``INSERT ... SELECT FROM unnest(...) ON CONFLICT
    (idempotency_key) DO NOTHING RETURNING``, in key order (so two bulk posters sharing keys wait
    for each other instead of deadlocking); then every account the new postings touch is locked in
    primary-key order (``accounts_lock``, as ``transaction_post`` does); then the entries of the
    newly posted transactions only go in with ONE ``COPY``, whose statement trigger moves each
    cached balance once.
    """
    batch: dict[str, tuple[Posting, list[Leg]]] = {}
    for posting in postings:
        if posting.key in batch:
            continue
        legs = [leg for leg in posting.legs if leg.amount_minor != 0]
        if not legs:
            raise ValueError(f"posting {posting.key}: legs are all zero; nothing to post")
        try:
            _check_balanced(legs)
        except Unbalanced as exc:
            exc.add_note(f"posting {posting.key}")
            raise
        batch[posting.key] = (posting, legs)
    if not batch:
        return []
    keys = sorted(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_IGNORE_LIST_EMPTY)
        cursor.execute(
            "INSERT INTO ledger_transaction"
            " (idempotency_key, kind, memo, occurred_at, posted_at, metadata)"
            " SELECT u.key, u.kind, u.memo, coalesce(u.occurred_at, now()), now(),"
            "        u.metadata::jsonb"
            " FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::timestamptz[],"
            "             %s::text[]) AS u(key, kind, memo, occurred_at, metadata)"
            " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key",
            [
                keys,
                [batch[k][0].kind for k in keys],
                [batch[k][0].memo[:255] for k in keys],
                [batch[k][0].occurred_at for k in keys],
                [_json(batch[k][0].metadata or {}) for k in keys],
            ],
        )
        new = {key: pk for pk, key in cursor.fetchall()}
        if not new:
            return []
        posted = [k for k in keys if k in new]
        accounts_lock(leg.account.pk for k in posted for leg in batch[k][1])
        # Django's wrapper has no COPY; the psycopg cursor underneath shares the connection
        # and so this transaction (errors translated to Django's, e.g. IntegrityError).
        with connection.wrap_database_errors, cursor.cursor.copy(_ENTRY_COPY) as copy:
            for k in posted:
                txn_id = new[k]
                for leg in batch[k][1]:
                    copy.write_row(
                        (
                            txn_id,
                            leg.account.pk,
                            leg.amount_minor,
                            leg.account.currency,
                            leg.merchant_order_id,
                        )
                    )
    return posted


def transactions_post_bulk(postings: Sequence[Posting]) -> int:
    """Post many transactions at once (see ``transactions_post_bulk_keys``); return how many were
    posted now (keys already posted are skipped and write nothing). Idempotent."""
    return len(transactions_post_bulk_keys(postings))
