"""Oscar's pricing and availability strategy, plus one rule: only trading merchants sell.

Oscar asks the strategy whether a stock record can be bought on every product card, product page,
"add to basket", basket page and checkout step (``request.strategy``, set by the basket
middleware, one instance per request). ``Default`` here is Oscar's ``Default`` (first stock
record, stock required, no tax) with a ``MerchantTrading`` availability policy in front: a stock
record whose partner belongs to a merchant that is not approved is ``MerchantNotTrading``, a
subclass of Oscar's ``Unavailable``, so Oscar's basket shows the line as "no longer available"
and its checkout refuses the basket. Partners without a ``merchants.Merchant`` row (e.g. in
Oscar's own tests) are left to Oscar's rules.

The final word at checkout is ``purchases.services.purchase_place``, which re-checks the
merchant under row locks; this policy is what keeps such goods out of baskets in the first place.

Every other name of ``oscar.apps.partner.strategy`` (``PurchaseInfo``, ``Structured``, the
mixins, ...) still resolves through ``get_class`` to Oscar's module.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from oscar.apps.partner import strategy
from oscar.core.loading import get_class

Unavailable = get_class("partner.availability", "Unavailable")
PurchaseInfo = strategy.PurchaseInfo


class MerchantNotTrading(Unavailable):
    """The merchant of this stock record is suspended or not approved."""

    code = "unavailable"
    message = _("Unavailable: this merchant is not trading at the moment")

    def is_purchase_permitted(self, quantity: int) -> tuple[bool, str]:
        return False, _("its merchant is not trading")


class MerchantTrading:
    """Availability policy mixin: refuse stock records of merchants that are not trading.

    The merchant's status is read without a query per product: from ``stockrecord.partner
    .merchant`` when a queryset loaded it (``select_related("partner__merchant")``), otherwise from
    the set of partners whose merchant is not trading (``merchants.selectors
    .partner_ids_not_trading``: cached in Redis and cleared on every merchant write), read once per
    strategy instance, on the first stock record that needs it. A strategy lives for one request,
    so a status changed during a request takes effect on the next one.
    """

    _not_trading_partner_ids: frozenset[int] | None = None

    def merchant_is_trading(self, stockrecord: Any) -> bool:
        from merchants.models import Merchant, MerchantStatus

        partner = stockrecord._state.fields_cache.get("partner")
        relation = Merchant._meta.get_field("partner").remote_field
        if partner is not None and relation.is_cached(partner):
            merchant = relation.get_cached_value(partner)
            return merchant is None or merchant.status == MerchantStatus.APPROVED
        if self._not_trading_partner_ids is None:
            from merchants.selectors import partner_ids_not_trading

            self._not_trading_partner_ids = partner_ids_not_trading()
        return stockrecord.partner_id not in self._not_trading_partner_ids

    def availability_policy(self, product: Any, stockrecord: Any) -> Any:
        if stockrecord is not None and not self.merchant_is_trading(stockrecord):
            return MerchantNotTrading()
        return super().availability_policy(product, stockrecord)  # type: ignore[misc]


class BasketLineStockRecord:
    """Strategy mixin: a basket line is priced and checked against the stock record it was added
    with (Oscar's basket loads it with the line), not a fresh pick of the product's first one.

    Why: Oscar's ``fetch_for_line`` calls ``fetch_for_product``, which queries the product's
    stock records again for every line, several times per request (the basket middleware, the
    quote, each checkout step), and the availability policy then loads each line's product class
    and merchant one query at a time. Here the line's own stock record is used (the merchant whose
    goods the buyer chose: Oscar's ``add_product`` stored the record its strategy picked), and the
    product classes and partners (with their merchants) of every line of the basket are loaded
    the first time a line is asked about: two queries per request, whatever the basket holds.
    A line whose stock record is gone, or a parent product's line, goes Oscar's way.
    """

    def fetch_for_line(self, line: Any, stockrecord: Any = None) -> Any:
        record = stockrecord
        if record is None and line.stockrecord_id is not None:
            record = line.stockrecord
        product = line.product
        if record is None or record.product_id != product.pk or product.is_parent:
            return super().fetch_for_line(line, stockrecord)  # type: ignore[misc]
        self._basket_relations_load(line)
        return PurchaseInfo(
            price=self.pricing_policy(product, record),  # type: ignore[attr-defined]
            availability=self.availability_policy(product, record),  # type: ignore[attr-defined]
            stockrecord=record,
        )

    def _basket_relations_load(self, line: Any) -> None:
        """Put the product class and the partner (with its merchant) of every loaded line of
        ``line``'s basket on the line's objects, in two queries, once per basket and request."""
        basket = line._state.fields_cache.get("basket")
        if basket is None or getattr(basket, "_lines", None) is None:
            lines = [line]
        else:
            cached = basket._lines._result_cache
            lines = cached if cached is not None and line in cached else [line]
        lines = [
            item
            for item in lines
            if not getattr(item, "_strategy_relations_loaded", False)
            and item.stockrecord_id is not None
        ]
        if not lines:
            return
        from oscar.core.loading import get_model

        product_classes = get_model("catalogue", "ProductClass").objects.in_bulk(
            {item.product.product_class_id for item in lines} - {None}
        )
        partners = (
            get_model("partner", "Partner")
            .objects.select_related("merchant")
            .in_bulk({item.stockrecord.partner_id for item in lines})
        )
        for item in lines:
            product = item.product
            if product.product_class_id in product_classes:
                product.product_class = product_classes[product.product_class_id]
            if item.stockrecord.partner_id in partners:
                item.stockrecord.partner = partners[item.stockrecord.partner_id]
            item._strategy_relations_loaded = True


class Default(BasketLineStockRecord, MerchantTrading, strategy.Default):
    """Oscar's default strategy, selling only from trading merchants, pricing basket lines by
    their own stock records."""


class Selector(strategy.Selector):
    """Every request, user and offline process gets ``Default``."""

    def strategy(self, request: Any = None, user: Any = None, **kwargs: Any) -> Default:
        return Default(request)
