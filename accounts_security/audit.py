"""The audit log: who did what to money, customs and fee rules, read from the trails each domain
already keeps (nothing is written twice):

- fee rules: pghistory's ``fees.FeeRuleEvent`` rows and their context (user, action);
- payments and payouts: ``PaymentEvent`` / ``PayoutEvent`` (marketplace.core.LifecycleEvent);
- refunds: ``payments.Refund`` (who asked, how much, why);
- remittances: ``finance.Remittance`` (append-only);
- reconciliation: resolved ``ReconciliationItem`` rows (who, when, note);
- customs: ``customs.DeclarationEvent`` (append-only);
- merchants: ``MerchantApplicationEvent`` and ``MerchantEvent`` (approvals, suspensions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.money import Money, format_money

#: Kinds of entry, in the order the filter lists them.
AUDIT_KINDS: dict[str, Any] = {
    "fee_rule": _("Fee rule"),
    "payment": _("Payment"),
    "refund": _("Refund"),
    "payout": _("Payout"),
    "remittance": _("Remittance"),
    "reconciliation": _("Reconciliation"),
    "customs": _("Customs"),
    "merchant": _("Merchant"),
}
AUDIT_LIMIT = 200


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    kind: str
    actor: Any | None  # a user, or None for the system
    action: str
    subject: str
    detail: str

    @property
    def kind_label(self) -> Any:
        return AUDIT_KINDS[self.kind]


@dataclass(frozen=True)
class AuditFilter:
    kind: str | None = None
    user_ids: tuple[int, ...] | None = None  # None: anyone; () matches nobody
    date_from: date | None = None
    date_to: date | None = None  # inclusive


def _money(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return "-"
    return format_money(Money(amount_minor, currency))


def _change(from_status: str, to_status: str) -> str:
    return f"{from_status or '-'} → {to_status}"


def _window(queryset: QuerySet, field: str, where: AuditFilter) -> QuerySet:
    tz = timezone.get_current_timezone()
    if where.date_from:
        queryset = queryset.filter(
            **{f"{field}__gte": datetime.combine(where.date_from, time.min, tzinfo=tz)}
        )
    if where.date_to:
        end = datetime.combine(where.date_to + timedelta(days=1), time.min, tzinfo=tz)
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset.order_by(f"-{field}")


def _by(queryset: QuerySet, field: str, where: AuditFilter) -> QuerySet:
    if where.user_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": where.user_ids})


def _fee_rules(where: AuditFilter, limit: int) -> Iterable[AuditEntry]:
    event_model = apps.get_model("fees", "FeeRuleEvent")
    user_model = apps.get_model(*_user_label())
    queryset = event_model.objects.select_related("pgh_context")
    if where.user_ids is not None:
        queryset = queryset.filter(pgh_context__metadata__user__in=list(where.user_ids))
    events = list(_window(queryset, "pgh_created_at", where)[:limit])
    user_pks = {
        (e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context_id is not None
    }
    users = user_model.objects.in_bulk([pk for pk in user_pks if pk])
    for event in events:
        metadata = (event.pgh_context.metadata if event.pgh_context_id else None) or {}
        terms = f"{event.kind}: {event.rate_bp} bp + {_money(event.fixed_minor, event.currency)}"
        valid = f"{event.valid_from} – {event.valid_to or '…'}"
        yield AuditEntry(
            at=event.pgh_created_at,
            kind="fee_rule",
            actor=users.get(metadata.get("user")),
            action=str(metadata.get("action") or event.pgh_label),
            subject=f"{_('Fee rule')} #{event.pgh_obj_id}",
            detail=f"{terms}; {valid}",
        )


def _user_label() -> tuple[str, str]:
    from django.conf import settings

    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    return app_label, model_name


def _lifecycle(
    model: str, kind: str, subject: Callable[[Any], str]
) -> Callable[[AuditFilter, int], Iterable[AuditEntry]]:
    def read(where: AuditFilter, limit: int) -> Iterable[AuditEntry]:
        queryset = _by(
            apps.get_model(*model.split(".")).objects.select_related("actor"), "actor", where
        )
        for event in _window(queryset, "created_at", where)[:limit]:
            yield AuditEntry(
                at=event.created_at,
                kind=kind,
                actor=event.actor,
                action=_change(event.from_status, event.to_status),
                subject=subject(event),
                detail=" · ".join(part for part in (event.source, event.reason) if part),
            )

    return read


def _refunds(where: AuditFilter, limit: int) -> Iterable[AuditEntry]:
    queryset = _by(
        apps.get_model("payments", "Refund").objects.select_related("requested_by"),
        "requested_by",
        where,
    )
    for refund in _window(queryset, "created_at", where)[:limit]:
        yield AuditEntry(
            at=refund.created_at,
            kind="refund",
            actor=refund.requested_by,
            action=str(refund.get_status_display()),
            subject=f"{_('Refund')} #{refund.pk} ({_('payment')} #{refund.payment_id})",
            detail=" · ".join(
                part
                for part in (
                    _money(refund.amount_minor, refund.currency),
                    refund.source,
                    refund.reason,
                )
                if part
            ),
        )


def _remittances(where: AuditFilter, limit: int) -> Iterable[AuditEntry]:
    queryset = _by(
        apps.get_model("finance", "Remittance").objects.select_related("remitted_by"),
        "remitted_by",
        where,
    )
    for remittance in _window(queryset, "created_at", where)[:limit]:
        yield AuditEntry(
            at=remittance.created_at,
            kind="remittance",
            actor=remittance.remitted_by,
            action=str(_("remitted")),
            subject=f"{remittance.period_start} – {remittance.period_end} {remittance.currency}",
            detail=f"{_money(remittance.amount_minor, remittance.currency)} · "
            f"{remittance.bank_reference}",
        )


def _reconciliation(where: AuditFilter, limit: int) -> Iterable[AuditEntry]:
    queryset = _by(
        apps.get_model("reconciliation", "ReconciliationItem")
        .objects.filter(resolved_at__isnull=False)
        .select_related("resolved_by"),
        "resolved_by",
        where,
    )
    for item in _window(queryset, "resolved_at", where)[:limit]:
        yield AuditEntry(
            at=item.resolved_at,
            kind="reconciliation",
            actor=item.resolved_by,
            action=str(_("resolved")),
            subject=f"{item.get_kind_display()} {item.match_key}",
            detail=item.resolution_note,
        )


def _customs(where: AuditFilter, limit: int) -> Iterable[AuditEntry]:
    queryset = _by(
        apps.get_model("customs", "DeclarationEvent").objects.select_related(
            "actor", "declaration"
        ),
        "actor",
        where,
    )
    for event in _window(queryset, "created_at", where)[:limit]:
        action = str(event.get_action_display())
        if event.to_status:
            action = f"{action}: {_change(event.from_status, event.to_status)}"
        yield AuditEntry(
            at=event.created_at,
            kind="customs",
            actor=event.actor,
            action=action,
            subject=event.declaration.number,
            detail=" · ".join(part for part in (event.source, event.reason) if part),
        )


def _merchants(where: AuditFilter, limit: int) -> Iterable[AuditEntry]:
    for model, relation in (
        ("MerchantApplicationEvent", "application"),
        ("MerchantEvent", "merchant"),
    ):
        queryset = _by(
            apps.get_model("merchants", model).objects.select_related("actor", relation),
            "actor",
            where,
        )
        for event in _window(queryset, "created_at", where)[:limit]:
            yield AuditEntry(
                at=event.created_at,
                kind="merchant",
                actor=event.actor,
                action=_change(event.from_status, event.to_status),
                subject=str(getattr(event, relation)),
                detail=event.reason,
            )


_SOURCES: dict[str, Callable[[AuditFilter, int], Iterable[AuditEntry]]] = {
    "fee_rule": _fee_rules,
    "payment": _lifecycle(
        "payments.PaymentEvent", "payment", lambda e: f"{_('Payment')} #{e.payment_id}"
    ),
    "refund": _refunds,
    "payout": _lifecycle(
        "settlement.PayoutEvent", "payout", lambda e: f"{_('Payout')} #{e.payout_id}"
    ),
    "remittance": _remittances,
    "reconciliation": _reconciliation,
    "customs": _customs,
    "merchant": _merchants,
}


def audit_entries_list(*, where: AuditFilter, limit: int = AUDIT_LIMIT) -> list[AuditEntry]:
    """The newest ``limit`` entries matching ``where``, newest first, across every trail (or the
    one ``where.kind`` names). Read-only."""
    kinds = [where.kind] if where.kind else list(_SOURCES)
    entries = [entry for kind in kinds for entry in _SOURCES[kind](where, limit)]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
