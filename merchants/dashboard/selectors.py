"""Reads for the dashboard: which products, stock, orders and lines a dashboard user may see.

Platform administrators see everything. Merchant staff see what belongs to their partners only,
and "belongs" is strict, because a page about a product or an order shows all of it:

- a product is theirs when their partners hold stock of it (or of one of its variants) and no
  other partner does; a product shared with another merchant is left to the administrators, since
  editing or deleting it would change the other merchant's goods;
- an order is theirs when every line of it is fulfilled by their partners. Checkout makes one
  order per merchant (``purchases.services.purchase_place``), so this is every order of theirs;
  an order mixing merchants (made outside checkout) would show the other merchant's lines,
  totals and payments (Oscar #2240), so no merchant sees it.

Everything here is read-only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from oscar.core.loading import get_model

from merchants.dashboard.access import user_is_merchant_staff, user_is_platform_admin

Line = get_model("order", "Line")
Order = get_model("order", "Order")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
StockAlert = get_model("partner", "StockAlert")
StockRecord = get_model("partner", "StockRecord")


def _partner_ids(user: Any) -> QuerySet:
    return Partner.objects.filter(users=user).values("pk")


def _products_stocked_q(records: QuerySet) -> Q:
    """Products holding one of `records`, or whose variants do (parents have no stock)."""
    return Q(pk__in=records.values("product_id")) | Q(
        pk__in=records.filter(product__parent__isnull=False).values("product__parent_id")
    )


def dashboard_products_q(*, user: Any) -> Q:
    """A filter for `catalogue.Product` matching the products `user` may see and edit.

    Matches nothing for a user who is neither a platform administrator nor merchant staff.
    """
    if user_is_platform_admin(user):
        return Q()
    if not user_is_merchant_staff(user):
        return Q(pk__in=[])
    mine = _partner_ids(user)
    own = StockRecord.objects.filter(partner_id__in=mine)
    foreign = StockRecord.objects.exclude(partner_id__in=mine)
    return _products_stocked_q(own) & ~_products_stocked_q(foreign)


def dashboard_products(*, user: Any, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Product.objects.all() if queryset is None else queryset
    return queryset.filter(dashboard_products_q(user=user))


def dashboard_stockrecords(*, user: Any, queryset: QuerySet | None = None) -> QuerySet:
    queryset = StockRecord.objects.all() if queryset is None else queryset
    if user_is_platform_admin(user):
        return queryset
    if not user_is_merchant_staff(user):
        return queryset.none()
    return queryset.filter(partner_id__in=_partner_ids(user))


def dashboard_stock_alerts(*, user: Any, queryset: QuerySet | None = None) -> QuerySet:
    queryset = StockAlert.objects.all() if queryset is None else queryset
    return queryset.filter(stockrecord__in=dashboard_stockrecords(user=user).values("pk"))


def dashboard_orders(*, user: Any, queryset: QuerySet | None = None) -> QuerySet:
    """The orders `user` may see: all for administrators, single-merchant own ones for staff."""
    queryset = Order.objects.all() if queryset is None else queryset
    if user_is_platform_admin(user):
        return queryset
    if not user_is_merchant_staff(user):
        return queryset.none()
    mine = _partner_ids(user)
    # A line whose partner was deleted (partner NULL) counts as someone else's.
    foreign_lines = Line.objects.exclude(partner_id__in=mine)
    return queryset.filter(
        pk__in=Line.objects.filter(partner_id__in=mine).values("order_id")
    ).exclude(pk__in=foreign_lines.values("order_id"))


def dashboard_order_lines(*, user: Any, order: Any) -> QuerySet:
    """The lines of `order` that `user` may see (belt and braces: all of them, when the order
    itself is visible to them)."""
    lines = order.lines.all()
    if user_is_platform_admin(user):
        return lines
    if not user_is_merchant_staff(user):
        return lines.none()
    return lines.filter(partner_id__in=_partner_ids(user))
