"""Matching the ledger's processor account against the processor's balance transactions.

Pure functions over plain values: ``reconciliation.services`` reads both sides and writes the
result.

**The metadata contract.** Every ledger transaction with an entry on a processor balance account
(``processor:<gateway>:balance:<currency>``) carries ``metadata["provider_ref"]``: the processor's
reference of the object the money moved for, the one our rows keep and the processor's balance
transaction names as ``BalanceTransaction.source_ref``:

=================================  ============================  ================================
ledger transaction                 ``Transaction.kind``          ``metadata["provider_ref"]``
=================================  ============================  ================================
``payment:<id>:captured``          capture                       ``Payment.provider_ref``
``payment:<id>:processor_fee``     processor_fee                 ``Payment.provider_ref``
``refund:<id>:succeeded``          refund                        ``Refund.provider_ref``
``payment:<id>:dispute_opened``    dispute_opened                ``Payment.provider_ref``
``payment:<id>:dispute_won``       dispute_won                   ``Payment.provider_ref``
``payout:<id>:paid``               payout                        the transfer's reference
=================================  ============================  ================================

Optional ``metadata["provider_type"]`` (a ``BalanceTransactionType`` value) overrides the type the
kind implies (``KIND_TYPES``), e.g. ``"dispute"`` on a ``processor_fee`` transaction booking a
dispute fee. Without ``provider_ref`` the key's ``payment:<id>:`` or ``refund:<id>:`` prefix
names the row to take it from (``services``); a reversal (``transaction_reverse``) belongs where
the transaction it reverses does.

**Groups.** Both sides are grouped by (type, reference). In a group the processor's amounts and
fees are summed, and so are the ledger's entries on the processor account: those of
``processor_fee`` transactions (credits) make the ledger's fee, all others its amount. Equal
amounts and fees: matched. Otherwise one finding per difference: ``missing_in_ledger`` (the
processor moved money the ledger never booked), ``missing_at_processor`` (the other way round),
``amount_mismatch``, ``fee_mismatch``. A group on neither side's books with no money moved (a
payout booked and its failure booked back) is matched.

**Days.** A run looks at a day but reads both sides ``MARGIN`` further on each side, so a capture
the processor timed at 23:59:58 and the ledger at 00:00:01 still meet. A group belongs to the day
of its earliest processor transaction (its earliest ledger transaction when the processor has
none) and is reported only in that day's run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from ledger.models import TransactionKind
from payments.interface import BalanceTransaction, BalanceTransactionType

#: The metadata key every processor-account transaction carries (see the module docstring).
PROVIDER_REF: Final = "provider_ref"
#: Optional: the processor balance-transaction type, when the kind's default is not it.
PROVIDER_TYPE: Final = "provider_type"
#: How far beyond the day both sides are read to find a group's other half.
MARGIN: Final = timedelta(days=1)

_T = BalanceTransactionType
#: The processor balance-transaction type a ledger transaction kind stands for.
KIND_TYPES: Final[Mapping[str, BalanceTransactionType]] = {
    TransactionKind.CAPTURE: _T.CHARGE,
    TransactionKind.PROCESSOR_FEE: _T.CHARGE,
    TransactionKind.REFUND: _T.REFUND,
    TransactionKind.DISPUTE_OPENED: _T.DISPUTE,
    TransactionKind.DISPUTE_WON: _T.DISPUTE,
    TransactionKind.DISPUTE_LOST: _T.DISPUTE,
    TransactionKind.PAYOUT: _T.TRANSFER,
    TransactionKind.PAYOUT_FAILED: _T.TRANSFER_REVERSAL,
}

MISSING_IN_LEDGER: Final = "missing_in_ledger"
MISSING_AT_PROCESSOR: Final = "missing_at_processor"
AMOUNT_MISMATCH: Final = "amount_mismatch"
FEE_MISMATCH: Final = "fee_mismatch"


@dataclass(frozen=True)
class LedgerTxn:
    """A ledger transaction as reconciliation sees it: its net entry on the processor account
    (``amount_minor``: + debit, money into the processor balance) and where it belongs."""

    key: str
    kind: str
    occurred_at: datetime
    amount_minor: int
    provider_ref: str
    txn_type: BalanceTransactionType
    is_fee: bool


def ledger_txn_classify(
    *,
    key: str,
    kind: str,
    metadata: Mapping[str, Any],
    occurred_at: datetime,
    amount_minor: int,
    original: Mapping[str, Any] | None = None,
    fallback_ref: str = "",
) -> LedgerTxn:
    """``LedgerTxn`` for a ledger transaction; ``original`` (``kind``, ``metadata``, ``key``)
    is the transaction a reversal reverses; ``fallback_ref`` the reference its key names."""
    source_kind, source_meta = kind, metadata
    if kind == TransactionKind.REVERSAL and original is not None:
        source_kind, source_meta = original["kind"], original["metadata"] or {}
    ref = str(source_meta.get(PROVIDER_REF) or metadata.get(PROVIDER_REF) or fallback_ref)
    declared = source_meta.get(PROVIDER_TYPE)
    try:
        txn_type = BalanceTransactionType(declared) if declared else None
    except ValueError:
        txn_type = None
    return LedgerTxn(
        key=key,
        kind=kind,
        occurred_at=occurred_at,
        amount_minor=amount_minor,
        provider_ref=ref,
        txn_type=txn_type or KIND_TYPES.get(source_kind, BalanceTransactionType.OTHER),
        is_fee=source_kind == TransactionKind.PROCESSOR_FEE,
    )


def _key_root(key: str) -> str:
    """``payout:12`` of ``payout:12:paid``: the business object a reference-less key is about."""
    return ":".join(key.split(":")[:2])


@dataclass
class Group:
    txn_type: BalanceTransactionType
    provider_ref: str
    match_key: str
    processor: list[BalanceTransaction] = field(default_factory=list)
    ledger: list[LedgerTxn] = field(default_factory=list)

    @property
    def processor_amount(self) -> int:
        return sum(t.amount.amount_minor for t in self.processor)

    @property
    def processor_fee(self) -> int:
        return sum(t.fee.amount_minor for t in self.processor)

    @property
    def ledger_amount(self) -> int:
        return sum(t.amount_minor for t in self.ledger if not t.is_fee)

    @property
    def ledger_fee(self) -> int:
        # Fee postings credit the processor balance: a fee of 30 is an entry of −30.
        return -sum(t.amount_minor for t in self.ledger if t.is_fee)

    def home(self) -> datetime:
        """When the group happened: its first processor transaction, else its first posting."""
        if self.processor:
            return min(t.created for t in self.processor)
        return min(t.occurred_at for t in self.ledger)


@dataclass(frozen=True)
class Finding:
    kind: str
    match_key: str
    txn_type: str
    provider_ref: str
    ledger_minor: int | None
    processor_minor: int | None
    ledger_key: str
    processor_refs: str
    note: str


@dataclass
class MatchResult:
    matched: int = 0
    mismatched: int = 0
    ledger_only: int = 0
    processor_only: int = 0
    processor_count: int = 0
    ledger_count: int = 0
    processor_net_minor: int = 0
    ledger_net_minor: int = 0
    findings: list[Finding] = field(default_factory=list)


def _groups(
    processor: Iterable[BalanceTransaction], ledger: Iterable[LedgerTxn]
) -> dict[str, Group]:
    groups: dict[str, Group] = {}

    def group(txn_type: BalanceTransactionType, ref: str, match_key: str) -> Group:
        found = groups.get(match_key)
        if found is None:
            found = groups[match_key] = Group(txn_type, ref, match_key)
        return found

    for bt in processor:
        group(bt.type, bt.source_ref, f"{bt.type.value}:{bt.source_ref}").processor.append(bt)
    for lt in ledger:
        if lt.provider_ref:
            match_key = f"{lt.txn_type.value}:{lt.provider_ref}"
        else:
            match_key = f"{lt.txn_type.value}:ledger:{_key_root(lt.key)}"
        group(lt.txn_type, lt.provider_ref, match_key).ledger.append(lt)
    return groups


def _joined(values: Iterable[str], limit: int = 255) -> str:
    text = ", ".join(dict.fromkeys(v for v in values if v))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _findings(group: Group) -> list[Finding]:
    main = [t for t in group.ledger if not t.is_fee]
    fees = [t for t in group.ledger if t.is_fee]

    def finding(
        kind: str,
        ledger_minor: int | None,
        processor_minor: int | None,
        note: str,
        ledger_txns: list[LedgerTxn],
    ) -> Finding:
        return Finding(
            kind=kind,
            match_key=group.match_key,
            txn_type=group.txn_type.value,
            provider_ref=group.provider_ref,
            ledger_minor=ledger_minor,
            processor_minor=processor_minor,
            ledger_key=_joined(t.key for t in ledger_txns),
            processor_refs=_joined(t.provider_ref for t in group.processor),
            note=note,
        )

    p_amount, p_fee = group.processor_amount, group.processor_fee
    l_amount, l_fee = group.ledger_amount, group.ledger_fee
    if not group.processor:
        if l_amount == 0 and l_fee == 0:
            return []
        note = f"booked in the ledger (amount {l_amount}, fee {l_fee}); the processor has nothing"
        if not group.provider_ref:
            note += "; the ledger transaction carries no provider_ref"
        amount = l_amount if main else -l_fee
        return [finding(MISSING_AT_PROCESSOR, amount, None, note, group.ledger)]
    if not main and p_amount != 0:
        note = f"the processor booked {p_amount} (fee {p_fee}); the ledger has no posting for it"
        return [finding(MISSING_IN_LEDGER, None, p_amount, note, group.ledger)]
    found = []
    if l_amount != p_amount:
        note = f"the ledger booked {l_amount}, the processor {p_amount}"
        found.append(finding(AMOUNT_MISMATCH, l_amount, p_amount, note, main))
    if l_fee != p_fee:
        note = f"the ledger booked a fee of {l_fee}, the processor {p_fee}"
        found.append(finding(FEE_MISMATCH, l_fee, p_fee, note, fees or main))
    return found


def match(
    *,
    processor: Iterable[BalanceTransaction],
    ledger: Iterable[LedgerTxn],
    start: datetime,
    end: datetime,
) -> MatchResult:
    """Match both sides (each read over [start − MARGIN, end + MARGIN)) and report the groups
    that belong to [start, end): counts, net movements and findings (module docstring)."""
    result = MatchResult()
    for group in _groups(processor, ledger).values():
        if not start <= group.home() < end:
            continue
        result.processor_count += len(group.processor)
        result.ledger_count += len(group.ledger)
        result.processor_net_minor += sum(t.net.amount_minor for t in group.processor)
        result.ledger_net_minor += sum(t.amount_minor for t in group.ledger)
        found = _findings(group)
        result.findings += found
        kinds = {f.kind for f in found}
        if MISSING_IN_LEDGER in kinds:
            result.processor_only += 1
        elif MISSING_AT_PROCESSOR in kinds:
            result.ledger_only += 1
        elif kinds:
            result.mismatched += 1
        else:
            result.matched += 1
    result.findings.sort(key=lambda f: (f.match_key, f.kind))
    return result
