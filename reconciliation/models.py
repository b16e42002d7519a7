"""Reconciliation: the ledger's processor account against the processor's own book, day by day.

A ``ReconciliationRun`` is one gateway's one currency on one local day (``TIME_ZONE``), rerun in
place: a second run of the same day replaces its counts and its open mismatches. Each mismatch
is a ``ReconciliationItem`` that finance staff resolve with a note; a resolved item stays
resolved across reruns. Only ``reconciliation.services`` writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Completed")
    FAILED = "failed", _("Failed")


class ReconciliationRun(models.Model):
    """One gateway's balance at the processor, in one currency, over one local day.

    Counts are of matched groups: everything the processor and the ledger booked for one
    object (a payment, a refund, a transfer) in the day. ``matched`` agree; ``mismatched``
    differ in amount or fee; ``ledger_only`` are booked by us and not by the processor;
    ``processor_only`` the other way round. ``processor_net_minor``/``ledger_net_minor`` are the
    day's net movements of the balance on each side.
    """

    Status = RunStatus

    gateway = models.CharField(_("Gateway"), max_length=32)
    currency = models.CharField(_("Currency"), max_length=3)
    day = models.DateField(_("Day"))
    period_start = models.DateTimeField(_("Period start"))
    period_end = models.DateTimeField(_("Period end"))
    status = models.CharField(_("Status"), max_length=16, choices=RunStatus.choices)
    started_at = models.DateTimeField(_("Started at"))
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    processor_count = models.PositiveIntegerField(_("Processor transactions"), default=0)
    ledger_count = models.PositiveIntegerField(_("Ledger transactions"), default=0)
    matched_count = models.PositiveIntegerField(_("Matched"), default=0)
    mismatched_count = models.PositiveIntegerField(_("Mismatched"), default=0)
    ledger_only_count = models.PositiveIntegerField(_("Only in the ledger"), default=0)
    processor_only_count = models.PositiveIntegerField(_("Only at the processor"), default=0)
    processor_net_minor = models.BigIntegerField(_("Processor net"), default=0)
    ledger_net_minor = models.BigIntegerField(_("Ledger net"), default=0)
    error = models.TextField(_("Error"), blank=True)

    class Meta:
        ordering = ("-day", "gateway", "currency")
        verbose_name = _("Reconciliation run")
        verbose_name_plural = _("Reconciliation runs")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "currency", "day"], name="reconciliation_run_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="reconciliation_run_period_forward",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.currency} {self.day}"

    @property
    def problem_count(self) -> int:
        return self.mismatched_count + self.ledger_only_count + self.processor_only_count


class ItemKind(models.TextChoices):
    AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
    FEE_MISMATCH = "fee_mismatch", _("Fees differ")
    MISSING_IN_LEDGER = "missing_in_ledger", _("Missing in the ledger")
    MISSING_AT_PROCESSOR = "missing_at_processor", _("Missing at the processor")


class ReconciliationItem(models.Model):
    """One mismatch of a run. ``ledger_minor`` is what our books say (the expected amount),
    ``processor_minor`` what the processor booked (the actual one); either is empty when that
    side has nothing. Amounts are signed as the processor's balance moved (+ in, − out); for a
    fee mismatch they are the fees. ``match_key`` (``<type>:<provider ref>``) identifies the
    mismatch across reruns of the day."""

    Kind = ItemKind

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("Kind"), max_length=24, choices=ItemKind.choices)
    match_key = models.CharField(_("Match key"), max_length=160)
    # A ``payments.interface.BalanceTransactionType`` value: charge, refund, transfer...
    txn_type = models.CharField(_("Type"), max_length=24)
    provider_ref = models.CharField(_("Provider reference"), max_length=128, blank=True)
    ledger_minor = models.BigIntegerField(_("Ledger (expected)"), null=True, blank=True)
    processor_minor = models.BigIntegerField(_("Processor (actual)"), null=True, blank=True)
    ledger_key = models.CharField(_("Ledger transaction"), max_length=255, blank=True)
    processor_refs = models.CharField(_("Processor transactions"), max_length=255, blank=True)
    note = models.TextField(_("Note"), blank=True)
    resolved_at = models.DateTimeField(_("Resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Resolved by"),
    )
    resolution_note = models.TextField(_("Resolution note"), blank=True)
    created_at = models.DateTimeField(_("Found at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("run", "resolved_at", "kind", "match_key")
        verbose_name = _("Reconciliation mismatch")
        verbose_name_plural = _("Reconciliation mismatches")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "kind", "match_key"], name="reconciliation_item_unique"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution_note=""),
                name="reconciliation_item_resolution_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run}: {self.kind} {self.match_key}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def difference_minor(self) -> int | None:
        """Processor less ledger, when both sides have an amount."""
        if self.ledger_minor is None or self.processor_minor is None:
            return None
        return self.processor_minor - self.ledger_minor
