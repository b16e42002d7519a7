"""Reads: the ledger's side of a reconciliation, and runs and mismatches for the finance pages."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from ledger.models import Account, AccountKind, Entry, Party, Transaction
from ledger.services import account_code
from reconciliation.matching import LedgerTxn, ledger_txn_classify
from reconciliation.models import ReconciliationItem, ReconciliationRun

_PAYMENT_KEY = re.compile(r"^payment:(\d+):")
_REFUND_KEY = re.compile(r"^refund:(\d+):?")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day ``day`` (``TIME_ZONE``, Asia/Tehran) as aware [start, end)."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)
    return start, end


def processor_account_currencies(*, gateway: str) -> set[str]:
    """Currencies in which the ledger has a balance account at ``gateway``."""
    # "processor:<gateway>:balance:" — every currency's code starts so.
    prefix = account_code(
        party=Party.PROCESSOR, kind=AccountKind.BALANCE, currency="", owner=gateway
    )
    return set(
        Account.objects.filter(
            party=Party.PROCESSOR, kind=AccountKind.BALANCE, code__startswith=prefix
        ).values_list("currency", flat=True)
    )


def _fallback_refs(keys: list[str]) -> dict[str, str]:
    """The provider reference of the payment or refund a key names, for transactions posted
    without ``metadata["provider_ref"]``."""
    from payments.models import Payment, Refund

    payments = {key: int(m.group(1)) for key in keys if (m := _PAYMENT_KEY.match(key))}
    refunds = {key: int(m.group(1)) for key in keys if (m := _REFUND_KEY.match(key))}
    payment_refs = dict(
        Payment.objects.filter(pk__in=set(payments.values())).values_list("pk", "provider_ref")
    )
    refund_refs = dict(
        Refund.objects.filter(pk__in=set(refunds.values())).values_list("pk", "provider_ref")
    )
    found = {key: payment_refs.get(pk, "") for key, pk in payments.items()}
    found.update({key: refund_refs.get(pk, "") for key, pk in refunds.items()})
    return found


def processor_ledger_transactions(
    *, account: Account, start: datetime, end: datetime
) -> list[LedgerTxn]:
    """Ledger transactions that moved ``account`` (a processor balance) and occurred in
    [start, end), each with its net entry on the account, classified for matching. Two queries
    (three with reversals, one more for transactions without ``provider_ref``)."""
    rows = list(
        Entry.objects.filter(
            account=account,
            transaction__occurred_at__gte=start,
            transaction__occurred_at__lt=end,
        )
        .values(
            "transaction_id",
            key=F("transaction__idempotency_key"),
            kind=F("transaction__kind"),
            metadata=F("transaction__metadata"),
            occurred_at=F("transaction__occurred_at"),
            reverses_id=F("transaction__reverses_id"),
        )
        .annotate(total=Sum("amount_minor"))
        .order_by("transaction_id")
    )
    originals: dict[int, dict[str, Any]] = {}
    reversed_ids = {row["reverses_id"] for row in rows if row["reverses_id"]}
    if reversed_ids:
        originals = {
            row["pk"]: row
            for row in Transaction.objects.filter(pk__in=reversed_ids).values(
                "pk", "kind", "metadata", key=F("idempotency_key")
            )
        }

    def source(row: dict[str, Any]) -> dict[str, Any]:
        return originals.get(row["reverses_id"], row) if row["reverses_id"] else row

    bare = [
        source(row)["key"]
        for row in rows
        if not (source(row)["metadata"] or {}).get("provider_ref")
    ]
    fallback = _fallback_refs(bare) if bare else {}
    return [
        ledger_txn_classify(
            key=row["key"],
            kind=row["kind"],
            metadata=row["metadata"] or {},
            occurred_at=row["occurred_at"],
            amount_minor=int(row["total"]),
            original=originals.get(row["reverses_id"]) if row["reverses_id"] else None,
            fallback_ref=fallback.get(source(row)["key"], ""),
        )
        for row in rows
        if row["total"]
    ]


# --- finance pages ------------------------------------------------------------------------------


def reconciliation_runs() -> QuerySet[ReconciliationRun]:
    """Runs, newest day first, with ``open_count``: their unresolved mismatches."""
    return ReconciliationRun.objects.annotate(
        open_count=Count("items", filter=Q(items__resolved_at__isnull=True))
    ).order_by("-day", "gateway", "currency")


def reconciliation_run_get(*, run_id: int) -> ReconciliationRun:
    """One run with ``open_count``; raises ``ReconciliationRun.DoesNotExist``."""
    return reconciliation_runs().get(pk=run_id)


def reconciliation_items(*, run: ReconciliationRun) -> QuerySet[ReconciliationItem]:
    """A run's mismatches: open ones first, then the resolved, newest resolution first."""
    return run.items.select_related("resolved_by").order_by(
        F("resolved_at").desc(nulls_first=True), "kind", "match_key"
    )
