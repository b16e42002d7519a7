"""Writing fee rules (with their audit trail) and the fee snapshot of placed orders.

Rules are effective-dated and never rewritten behind a past order: a rule that took effect keeps
its money fields forever. Changing it ends it and creates its successor (``fee_rule_change``);
rules that have not started yet may be edited or deleted. Every write runs inside a pghistory
context carrying the acting user, so ``fees.selectors.fee_rule_history`` can say who did what.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from fees.engine import MerchantOrderFees
from fees.models import FeeKind, FeePayer, FeeRule, OrderLineFees
from marketplace.core.money import CURRENCY_EXPONENTS

Category = get_model("catalogue", "Category")

_OVERLAP_CONSTRAINT = "fees_feerule_no_overlap"
_MAX_RATE_BP = 10_000


@dataclass(frozen=True)
class FeeRuleTerms:
    """What a rule charges and when; the scope (kind, merchant, category, currency) is separate
    because a change never moves a rule to another scope."""

    rate_bp: int = 0
    fixed_minor: int | None = None
    min_minor: int | None = None
    max_minor: int | None = None
    payer: str = FeePayer.MERCHANT
    exempt: bool = False
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    note: str = ""


#: Terms whose change on a rule in force needs a successor (they decide what was charged).
_MONEY_TERMS = ("rate_bp", "fixed_minor", "min_minor", "max_minor", "payer", "exempt")


def _terms_of(rule: FeeRule) -> FeeRuleTerms:
    return FeeRuleTerms(**{f.name: getattr(rule, f.name) for f in fields(FeeRuleTerms)})


def _normalise(kind: str, terms: FeeRuleTerms) -> FeeRuleTerms:
    # Commission is always the merchant's cost and VAT always the buyer's; only the municipal fee
    # has a choice.
    if kind == FeeKind.COMMISSION:
        return replace(terms, payer=FeePayer.MERCHANT)
    if kind == FeeKind.VAT:
        return replace(terms, payer=FeePayer.BUYER)
    return terms


def _validate(
    *,
    kind: str,
    merchant_id: int | None,
    category_id: int | None,
    currency: str,
    terms: FeeRuleTerms,
    now: datetime,
    exclude_ids: Sequence[int] = (),
    start_in_past_ok: bool = False,
) -> None:
    """Raise ValidationError naming every field in error; nothing is written."""
    from merchants.models import Merchant

    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if kind not in FeeKind.values:
        error("kind", _("Choose commission, city fee or VAT."))
    if currency not in CURRENCY_EXPONENTS:
        error("currency", _("Unknown currency."))
    if merchant_id is not None and not Merchant.objects.filter(pk=merchant_id).exists():
        error("merchant", _("There is no such merchant."))
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        error("category", _("There is no such category."))
    if not 0 <= terms.rate_bp <= _MAX_RATE_BP:
        error("rate_bp", _("A rate must be between 0% and 100%."))
    for name in ("fixed_minor", "min_minor", "max_minor"):
        value = getattr(terms, name)
        if value is not None and value < 0:
            error(name, _("An amount cannot be negative."))
    if terms.fixed_minor is not None and terms.rate_bp:
        error("fixed_minor", _("Give either a rate or a fixed amount per unit, not both."))
    if kind == FeeKind.VAT:
        for name in ("fixed_minor", "min_minor", "max_minor"):
            if getattr(terms, name) is not None:
                error(name, _("VAT is a rate only: no fixed amount, minimum or maximum."))
    if (
        terms.min_minor is not None
        and terms.max_minor is not None
        and terms.min_minor > terms.max_minor
    ):
        error("min_minor", _("The minimum is more than the maximum."))
    if terms.exempt and (terms.rate_bp or terms.fixed_minor or terms.min_minor):
        error("exempt", _("An exempt rule charges nothing: leave the rate and amounts empty."))
    if terms.payer not in FeePayer.values:
        error("payer", _("Choose who pays the fee."))
    if terms.valid_from is None:
        error("valid_from", _("Say when the rule starts."))
    else:
        if not start_in_past_ok and terms.valid_from < now:
            error(
                "valid_from",
                _(
                    "A rule cannot start in the past: past orders keep the rules they were "
                    "charged with."
                ),
            )
        if terms.valid_to is not None and terms.valid_to <= terms.valid_from:
            error("valid_to", _("The end must be after the start."))
    if terms.valid_to is not None and terms.valid_to < now:
        error("valid_to", _("A rule cannot end in the past."))
    if not errors and terms.valid_from is not None:
        clash = _overlapping(
            kind=kind,
            merchant_id=merchant_id,
            category_id=category_id,
            currency=currency,
            valid_from=terms.valid_from,
            valid_to=terms.valid_to,
            exclude_ids=exclude_ids,
        )
        if clash is not None:
            error("valid_from", _overlap_message(clash))
    if errors:
        raise ValidationError(errors)


def _overlapping(
    *,
    kind: str,
    merchant_id: int | None,
    category_id: int | None,
    currency: str,
    valid_from: datetime,
    valid_to: datetime | None,
    exclude_ids: Sequence[int],
) -> FeeRule | None:
    rules = FeeRule.objects.filter(
        kind=kind,
        merchant_id=merchant_id,
        category_id=category_id,
        currency=currency,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from))
    if valid_to is not None:
        rules = rules.filter(valid_from__lt=valid_to)
    return rules.exclude(pk__in=list(exclude_ids)).order_by("valid_from").first()


def _overlap_message(rule: FeeRule) -> str:
    start = timezone.localtime(rule.valid_from).strftime("%Y-%m-%d %H:%M")
    if rule.valid_to is None:
        return _(
            "Rule #%(id)s of the same kind and scope is in force from %(start)s with no end; "
            "end it first or change it instead."
        ) % {"id": rule.pk, "start": start}
    end = timezone.localtime(rule.valid_to).strftime("%Y-%m-%d %H:%M")
    return _(
        "Rule #%(id)s of the same kind and scope is in force from %(start)s to %(end)s; "
        "pick a period that does not overlap it."
    ) % {"id": rule.pk, "start": start, "end": end}


def _save(rule: FeeRule) -> FeeRule:
    """Save; a concurrent overlapping rule (the exclusion constraint) becomes a field error."""
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        if _OVERLAP_CONSTRAINT in str(exc):
            raise ValidationError(
                {
                    "valid_from": [
                        _("Another rule of this kind and scope was just saved for this period.")
                    ]
                }
            ) from exc
        raise
    return rule


def _actor_pk(actor: Any) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def fee_rule_create(
    *,
    actor: Any,
    kind: str,
    terms: FeeRuleTerms,
    merchant_id: int | None = None,
    category_id: int | None = None,
    currency: str | None = None,
) -> FeeRule:
    """Create a rule from ``terms`` (``valid_from`` None = now), recording ``actor`` in its history.

    Raises ValidationError naming each bad field (rate over 100%, min above max, an end before
    the start, a fixed amount together with a rate, amounts on VAT, an unknown merchant or
    category, a start in the past, or an overlapping rule of the same kind and scope, which
    names ``valid_from``); nothing is written then. Not idempotent: a second identical call is
    refused as overlapping.
    """
    now = timezone.now()
    currency = currency or settings.OSCAR_DEFAULT_CURRENCY
    terms = _normalise(kind, replace(terms, valid_from=terms.valid_from or now))
    with transaction.atomic(), pghistory.context(user=_actor_pk(actor), action="create"):
        _validate(
            kind=kind,
            merchant_id=merchant_id,
            category_id=category_id,
            currency=currency,
            terms=terms,
            now=now,
        )
        rule = FeeRule(
            kind=kind,
            merchant_id=merchant_id,
            category_id=category_id,
            currency=currency,
            created_by_id=_actor_pk(actor),
            **{f.name: getattr(terms, f.name) for f in fields(FeeRuleTerms)},
        )
        return _save(rule)


def _locked(rule_id: int) -> FeeRule:
    return FeeRule.objects.select_for_update().get(pk=rule_id)


def fee_rule_end(*, rule_id: int, actor: Any, at: datetime | None = None) -> FeeRule:
    """End a rule in force at ``at`` (default now; never in the past), recording ``actor``.

    Raises FeeRule.DoesNotExist, or ValidationError on ``valid_to`` for a rule that has not
    started (delete it instead), has already ended by then, or an ``at`` in the past.
    """
    now = timezone.now()
    at = at or now
    with transaction.atomic(), pghistory.context(user=_actor_pk(actor), action="end"):
        rule = _locked(rule_id)
        if at < now:
            raise ValidationError({"valid_to": [_("A rule cannot end in the past.")]})
        if rule.valid_from >= at:
            raise ValidationError(
                {"valid_to": [_("This rule has not started yet: delete it or change it instead.")]}
            )
        if rule.valid_to is not None and rule.valid_to <= at:
            raise ValidationError({"valid_to": [_("This rule has already ended.")]})
        rule.valid_to = at
        return _save(rule)


def fee_rule_change(
    *, rule_id: int, actor: Any, terms: FeeRuleTerms, effective_from: datetime | None = None
) -> FeeRule:
    """Change what a rule charges; returns the rule now carrying ``terms``.

    A rule that has not started yet is edited in place (its ``valid_from`` too). A rule that
    took effect keeps its money fields: if any of them changes it is ended at ``effective_from``
    (default now; never in the past) and a successor with ``terms`` starts then (``replaces``
    pointing back), so past orders and history stay explainable; a change of only the note or the
    end date is made in place. Same validation errors as ``fee_rule_create``; nothing is written
    on error. Raises FeeRule.DoesNotExist, or ValidationError on ``valid_to`` for a rule already
    ended.
    """
    now = timezone.now()
    with transaction.atomic(), pghistory.context(user=_actor_pk(actor), action="change"):
        rule = _locked(rule_id)
        scope = {
            "kind": rule.kind,
            "merchant_id": rule.merchant_id,
            "category_id": rule.category_id,
            "currency": rule.currency,
        }
        state = rule.state_on(now)
        if state == "past":
            raise ValidationError(
                {"valid_to": [_("This rule has ended; create a new rule instead.")]}
            )
        if state == "future":
            terms = _normalise(rule.kind, replace(terms, valid_from=terms.valid_from or now))
            _validate(**scope, terms=terms, now=now, exclude_ids=[rule.pk])
            for f in fields(FeeRuleTerms):
                setattr(rule, f.name, getattr(terms, f.name))
            return _save(rule)

        current = _terms_of(rule)
        terms = _normalise(rule.kind, replace(terms, valid_from=rule.valid_from))
        if all(getattr(terms, name) == getattr(current, name) for name in _MONEY_TERMS):
            _validate(**scope, terms=terms, now=now, exclude_ids=[rule.pk], start_in_past_ok=True)
            rule.note, rule.valid_to = terms.note, terms.valid_to
            return _save(rule)

        start = effective_from or now
        successor_terms = replace(terms, valid_from=start)
        errors: dict[str, list[str]] = {}
        if start < now:
            errors["valid_from"] = [_("A change cannot take effect in the past.")]
        elif rule.valid_to is not None and start >= rule.valid_to:
            errors["valid_from"] = [_("This rule ends before then; create a new rule instead.")]
        if errors:
            raise ValidationError(errors)
        _validate(**scope, terms=successor_terms, now=now, exclude_ids=[rule.pk])
        rule.valid_to = start
        _save(rule)
        successor = FeeRule(
            **scope,
            replaces=rule,
            created_by_id=_actor_pk(actor),
            **{f.name: getattr(successor_terms, f.name) for f in fields(FeeRuleTerms)},
        )
        return _save(successor)


def fee_rule_delete(*, rule_id: int, actor: Any) -> None:
    """Delete a rule that has not started yet (its deletion stays in the history).

    Raises FeeRule.DoesNotExist, or ValidationError on ``valid_from`` for a rule that took
    effect (end it instead: orders may have been charged with it).
    """
    now = timezone.now()
    with transaction.atomic(), pghistory.context(user=_actor_pk(actor), action="delete"):
        rule = _locked(rule_id)
        if rule.valid_from <= now:
            raise ValidationError(
                {
                    "valid_from": [
                        _("This rule has taken effect and cannot be deleted; end it instead.")
                    ]
                }
            )
        rule.delete()


def order_line_fees_record(
    *, merchant_order: Any, order_lines: Sequence[Any], fees: MerchantOrderFees
) -> list[OrderLineFees]:
    """Write the frozen fee snapshot of a placed merchant order: one row per order line, in the
    order of ``fees.lines``. Called by ``purchases.services.purchase_place`` inside its
    transaction; the database checks that each row's parts sum to its gross."""
    if len(order_lines) != len(fees.lines):
        raise ValueError("one fee line per order line")
    return OrderLineFees.objects.bulk_create(
        [
            OrderLineFees(
                merchant_order=merchant_order,
                line=order_line,
                category_id=line.category_id,
                currency=fees.currency,
                quantity=line.quantity,
                base_minor=line.base_minor,
                city_fee_minor=line.city_fee_minor,
                municipal_fee_minor=line.municipal_fee_minor,
                municipal_fee_payer=line.municipal_fee_payer,
                commission_minor=line.commission_minor,
                vat_minor=line.vat_minor,
                duty_minor=line.duty_minor,
                gross_minor=line.gross_minor,
                merchant_net_minor=line.merchant_net_minor,
                rules={**line.rules, "domestic": fees.domestic},
            )
            for order_line, line in zip(order_lines, fees.lines, strict=True)
        ]
    )
