"""Receivers of Oscar's analytics signals: they parse the signal and call one service."""

from __future__ import annotations

from typing import Any

from oscar.apps.analytics import receivers as oscar_receivers

from product_stats.services import product_counters_increment


def product_viewed_count(sender: Any, product: Any, user: Any, **kwargs: Any) -> None:
    """A product page view: +1 ``num_views`` in Redis. For a signed-in visitor also Oscar's
    per-user records (``UserRecord.num_product_views``, a ``UserProductView`` row), as Oscar does:
    their pages are never served from the page cache anyway."""
    if kwargs.get("raw", False):
        return
    product_counters_increment(field="num_views", counts={product.pk: 1})
    if user is not None and user.is_authenticated:
        oscar_receivers._update_counter(
            oscar_receivers.UserRecord, "num_product_views", {"user": user}
        )
        oscar_receivers.UserProductView.objects.create(product=product, user=user)


def basket_addition_count(sender: Any, product: Any, user: Any, **kwargs: Any) -> None:
    """A basket addition: +1 ``num_basket_additions`` in Redis (and Oscar's per-user counter)."""
    if kwargs.get("raw", False):
        return
    product_counters_increment(field="num_basket_additions", counts={product.pk: 1})
    if user is not None and user.is_authenticated:
        oscar_receivers._update_counter(
            oscar_receivers.UserRecord, "num_basket_additions", {"user": user}
        )


def order_placed_count(sender: Any, order: Any, user: Any, **kwargs: Any) -> None:
    """An order: + each line's quantity to ``num_purchases`` in Redis (and Oscar's per-user
    order record for a signed-in buyer)."""
    if kwargs.get("raw", False):
        return
    counts: dict[int, int] = {}
    for product_id, quantity in order.lines.values_list("product_id", "quantity"):
        if product_id is not None:
            counts[product_id] = counts.get(product_id, 0) + quantity
    product_counters_increment(field="num_purchases", counts=counts)
    if user is not None and user.is_authenticated:
        oscar_receivers._record_user_order(user, order)
