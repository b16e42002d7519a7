"""Placing a purchase: one Oscar order per merchant, stock allocated under row locks."""

from __future__ import annotations

import copy
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from oscar.apps.order.signals import order_placed
from oscar.core import prices
from oscar.core.loading import get_class, get_model

from fees.services import order_line_fees_record
from i18n.languages import buyer_language
from marketplace.core.money import from_minor
from marketplace.core.tasks import enqueue_on_commit
from purchases.exceptions import (
    AlreadyPlaced,
    DestinationNotServed,
    MerchantUnavailable,
    MissingCustomsData,
    OutOfStock,
    ProhibitedAbroad,
    PurchaseError,
)
from purchases.models import MerchantOrder, Purchase
from purchases.quotes import LandedQuote, PurchaseQuote, purchase_quote_landed

logger = logging.getLogger(__name__)

OrderCreator = get_class("order.utils", "OrderCreator")
OrderDiscount = get_model("order", "OrderDiscount")
StockRecord = get_model("partner", "StockRecord")

TRADING = "approved"


def _money(amount_minor: int, currency: str, tax_minor: int = 0) -> prices.Price:
    amount = from_minor(amount_minor, currency)
    excl_tax = from_minor(amount_minor - tax_minor, currency)
    return prices.Price(currency=currency, excl_tax=excl_tax, incl_tax=amount)


def _lock_and_allocate_stock(quote: PurchaseQuote) -> None:
    """Lock every stock record of the basket (in primary-key order, so concurrent checkouts cannot
    deadlock), refuse lines whose merchant is not trading or whose stock is short, then allocate.

    Raises OutOfStock or MerchantUnavailable; the caller's transaction then writes nothing.
    """
    wanted: dict[int, int] = {}
    titles: dict[int, str] = {}
    tracked: set[int] = set()
    for merchant in quote.merchants:
        for line in merchant.lines:
            basket_line = line.basket_line
            pk = basket_line.stockrecord_id
            wanted[pk] = wanted.get(pk, 0) + basket_line.quantity
            titles[pk] = basket_line.product.get_title()
            if basket_line.product.get_product_class().track_stock:
                tracked.add(pk)
    records = (
        StockRecord.objects.select_for_update(of=("self",))
        .select_related("partner__merchant")
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    for record in records:
        merchant = getattr(record.partner, "merchant", None)
        if merchant is not None and merchant.status != TRADING:
            raise MerchantUnavailable(titles[record.pk])
        if record.pk not in tracked:
            continue
        available = (record.num_in_stock or 0) - (record.num_allocated or 0)
        if wanted[record.pk] > available:
            raise OutOfStock(titles[record.pk], max(available, 0))
    for pk in sorted(tracked):
        StockRecord.objects.filter(pk=pk).update(
            num_allocated=Coalesce(F("num_allocated"), 0) + wanted[pk]
        )


def _require_customs_data(quote: PurchaseQuote, country_code: str | None) -> None:
    """Goods leaving the country need an HS code, origin and weight; refuse those without."""
    if country_code in (None, settings.MARKETPLACE_SHIPPING["domestic_country"]):
        return
    for merchant in quote.merchants:
        for line in merchant.lines:
            product = line.basket_line.product
            if getattr(product, "customs_info", None) is None:
                raise MissingCustomsData(product.get_title(), country_code)


def _landed_quote(basket: Any, country_code: str | None) -> LandedQuote:
    """The quote checkout charged (``purchase_quote_landed``: duties included under DDP); refuses
    a destination we do not ship to, goods without customs data and prohibited goods."""
    from customs.exceptions import DestinationNotSupported

    try:
        landed = purchase_quote_landed(basket=basket, country_code=country_code)
    except DestinationNotSupported as exc:
        raise DestinationNotServed(exc.country) from exc
    _require_customs_data(landed.quote, country_code)
    if not landed.allowed:
        titles = {line.pk: line.product.get_title() for line in basket.all_lines()}
        raise ProhibitedAbroad(
            str(country_code),
            {titles.get(pk, str(pk)): reasons for pk, reasons in landed.blocked.items()},
        )
    return landed


def purchase_place(
    *,
    basket: Any,
    number: str,
    user: Any,
    guest_email: str,
    shipping_address: Any,
    billing_address: Any,
    shipping_method: Any,
    status: str | None = None,
    request: Any = None,
) -> Purchase:
    """Place ``basket`` as one purchase with one Oscar order per merchant, in one transaction.

    Orders are numbered ``<number>-<n>`` in the order the buyer added the merchants' goods; each
    gets its own copy of the shipping address, its own shipping charge and its share of every
    discount (largest remainder, so the parts sum to the purchase total). Each order's total
    includes its city fee (when the buyer pays it), VAT and duties, with VAT as the Oscar order's
    tax, and each order line gets its frozen fee snapshot (``fees.models.OrderLineFees``, the
    rules applied included), so changing a rule later never changes the order. Abroad, the
    quote is checkout's (``purchases.quotes.purchase_quote_landed``): duty and import VAT are
    part of the totals under DDP (``duty_minor``), and nothing under DAP. Stock is allocated
    under row locks. Records the buyer's language (``request``'s) for their emails. Queues the
    buyer's single confirmation email on commit.

    Raises AlreadyPlaced (the basket has a purchase), OutOfStock, MerchantUnavailable,
    MissingCustomsData (a foreign address and a product without HS code, origin and weight),
    DestinationNotServed (no customs rule for the country), ProhibitedAbroad (goods the
    destination refuses) or PurchaseError (voucher no longer available); nothing is written then. Not idempotent by itself:
    the basket's one-to-one purchase makes a second placement fail instead of duplicating.
    """
    # Orders start the status pipeline merchant staff walk (settlement: "Delivered" starts the hold).
    status = status or getattr(settings, "OSCAR_INITIAL_ORDER_STATUS", None)
    country = getattr(shipping_address, "country_id", None) if shipping_address else None
    quote = _landed_quote(basket, country).quote
    currency = quote.currency
    creator = OrderCreator()
    with transaction.atomic():
        existing = Purchase.objects.select_for_update().filter(basket=basket).first()
        if existing is not None:
            raise AlreadyPlaced(existing.number)
        _lock_and_allocate_stock(quote)
        for voucher in basket.vouchers.select_for_update():
            available, message = voucher.is_available_to_user(user=user)
            if voucher.is_active() and not available:
                raise PurchaseError(message)

        purchase = Purchase.objects.create(
            number=number,
            basket=basket,
            user=user if user is not None and user.is_authenticated else None,
            guest_email=guest_email or "",
            currency=currency,
            subtotal_minor=quote.subtotal_minor,
            discount_minor=quote.discount_minor,
            shipping_minor=quote.shipping_minor,
            city_fee_minor=quote.city_fee_minor,
            vat_minor=quote.vat_minor,
            duty_minor=quote.duty_minor,
            total_minor=quote.total_minor,
            language=buyer_language(request),
        )
        applications = {
            application["offer"].pk: application
            for application in basket.offer_applications
            if not application["result"].affects_shipping
        }
        orders = []
        for sequence, part in enumerate(quote.merchants, start=1):
            address = None
            if shipping_address is not None:
                address = copy.copy(shipping_address)
                address.pk = address.id = None
                address.save()
            order = creator.create_order_model(
                user,
                basket,
                address,
                shipping_method,
                _money(part.shipping_minor, currency),
                billing_address,
                _money(part.total_minor, currency, tax_minor=part.vat_minor),
                f"{number}-{sequence}",
                status,
                request,
                **({} if purchase.user_id else {"guest_email": purchase.guest_email}),
            )
            if sequence == 1:
                # Deferred benefits (post-order actions) run once per purchase, on its first order.
                for application in applications.values():
                    application["message"] = application["offer"].apply_deferred_benefit(
                        basket, order, application
                    )
                    if application["result"].affects_post_order:
                        creator.create_discount_model(order, application)
            for offer_pk, amount in part.discounts_by_offer.items():
                application = dict(applications[offer_pk])
                application["discount"] = from_minor(amount, currency)
                creator.create_discount_model(order, application)
            order_lines = []
            for line in part.lines:
                after = from_minor(line.after_minor, currency)
                order_lines.append(
                    creator.create_line_models(
                        order,
                        line.basket_line,
                        extra_line_fields={
                            "line_price_incl_tax": after,
                            "line_price_excl_tax": after,
                        },
                    )
                )
            merchant_order = MerchantOrder.objects.create(
                purchase=purchase,
                order=order,
                partner=part.partner,
                sequence=sequence,
                subtotal_minor=part.subtotal_minor,
                discount_minor=part.discount_minor,
                shipping_minor=part.shipping_minor,
                city_fee_minor=part.city_fee_minor,
                vat_minor=part.vat_minor,
                duty_minor=part.duty_minor,
                total_minor=part.total_minor,
            )
            if part.fees is not None:
                order_line_fees_record(
                    merchant_order=merchant_order, order_lines=order_lines, fees=part.fees
                )
            orders.append(order)
        # Offer and voucher usage is counted once per purchase, not once per merchant order.
        for application in applications.values():
            creator.record_discount(application)
        for voucher in basket.vouchers.all():
            creator.record_voucher_usage(orders[0], voucher, user)

        from purchases.tasks import purchase_confirmation_send

        enqueue_on_commit(purchase_confirmation_send, purchase.pk)

    for order in orders:
        order_placed.send(sender=creator, order=order, user=user)
    logger.info("purchase %s placed as %d merchant orders", number, len(orders))
    return purchase
