"""Reads of fee rules and of what the fee engine needs to know about a basket's lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from oscar.core.loading import get_model

from fees.models import FeeRule

Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")

#: Filters of the rules list: which rules, relative to now.
PERIODS = ("current", "future", "past")


def fee_rules_effective_on(
    *,
    at: datetime,
    merchant_ids: Iterable[int] | None,
    category_ids: Iterable[int] | None,
    currency: str | None = None,
) -> list[FeeRule]:
    """The rules in force at the instant ``at`` (``valid_from <= at < valid_to``), in one query.

    Only general rules and those of ``merchant_ids`` / ``category_ids`` (pass a category's
    ancestors too; ``None`` means any merchant / any category), and, with ``currency``, only the
    rules in that currency.
    """
    rules = FeeRule.objects.filter(
        Q(valid_from__lte=at) & (Q(valid_to__isnull=True) | Q(valid_to__gt=at))
    )
    if merchant_ids is not None:
        rules = rules.filter(Q(merchant__isnull=True) | Q(merchant_id__in=list(merchant_ids)))
    if category_ids is not None:
        rules = rules.filter(Q(category__isnull=True) | Q(category_id__in=list(category_ids)))
    if currency is not None:
        rules = rules.filter(currency=currency)
    return list(rules.order_by("kind", "pk"))


def merchant_ids_by_partner(*, partner_ids: Sequence[int]) -> dict[int, int]:
    """``{partner id: merchant id}`` for the partners that are merchants (one query)."""
    from merchants.models import Merchant

    return dict(
        Merchant.objects.filter(partner_id__in=list(partner_ids)).values_list("partner_id", "pk")
    )


def product_category_chains(*, products: Sequence[Any]) -> dict[int, tuple[int, ...]]:
    """``{product id: (category id, parent id, ..., root id)}`` for the products' first category.

    A product's first category is the one it was filed under first; a variant (child product)
    has its parent's. Products without a category are left out. Two queries.
    """
    owner = {p.pk: (p.parent_id if getattr(p, "parent_id", None) else p.pk) for p in products}
    first: dict[int, tuple[int, str]] = {}
    for product_id, category_id, path in (
        ProductCategory.objects.filter(product_id__in=set(owner.values()))
        .order_by("pk")
        .values_list("product_id", "category_id", "category__path")
    ):
        first.setdefault(product_id, (category_id, path))
    step = Category.steplen
    wanted = {
        path[:end] for _category, path in first.values() for end in range(step, len(path), step)
    }
    ids_by_path = dict(Category.objects.filter(path__in=wanted).values_list("path", "pk"))
    chains = {}
    for product_id, owner_id in owner.items():
        if owner_id not in first:
            continue
        category_id, path = first[owner_id]
        ancestors = [ids_by_path[path[:end]] for end in range(len(path) - step, 0, -step)]
        chains[product_id] = (category_id, *ancestors)
    return chains


def fee_rules_list(
    *, kind: str | None = None, period: str | None = None, at: datetime
) -> QuerySet[FeeRule]:
    """Rules for the finance list: optionally of one ``kind`` and ``period`` relative to ``at``
    (current, future, past); newest first within each kind."""
    rules = FeeRule.objects.select_related("merchant", "category", "created_by", "replaces")
    if kind:
        rules = rules.filter(kind=kind)
    if period == "current":
        rules = rules.filter(Q(valid_from__lte=at), Q(valid_to__isnull=True) | Q(valid_to__gt=at))
    elif period == "future":
        rules = rules.filter(valid_from__gt=at)
    elif period == "past":
        rules = rules.filter(valid_to__lte=at)
    return rules.order_by("kind", "-valid_from", "-pk")


def fee_rule_history(*, rule: FeeRule) -> list[dict[str, Any]]:
    """The rule's audit trail, oldest first: each event (insert, update, delete) with when, who
    (the user in the pghistory context) and what changed (``[(field label, before, after)]``)."""
    from django.contrib.auth import get_user_model

    events = list(rule.events.select_related("pgh_context").order_by("pgh_id"))
    user_ids = {
        event.pgh_context.metadata.get("user")
        for event in events
        if event.pgh_context is not None and event.pgh_context.metadata.get("user")
    }
    users = get_user_model().objects.in_bulk(list(user_ids))
    tracked = [
        f.attname
        for f in FeeRule._meta.concrete_fields
        if f.attname not in {"id", "created_at", "created_by_id"}
    ]
    labels = {f.attname: f.verbose_name for f in FeeRule._meta.concrete_fields}
    history = []
    previous = None
    for event in events:
        changes = []
        for name in tracked:
            after = getattr(event, name)
            before = getattr(previous, name) if previous is not None else None
            if previous is None or before != after:
                changes.append((labels[name], before, after))
        context = event.pgh_context.metadata if event.pgh_context is not None else {}
        history.append(
            {
                "label": event.pgh_label,
                "at": event.pgh_created_at,
                "user": users.get(context.get("user")),
                "reason": context.get("reason", ""),
                "changes": changes,
            }
        )
        previous = event
    return history
