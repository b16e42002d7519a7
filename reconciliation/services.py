"""Writes: a day's reconciliation of a gateway, and finance staff resolving its mismatches.

``reconciliation_run`` fetches the processor's balance transactions (``Gateway.
balance_transactions_list``) of a local day, reads the ledger's processor account over the same
period and matches the two (``reconciliation.matching``, which documents the metadata contract
the postings follow). It never holds a lock while it calls the processor.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.models import AccountKind, Party
from ledger.services import account_get
from payments.gateways import KNOWN, gateway_by_name
from payments.interface import BalanceTransaction, GatewayError
from reconciliation.matching import MARGIN, MatchResult, match
from reconciliation.models import ReconciliationItem, ReconciliationRun, RunStatus
from reconciliation.selectors import (
    day_bounds,
    processor_account_currencies,
    processor_ledger_transactions,
)

logger = logging.getLogger(__name__)

#: The resolution note's limit (the form says so too).
NOTE_MAX_LENGTH = 2000


def reconciliation_gateways() -> list[str]:
    """The gateways the daily job reconciles: ``RECONCILIATION_GATEWAYS`` when set, otherwise
    the sandbox, and Stripe when ``STRIPE_SECRET_KEY`` is set. Raises ``ImproperlyConfigured``
    for an unknown name."""
    configured = [
        name.strip().lower() for name in getattr(settings, "RECONCILIATION_GATEWAYS", []) or []
    ]
    configured = [name for name in configured if name]
    unknown = sorted(set(configured) - set(KNOWN))
    if unknown:
        raise ImproperlyConfigured(
            f"RECONCILIATION_GATEWAYS names unknown gateways {', '.join(unknown)}; "
            f"known: {', '.join(KNOWN)}"
        )
    if configured:
        return list(dict.fromkeys(configured))
    return ["sandbox"] + (["stripe"] if getattr(settings, "STRIPE_SECRET_KEY", "") else [])


def _currencies(gateway_name: str, fetched: list[BalanceTransaction]) -> list[str]:
    found = {settings.OSCAR_DEFAULT_CURRENCY} | processor_account_currencies(gateway=gateway_name)
    found |= {bt.amount.currency for bt in fetched}
    return sorted(found)


def _run_locked(*, gateway_name: str, currency: str, day: date) -> ReconciliationRun:
    """The day's run row, created on first use, locked for this transaction."""
    lookup = {"gateway": gateway_name, "currency": currency, "day": day}
    run = ReconciliationRun.objects.select_for_update().filter(**lookup).first()
    if run is not None:
        return run
    start, end = day_bounds(day)
    try:
        with transaction.atomic():
            return ReconciliationRun.objects.create(
                **lookup,
                period_start=start,
                period_end=end,
                status=RunStatus.FAILED,
                started_at=timezone.now(),
            )
    except IntegrityError:
        return ReconciliationRun.objects.select_for_update().get(**lookup)


def _record(
    *,
    gateway_name: str,
    currency: str,
    day: date,
    started: datetime,
    result: MatchResult,
) -> ReconciliationRun:
    """Write one currency's result: counts replaced; findings upserted by (kind, match key),
    keeping any resolution; open mismatches no longer found deleted."""
    with transaction.atomic():
        run = _run_locked(gateway_name=gateway_name, currency=currency, day=day)
        run.status = RunStatus.SUCCEEDED
        run.error = ""
        run.started_at = started
        run.finished_at = timezone.now()
        run.processor_count = result.processor_count
        run.ledger_count = result.ledger_count
        run.matched_count = result.matched
        run.mismatched_count = result.mismatched
        run.ledger_only_count = result.ledger_only
        run.processor_only_count = result.processor_only
        run.processor_net_minor = result.processor_net_minor
        run.ledger_net_minor = result.ledger_net_minor
        run.save()
        existing = {(item.kind, item.match_key): item for item in run.items.select_for_update()}
        fields = (
            "txn_type",
            "provider_ref",
            "ledger_minor",
            "processor_minor",
            "ledger_key",
            "processor_refs",
            "note",
        )
        for finding in result.findings:
            values = {name: getattr(finding, name) for name in fields}
            item = existing.pop((finding.kind, finding.match_key), None)
            if item is None:
                ReconciliationItem.objects.create(
                    run=run, kind=finding.kind, match_key=finding.match_key, **values
                )
            elif any(getattr(item, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(item, name, value)
                item.save(update_fields=[*fields, "updated_at"])
        gone = [item.pk for item in existing.values() if item.resolved_at is None]
        ReconciliationItem.objects.filter(pk__in=gone).delete()
    return run


def _record_failure(
    *, gateway_name: str, currencies: list[str], day: date, started: datetime, error: str
) -> None:
    """Mark the day's runs failed with ``error``; their last counts and mismatches stay."""
    with transaction.atomic():
        for currency in currencies:
            run = _run_locked(gateway_name=gateway_name, currency=currency, day=day)
            run.status = RunStatus.FAILED
            run.error = error[:2000]
            run.started_at = started
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "error", "started_at", "finished_at"])


def reconciliation_run(
    *, gateway_name: str, day: date, currency: str | None = None
) -> list[ReconciliationRun]:
    """Reconcile ``gateway_name``'s balance transactions of the local day ``day`` with the
    ledger's processor account, per currency (``currency``, or every one either side used plus
    the marketplace's), and record one ``ReconciliationRun`` per currency with its mismatches.

    Idempotent per gateway, currency and day: a rerun replaces the counts, updates the
    mismatches still found (a resolved one stays resolved) and drops open ones no longer found.
    Calls the processor once, outside any transaction. Raises ``ImproperlyConfigured`` for an
    unknown or unconfigured gateway, and ``GatewayError`` when the processor cannot be read,
    after marking the day's runs failed with the reason.
    """
    started = timezone.now()
    gateway = gateway_by_name(gateway_name)
    start, end = day_bounds(day)
    try:
        fetched = gateway.balance_transactions_list(
            created_gte=start - MARGIN, created_lt=end + MARGIN
        )
    except GatewayError as exc:
        currencies = [currency] if currency else _currencies(gateway_name, [])
        logger.warning("reconciliation of %s on %s failed: %s", gateway_name, day, exc)
        _record_failure(
            gateway_name=gateway_name,
            currencies=currencies,
            day=day,
            started=started,
            error=str(exc),
        )
        raise
    runs = []
    for code in [currency] if currency else _currencies(gateway_name, fetched):
        account = account_get(
            party=Party.PROCESSOR, kind=AccountKind.BALANCE, currency=code, owner=gateway_name
        )
        ledger = processor_ledger_transactions(
            account=account, start=start - MARGIN, end=end + MARGIN
        )
        result = match(
            processor=[bt for bt in fetched if bt.amount.currency == code],
            ledger=ledger,
            start=start,
            end=end,
        )
        runs.append(
            _record(
                gateway_name=gateway_name, currency=code, day=day, started=started, result=result
            )
        )
    return runs


def reconciliation_item_resolve(*, item_id: int, actor: Any, note: str) -> ReconciliationItem:
    """Mark a mismatch resolved by ``actor`` with ``note`` (how it was settled).

    Raises ``ValidationError`` keyed ``note`` for a blank or too long note, and a plain one when
    the mismatch is already resolved (nothing is written then);
    ``ReconciliationItem.DoesNotExist`` for an unknown id. Permission is the caller's to check
    (``reconciliation.change_reconciliationitem``).
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": _("Resolution note: say how the mismatch was settled.")}, code="required"
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("Resolution note: at most %(limit)d characters.")
                % {"limit": NOTE_MAX_LENGTH}
            },
            code="max_length",
        )
    with transaction.atomic():
        item = ReconciliationItem.objects.select_for_update().get(pk=item_id)
        if item.resolved_at is not None:
            raise ValidationError(_("This mismatch is already resolved."), code="resolved")
        item.resolved_at = timezone.now()
        item.resolved_by = actor if getattr(actor, "pk", None) else None
        item.resolution_note = note
        item.save(update_fields=["resolved_at", "resolved_by", "resolution_note", "updated_at"])
    return item
