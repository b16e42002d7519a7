"""Settlement: when a merchant's earnings may be paid out, and the payouts that pay them.

The money itself lives in the ledger (``ledger``); these models hold what the ledger cannot:

- ``MerchantOrderSettlement``: per merchant order, the hold on its earnings (delivered when,
  available from when, waiting for customs or not) and whether they were released;
- ``MerchantPayoutAccount``: the merchant's account at the processor that transfers go to;
- ``Payout`` and ``PayoutEvent``: one transfer of a merchant's available balance, its lifecycle
  (``PAYOUT_TRANSITIONS``, changed only by ``settlement.services`` under a row lock) and its log.
"""

from __future__ import annotations

from typing import Final

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.core.models import LifecycleEvent


class HoldStatus(models.TextChoices):
    PENDING = "pending", _("Held")
    AVAILABLE = "available", _("Released")


class MerchantOrderSettlement(models.Model):
    """The hold on one merchant order's earnings.

    Earnings are credited to the merchant's pending balance at capture and move to available
    (``merchant-order:<id>:released``) once the order was delivered ``SETTLEMENT_HOLD_DAYS`` ago
    (the return window) and, for a cross-border order, customs released it.
    """

    Status = HoldStatus

    merchant_order = models.OneToOneField(
        "purchases.MerchantOrder", on_delete=models.PROTECT, related_name="settlement"
    )
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="order_settlements"
    )
    currency = models.CharField(_("Currency"), max_length=3)
    status = models.CharField(
        _("Status"), max_length=16, choices=HoldStatus.choices, default=HoldStatus.PENDING
    )
    delivered_at = models.DateTimeField(_("Delivered at"), null=True, blank=True)
    # delivered_at + SETTLEMENT_HOLD_DAYS: the end of the return window.
    available_on = models.DateTimeField(_("Available from"), null=True, blank=True)
    # Shipped abroad: the earnings also wait for customs to release the goods.
    customs_required = models.BooleanField(_("Customs release required"), default=False)
    customs_released_at = models.DateTimeField(_("Customs released at"), null=True, blank=True)
    released_at = models.DateTimeField(_("Released at"), null=True, blank=True)
    # The payout that carried these earnings (set when a payout is built after the release).
    payout = models.ForeignKey(
        "settlement.Payout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_settlements",
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("merchant_order",)
        verbose_name = _("Merchant order settlement")
        verbose_name_plural = _("Merchant order settlements")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=HoldStatus.values), name="settlement_hold_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=HoldStatus.PENDING) | Q(released_at__isnull=False),
                name="settlement_hold_released_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "available_on"], name="settlement_hold_due_idx"),
        ]

    def __str__(self) -> str:
        return f"settlement of merchant order {self.merchant_order_id} ({self.status})"


class MerchantPayoutAccount(models.Model):
    """A merchant's account at a processor, where payouts are transferred to."""

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="payout_accounts"
    )
    gateway = models.CharField(_("Gateway"), max_length=32)
    account_ref = models.CharField(_("Account reference"), max_length=255)
    payouts_enabled = models.BooleanField(_("Payouts enabled"), default=False)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("merchant", "gateway")
        verbose_name = _("Merchant payout account")
        verbose_name_plural = _("Merchant payout accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "gateway"], name="settlement_payout_account_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.account_ref}"


class PayoutStatus(models.TextChoices):
    HELD = "held", _("Held")
    CREATED = "created", _("Created")
    SUBMITTED = "submitted", _("Submitted")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


P = PayoutStatus

#: Where a payout may go from each status. HELD records that a merchant had money to pay out but
#: could not be paid (suspended); no money moves for it, and the next run cancels it once the
#: merchant trades again. CREATED has its amount reserved in the ledger (available → in transit).
PAYOUT_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    P.HELD: frozenset({P.CANCELED}),
    P.CREATED: frozenset({P.SUBMITTED, P.FAILED, P.CANCELED}),
    P.SUBMITTED: frozenset({P.PAID, P.FAILED}),
    P.PAID: frozenset(),
    P.FAILED: frozenset(),
    P.CANCELED: frozenset(),
}
#: At most one payout per merchant and currency is in these statuses at a time.
OPEN_PAYOUT_STATUSES: Final = frozenset({P.HELD, P.CREATED, P.SUBMITTED})


class Payout(models.Model):
    """One transfer of a merchant's available balance to their payout account."""

    Status = PayoutStatus

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="payouts"
    )
    currency = models.CharField(_("Currency"), max_length=3)
    amount_minor = models.BigIntegerField(_("Amount"))
    status = models.CharField(
        _("Status"), max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.CREATED
    )
    gateway = models.CharField(_("Gateway"), max_length=32, blank=True)
    destination = models.CharField(_("Payout account"), max_length=255, blank=True)
    # The charge the money came from, when all of it came from one (Stripe's source_transaction).
    source_transaction = models.CharField(_("Source charge"), max_length=255, blank=True)
    transfer_ref = models.CharField(_("Transfer reference"), max_length=255, blank=True)
    # Why it is held or why it failed.
    reason = models.TextField(_("Reason"), blank=True)
    attempts = models.PositiveIntegerField(_("Transfer attempts"), default=0)
    last_error = models.TextField(_("Last error"), blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    status_changed_at = models.DateTimeField(_("Status changed at"), auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("Payout")
        verbose_name_plural = _("Payouts")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="settlement_payout_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PayoutStatus.values), name="settlement_payout_status_valid"
            ),
            models.UniqueConstraint(
                fields=["merchant", "currency"],
                condition=Q(status__in=sorted(OPEN_PAYOUT_STATUSES)),
                name="settlement_payout_one_open_per_merchant",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "status_changed_at"], name="settlement_payout_idx"),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} to {self.merchant_id} ({self.status})"

    def key(self, step: str) -> str:
        """The idempotency key of ``step`` of this payout: ``payout:<id>:<step>``."""
        return f"payout:{self.pk}:{step}"


class PayoutEvent(LifecycleEvent):
    """Append-only log of a payout's status changes (who or what, from, to, when, why)."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="events")

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("Payout event")
        verbose_name_plural = _("Payout events")

    def __str__(self) -> str:
        return f"{self.payout_id}: {self.from_status or '-'} → {self.to_status}"
