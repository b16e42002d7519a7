"""Hooks: what we send to a customs system and to merchants' systems, and what we receive.

Outbound: each message is an ``OutboundDelivery`` row written (pending) before anything is sent;
its ``message_id`` is both the Standard Webhooks ``webhook-id`` and the ``Idempotency-Key``, so a
retry is the same message. After the last retry (or a 4xx) it is ``dead``: the dead-letter list
admins retry from.

Inbound: each status callback is stored as an ``InboundEvent`` under its unique ``webhook-id``
before it is processed, so a replay is recognised and processing works from the stored row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeliveryKind(models.TextChoices):
    DECLARATION = "declaration", _("Declaration to the customs system")
    MERCHANT_STATUS = "merchant_status", _("Status change to a merchant's system")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Failed (dead letter)")


class OutboundDelivery(models.Model):
    Kind = DeliveryKind
    Status = DeliveryStatus

    kind = models.CharField(_("Kind"), max_length=16, choices=DeliveryKind.choices)
    declaration = models.ForeignKey(
        "customs.Declaration", on_delete=models.PROTECT, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        "customs.MerchantWebhookSubscription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    url = models.URLField(_("URL"), max_length=500)
    message_id = models.CharField(_("Message id (idempotency key)"), max_length=120, unique=True)
    event_type = models.CharField(_("Event type"), max_length=64)
    #: The exact bytes signed and sent (UTF-8 JSON), so every retry sends the same message.
    body = models.TextField(_("Body"))
    status = models.CharField(
        _("Status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    last_status_code = models.PositiveIntegerField(_("Last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("Last error"), blank=True)
    delivered_at = models.DateTimeField(_("Delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("Outbound delivery")
        verbose_name_plural = _("Outbound deliveries")
        indexes = [
            models.Index(fields=["status", "created_at"], name="customs_delivery_status_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=DeliveryKind.DECLARATION, subscription__isnull=True)
                | Q(kind=DeliveryKind.MERCHANT_STATUS, subscription__isnull=False),
                name="customs_outbounddelivery_subscription_iff_merchant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"


class InboundOutcome(models.TextChoices):
    PENDING = "pending", _("Not processed yet")
    APPLIED = "applied", _("Applied")
    IGNORED = "ignored", _("Ignored")


class InboundEvent(models.Model):
    """A verified status update from the customs system, stored before it is processed."""

    Outcome = InboundOutcome

    event_id = models.CharField(_("Event id"), max_length=120, unique=True)
    type = models.CharField(_("Type"), max_length=32)
    declaration_number = models.CharField(_("Declaration"), max_length=40, blank=True)
    payload = models.JSONField(_("Payload"))
    sent_at = models.DateTimeField(_("Signed at"))
    received_at = models.DateTimeField(_("Received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("Processed at"), null=True, blank=True)
    outcome = models.CharField(
        _("Outcome"), max_length=16, choices=InboundOutcome.choices, default=InboundOutcome.PENDING
    )
    detail = models.CharField(_("Detail"), max_length=255, blank=True)

    class Meta:
        ordering = ("-received_at",)
        verbose_name = _("Inbound customs event")
        verbose_name_plural = _("Inbound customs events")

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class MerchantWebhookSubscription(models.Model):
    """A merchant's system that wants every status change of its declarations, signed with
    ``secret`` (``whsec_`` + base64) the Standard Webhooks way."""

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, related_name="customs_subscriptions"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("Signing secret"), max_length=100)
    active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ("merchant", "pk")
        verbose_name = _("Merchant webhook subscription")
        verbose_name_plural = _("Merchant webhook subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(secret__startswith="whsec_"),  # noqa: S106 - a prefix, not a secret
                name="customs_merchantwebhooksubscription_secret_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} → {self.url}"
