"""Payments: one ``Payment`` per purchase attempt, its event log, the webhook inbox and refunds.

Statuses change only in ``payments.services``, along ``PAYMENT_TRANSITIONS`` (forward only), under a
row lock; every change appends a ``PaymentEvent``. Cards are kept as brand and last four digits,
never the number. Amounts are integer minor units with their currency.
"""

from __future__ import annotations

from typing import Final

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.models import LifecycleEvent


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    REQUIRES_ACTION = "requires_action", _("Awaiting 3-D Secure")
    AUTHORIZED = "authorized", _("Authorised")
    CAPTURED = "captured", _("Captured")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    DISPUTED = "disputed", _("Disputed")
    DISPUTE_WON = "dispute_won", _("Dispute won")
    DISPUTE_LOST = "dispute_lost", _("Dispute lost")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")
    EXPIRED = "expired", _("Expired")


S = PaymentStatus

#: Where a payment may go from each status. Forward only: the table has no cycles, so duplicated
#: or reordered provider events can never move a payment back.
PAYMENT_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.CREATED: frozenset(
        {S.REQUIRES_ACTION, S.AUTHORIZED, S.CAPTURED, S.FAILED, S.CANCELED, S.EXPIRED}
    ),
    S.REQUIRES_ACTION: frozenset({S.AUTHORIZED, S.CAPTURED, S.FAILED, S.CANCELED, S.EXPIRED}),
    S.AUTHORIZED: frozenset({S.CAPTURED, S.CANCELED, S.EXPIRED}),
    S.CAPTURED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED, S.DISPUTED}),
    S.PARTIALLY_REFUNDED: frozenset({S.REFUNDED, S.DISPUTED}),
    S.REFUNDED: frozenset(),
    S.DISPUTED: frozenset({S.DISPUTE_WON, S.DISPUTE_LOST}),
    S.DISPUTE_WON: frozenset(),
    S.DISPUTE_LOST: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELED: frozenset(),
    S.EXPIRED: frozenset(),
}

#: A basket has at most one payment in these statuses per purchase number; a new attempt after a
#: failed, canceled or expired one is a new payment.
LIVE_STATUSES: Final = frozenset(PAYMENT_TRANSITIONS) - {S.FAILED, S.CANCELED, S.EXPIRED}
#: Money is held or taken.
FUNDED_STATUSES: Final = frozenset(
    {
        S.AUTHORIZED,
        S.CAPTURED,
        S.PARTIALLY_REFUNDED,
        S.REFUNDED,
        S.DISPUTED,
        S.DISPUTE_WON,
        S.DISPUTE_LOST,
    }
)
#: Captured and refundable.
REFUNDABLE_STATUSES: Final = frozenset({S.CAPTURED, S.PARTIALLY_REFUNDED})


class Payment(models.Model):
    """One attempt to pay for a purchase (the basket, under its purchase number)."""

    Status = PaymentStatus

    reference = models.CharField(_("Purchase number"), max_length=32)
    basket = models.ForeignKey("basket.Basket", on_delete=models.PROTECT, related_name="payments")
    # Set once the purchase is placed, in the same transaction.
    purchase = models.ForeignKey(
        "purchases.Purchase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    gateway = models.CharField(_("Gateway"), max_length=32)
    provider_ref = models.CharField(_("Provider reference"), max_length=255, blank=True)
    status = models.CharField(
        _("Status"), max_length=24, choices=Status.choices, default=Status.CREATED
    )
    amount_minor = models.BigIntegerField(_("Amount"))
    currency = models.CharField(_("Currency"), max_length=3)
    captured_minor = models.BigIntegerField(_("Captured"), default=0)
    refunded_minor = models.BigIntegerField(_("Refunded"), default=0)
    fee_minor = models.BigIntegerField(_("Processor fee"), null=True, blank=True)
    card_brand = models.CharField(_("Card brand"), max_length=32, blank=True)
    card_last4 = models.CharField(_("Card last four digits"), max_length=4, blank=True)
    decline_code = models.CharField(_("Decline code"), max_length=64, blank=True)
    decline_message = models.CharField(_("Decline message"), max_length=255, blank=True)
    action_url = models.CharField(_("3-D Secure URL"), max_length=1024, blank=True)
    # "payment:<id>": every call to the provider uses "<base>:<operation>" as its idempotency key.
    idempotency_base = models.CharField(_("Idempotency key base"), max_length=64, blank=True)
    # Until when an authorize call may still be answering; a second submit waits meanwhile.
    in_flight_until = models.DateTimeField(null=True, blank=True)
    # Set (compare-and-set) when we decide to release the authorisation; placement refuses then.
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # What placing the purchase needs when the buyer's session is gone (3-D Secure return,
    # orphan recovery): user, guest email, addresses (no card data), shipping method code.
    checkout = models.JSONField(_("Checkout snapshot"), default=dict, blank=True)
    last_error = models.TextField(_("Last error"), blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    status_changed_at = models.DateTimeField(_("Status changed at"), auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("Payment")
        verbose_name_plural = _("Payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gte=0)
                & Q(captured_minor__gte=0)
                & Q(refunded_minor__gte=0),
                name="payments_payment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(captured_minor__lte=F("amount_minor")),
                name="payments_payment_captured_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(refunded_minor__lte=F("captured_minor")),
                name="payments_payment_refunded_within_captured",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PaymentStatus]),
                name="payments_payment_status_valid",
            ),
            models.UniqueConstraint(
                fields=["gateway", "provider_ref"],
                condition=~Q(provider_ref=""),
                name="payments_payment_provider_ref_unique",
            ),
            models.UniqueConstraint(
                fields=["basket", "reference"],
                condition=Q(status__in=sorted(LIVE_STATUSES)),
                name="payments_payment_one_live_per_purchase",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "status_changed_at"], name="payments_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"

    def key(self, operation: str) -> str:
        """The idempotency key of ``operation`` on this payment: ``payment:<id>:<operation>``."""
        return f"{self.idempotency_base}:{operation}"

    @property
    def card_display(self) -> str:
        if not self.card_last4:
            return ""
        return f"{self.card_brand.title() or _('Card')} •••• {self.card_last4}"


class PaymentEvent(LifecycleEvent):
    """Append-only log of a payment's status changes (who or what, from, to, when, why)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")

    class Meta(LifecycleEvent.Meta):
        verbose_name = _("Payment event")
        verbose_name_plural = _("Payment events")

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.from_status or '-'} → {self.to_status}"


class ProviderEvent(models.Model):
    """The webhook inbox: each provider event stored once, under its id, before it is processed."""

    provider = models.CharField(_("Provider"), max_length=32)
    event_id = models.CharField(_("Event id"), max_length=255)
    type = models.CharField(_("Type"), max_length=64)
    object_id = models.CharField(_("Object id"), max_length=255, blank=True)
    occurred_at = models.DateTimeField(_("Occurred at"))
    payload = models.JSONField(_("Payload"))
    received_at = models.DateTimeField(_("Received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("Processed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    last_error = models.TextField(_("Last error"), blank=True)

    class Meta:
        ordering = ("received_at", "pk")
        verbose_name = _("Provider event")
        verbose_name_plural = _("Provider events")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="payments_providerevent_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.type}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


REFUND_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    RefundStatus.PENDING: frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED}),
    RefundStatus.SUCCEEDED: frozenset(),
    RefundStatus.FAILED: frozenset(),
}


class Refund(models.Model):
    """Money given back from a captured payment, for one merchant order (whole or some lines), or
    for a payment whose purchase was never placed (no merchant order)."""

    Status = RefundStatus

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    merchant_order = models.ForeignKey(
        "purchases.MerchantOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
    )
    amount_minor = models.BigIntegerField(_("Amount"))
    currency = models.CharField(_("Currency"), max_length=3)
    reason = models.TextField(_("Reason"))
    status = models.CharField(
        _("Status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    provider_ref = models.CharField(_("Provider reference"), max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What started a refund no person asked for (``requested_by`` empty): e.g.
    # "customs:rejection" (the platform refunds a merchant order customs refused) or
    # "payments:unplaced" (a payment whose purchase could not be placed). Empty when a person
    # (an administrator or the merchant's staff) requested it.
    source = models.CharField(_("Source"), max_length=64, blank=True, default="")
    # [{"line_id": <order line pk>, "quantity": n, "amount_minor": m}]; empty = whole order.
    lines = models.JSONField(_("Lines"), default=list, blank=True)
    # "refund:<id>", set as soon as the id exists.
    idempotency_key = models.CharField(_("Idempotency key"), max_length=64, blank=True)
    failure_reason = models.TextField(_("Failure reason"), blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("Completed at"), null=True, blank=True)
    buyer_notified_at = models.DateTimeField(_("Buyer notified at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("Refund")
        verbose_name_plural = _("Refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="payments_refund_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payments_refund_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.pk} of payment {self.payment_id}"


class SandboxChargeStatus(models.TextChoices):
    REQUIRES_ACTION = "requires_action", _("Requires action")
    AUTHORIZED = "authorized", _("Authorised")
    CAPTURED = "captured", _("Captured")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


class SandboxCharge(models.Model):
    """The sandbox gateway's own state: what a real processor would keep on its side.

    Only ``payments.gateways.sandbox`` reads or writes it. Brand and last four digits only.
    """

    Status = SandboxChargeStatus

    provider_ref = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=128, unique=True)
    # Secret part of the 3-D Secure challenge URL.
    challenge_token = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=64)
    status = models.CharField(max_length=24, choices=Status.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    captured_minor = models.BigIntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0)
    card_brand = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    decline_code = models.CharField(max_length=64, blank=True)
    decline_message = models.CharField(max_length=255, blank=True)
    # "dispute_after_capture" for the 4000 0000 0000 0259 card.
    behaviour = models.CharField(max_length=32, blank=True)
    dispute_status = models.CharField(max_length=8, blank=True)
    return_url = models.CharField(max_length=1024, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Idempotency keys of captures, cancels and refunds already applied: a repeat changes nothing.
    operations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Sandbox charge")
        verbose_name_plural = _("Sandbox charges")

    def __str__(self) -> str:
        return self.provider_ref


class SandboxBalanceTransaction(models.Model):
    """A movement of the platform's balance at the sandbox processor: its own book, as Stripe's
    balance transactions are Stripe's (captures with the sandbox fee, refunds, transfers to
    merchants, their reversals, disputes).

    Only ``payments.gateways.sandbox`` writes it; ``balance_transactions_list`` reads it.
    ``provider_ref`` derives from the operation and its idempotency key, so a repeated call
    finds the row it made. ``amount_minor`` is signed (+ into the platform's balance);
    ``source_ref`` is the charge, refund or transfer reference it belongs to (see
    ``payments.interface.BalanceTransaction``).
    """

    provider_ref = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=24)
    amount_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField(default=0)
    net_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    source_ref = models.CharField(max_length=64, db_index=True)
    # The idempotency key of the call that made it.
    idempotency_key = models.CharField(max_length=128)
    # Transfers: destination, transfer_group, source_transaction; reversals: reversal_ref.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("Sandbox balance transaction")
        verbose_name_plural = _("Sandbox balance transactions")
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_minor__gte=0), name="payments_sandboxbt_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(net_minor=F("amount_minor") - F("fee_minor")),
                name="payments_sandboxbt_net_is_amount_less_fee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_ref} {self.type} {self.amount_minor:+d} {self.currency}"
