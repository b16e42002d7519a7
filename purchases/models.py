"""A purchase is what the buyer pays for once; each merchant's part is its own Oscar order.

Oscar has no basket split (Oscar #1519). Checking out a basket that holds several merchants' goods
creates one ``Purchase`` (numbered like ``100231``) and one ``order.Order`` per merchant (numbered
``100231-1``, ``100231-2``), each linked through ``MerchantOrder``, which also keeps the money
snapshot of that part in minor units.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Purchase(models.Model):
    number = models.CharField(_("Number"), max_length=32, unique=True)
    # One purchase per basket: a double submit or a browser retry cannot place a second one.
    basket = models.OneToOneField(
        "basket.Basket", on_delete=models.PROTECT, related_name="purchase"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchases",
    )
    guest_email = models.EmailField(_("Guest email"), blank=True)
    currency = models.CharField(_("Currency"), max_length=3)
    subtotal_minor = models.BigIntegerField(_("Goods before discounts"))
    discount_minor = models.BigIntegerField(_("Discounts"))
    shipping_minor = models.BigIntegerField(_("Shipping"))
    # Charged on top of the goods: the city fee when the buyer pays it, VAT, duties (DDP).
    city_fee_minor = models.BigIntegerField(_("City fee"), default=0)
    vat_minor = models.BigIntegerField(_("VAT"), default=0)
    duty_minor = models.BigIntegerField(_("Duties"), default=0)
    total_minor = models.BigIntegerField(_("Total"))
    # The buyer's language at checkout: their emails are written in it (empty: the default).
    language = models.CharField(_("Language"), max_length=10, blank=True, default="")
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(_("Confirmation sent at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("Purchase")
        verbose_name_plural = _("Purchases")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    total_minor=F("subtotal_minor")
                    - F("discount_minor")
                    + F("shipping_minor")
                    + F("city_fee_minor")
                    + F("vat_minor")
                    + F("duty_minor")
                ),
                name="purchases_purchase_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(total_minor__gte=0)
                & Q(discount_minor__gte=0)
                & Q(shipping_minor__gte=0)
                & Q(city_fee_minor__gte=0)
                & Q(vat_minor__gte=0)
                & Q(duty_minor__gte=0),
                name="purchases_purchase_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def email(self) -> str:
        return self.user.email if self.user_id else self.guest_email


class MerchantOrder(models.Model):
    """One merchant's part of a purchase: its Oscar order and the amounts charged for it."""

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="merchant_orders")
    order = models.OneToOneField(
        "order.Order", on_delete=models.PROTECT, related_name="merchant_order"
    )
    partner = models.ForeignKey(
        "partner.Partner", on_delete=models.PROTECT, related_name="merchant_orders"
    )
    sequence = models.PositiveSmallIntegerField(_("Sequence in the purchase"))
    subtotal_minor = models.BigIntegerField(_("Goods before discounts"))
    discount_minor = models.BigIntegerField(_("Discounts"))
    shipping_minor = models.BigIntegerField(_("Shipping"))
    # Charged on top of the goods: the city fee when the buyer pays it, VAT, duties (DDP).
    city_fee_minor = models.BigIntegerField(_("City fee"), default=0)
    vat_minor = models.BigIntegerField(_("VAT"), default=0)
    duty_minor = models.BigIntegerField(_("Duties"), default=0)
    total_minor = models.BigIntegerField(_("Total"))

    class Meta:
        ordering = ("purchase", "sequence")
        verbose_name = _("Merchant order")
        verbose_name_plural = _("Merchant orders")
        constraints = [
            models.UniqueConstraint(
                fields=["purchase", "sequence"], name="purchases_merchantorder_sequence_unique"
            ),
            models.UniqueConstraint(
                fields=["purchase", "partner"], name="purchases_merchantorder_partner_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    total_minor=F("subtotal_minor")
                    - F("discount_minor")
                    + F("shipping_minor")
                    + F("city_fee_minor")
                    + F("vat_minor")
                    + F("duty_minor")
                ),
                name="purchases_merchantorder_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(total_minor__gte=0)
                & Q(discount_minor__gte=0)
                & Q(shipping_minor__gte=0)
                & Q(city_fee_minor__gte=0)
                & Q(vat_minor__gte=0)
                & Q(duty_minor__gte=0),
                name="purchases_merchantorder_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.order.number
