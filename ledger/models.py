"""The double-entry ledger: the marketplace's source of truth for money.

Accounts belong to one party (a merchant, the platform, the municipality, the tax authority,
customs, a card processor) and hold one currency. A ``Transaction`` is one business event, posted
once under its idempotency key (``payment:<id>:captured``); its ``Entry`` rows carry signed amounts
(positive = debit, negative = credit) that sum to zero in every currency.

PostgreSQL enforces what the code promises (``pgtrigger``):

- entries and transactions are append-only (UPDATE and DELETE raise); corrections are new,
  reversing transactions;
- a deferred constraint trigger rejects, at commit, a transaction whose entries do not sum to
  zero in each currency (once per transaction, not per entry: entries can be added only in the
  database transaction that created their transaction);
- a statement trigger moves each account's cached ``balance_minor`` in the same database
  transaction as the entries (on the account's normal side), and refuses an entry whose currency
  differs from its account's or whose transaction was created by an earlier database transaction;
- a CHECK keeps a balance at or above zero unless the account allows a negative balance (a
  merchant's available balance never does).
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Party(models.TextChoices):
    MERCHANT = "merchant", _("Merchant")
    PLATFORM = "platform", _("Platform")
    MUNICIPALITY = "municipality", _("Municipality")
    TAX = "tax", _("Tax authority")
    CUSTOMS = "customs", _("Customs")
    PROCESSOR = "processor", _("Card processor")


class AccountKind(models.TextChoices):
    # A merchant's money: earned but held (return window, customs), free to pay out, held for a
    # dispute, and what the merchant owes back (refunds or lost disputes beyond its balance).
    PENDING = "pending", _("Pending")
    AVAILABLE = "available", _("Available")
    RESERVE = "reserve", _("Held for disputes")
    RECEIVABLE = "receivable", _("Owed by the merchant")
    # The platform's.
    COMMISSION = "commission", _("Commission revenue")
    PROCESSOR_FEES = "processor_fees", _("Processor fees")
    DISPUTES = "disputes", _("Disputed funds")
    BANK = "bank", _("Bank")
    IN_TRANSIT = "in_transit", _("Payouts in transit")
    # Money collected for others, owed until remitted.
    FEE_PAYABLE = "fee_payable", _("Municipal fee payable")
    VAT_PAYABLE = "vat_payable", _("VAT payable")
    DUTIES_PAYABLE = "duties_payable", _("Duties payable")
    # At the processor: the platform's balance there.
    BALANCE = "balance", _("Processor balance")


class NormalSide(models.TextChoices):
    DEBIT = "debit", _("Debit")
    CREDIT = "credit", _("Credit")


class Account(models.Model):
    """One party's account in one currency. ``balance_minor`` is on the account's normal side
    (a liability such as a merchant's available balance is positive when we owe the merchant)."""

    Party = Party
    Kind = AccountKind

    code = models.CharField(_("Code"), max_length=96, unique=True)
    party = models.CharField(_("Party"), max_length=16, choices=Party.choices)
    kind = models.CharField(_("Kind"), max_length=24, choices=AccountKind.choices)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    currency = models.CharField(_("Currency"), max_length=3)
    normal_side = models.CharField(_("Normal side"), max_length=6, choices=NormalSide.choices)
    allow_negative = models.BooleanField(_("May go below zero"), default=False)
    balance_minor = models.BigIntegerField(_("Balance"), default=0)

    class Meta:
        ordering = ("code",)
        verbose_name = _("Ledger account")
        verbose_name_plural = _("Ledger accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance_minor__gte=0),
                name="ledger_account_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(party=Party.MERCHANT, merchant__isnull=False)
                | (~Q(party=Party.MERCHANT) & Q(merchant__isnull=True)),
                name="ledger_account_merchant_matches_party",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="ledger_account_protect_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.code


# Checked once per ledger transaction, at commit. Entries can be added to a transaction only in the
# database transaction that created it (``_APPLY_TO_BALANCES`` compares ``xact_id``, a column the
# migration adds with ``DEFAULT pg_current_xact_id()``, which savepoints share), and never changed
# or deleted, so a transaction that balanced at its commit balances forever.
_BALANCED = """
    IF EXISTS (
        SELECT 1 FROM ledger_entry
        WHERE transaction_id = NEW.id
        GROUP BY currency
        HAVING sum(amount_minor) <> 0
    ) THEN
        RAISE EXCEPTION 'ledger transaction % does not balance in every currency', NEW.id
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
"""


class TransactionKind(models.TextChoices):
    CAPTURE = "capture", _("Payment captured")
    PROCESSOR_FEE = "processor_fee", _("Processor fee")
    REFUND = "refund", _("Refund")
    DISPUTE_OPENED = "dispute_opened", _("Dispute opened")
    DISPUTE_WON = "dispute_won", _("Dispute won")
    DISPUTE_LOST = "dispute_lost", _("Dispute lost")
    RELEASE = "release", _("Hold released")
    NETTING = "netting", _("Negative balance netted")
    PAYOUT = "payout", _("Payout")
    PAYOUT_FAILED = "payout_failed", _("Payout failed")
    REMITTANCE = "remittance", _("Remittance")
    DUTY_ADJUSTMENT = "duty_adjustment", _("Duty adjustment")
    REVERSAL = "reversal", _("Reversal")
    OTHER = "other", _("Other")


class Transaction(models.Model):
    """One business event's movement of money, posted once under ``idempotency_key``."""

    Kind = TransactionKind

    idempotency_key = models.CharField(_("Idempotency key"), max_length=128, unique=True)
    kind = models.CharField(_("Kind"), max_length=24, choices=TransactionKind.choices)
    memo = models.CharField(_("Memo"), max_length=255, blank=True)
    # When the business event happened (a capture's time); ``posted_at`` is when we booked it.
    occurred_at = models.DateTimeField(_("Occurred at"), db_default=Now())
    posted_at = models.DateTimeField(_("Posted at"), db_default=Now())
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    metadata = models.JSONField(_("Metadata"), default=dict, blank=True)

    class Meta:
        ordering = ("posted_at", "pk")
        verbose_name = _("Ledger transaction")
        verbose_name_plural = _("Ledger transactions")
        indexes = [models.Index(fields=["kind", "occurred_at"], name="ledger_txn_kind_idx")]
        triggers = [
            pgtrigger.Protect(
                name="ledger_transaction_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            pgtrigger.Trigger(
                name="ledger_transaction_balanced",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func=_BALANCED,
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


_APPLY_TO_BALANCES = """
    IF EXISTS (
        SELECT 1 FROM new_entries e JOIN ledger_transaction t ON t.id = e.transaction_id
        WHERE t.xact_id <> pg_current_xact_id()
    ) THEN
        RAISE EXCEPTION 'entries can only be added to a ledger transaction while it is created'
            USING ERRCODE = '23514';
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_entries e JOIN ledger_account a ON a.id = e.account_id
        WHERE a.currency <> e.currency
    ) THEN
        RAISE EXCEPTION 'ledger entry currency differs from its account''s'
            USING ERRCODE = '23514';
    END IF;
    UPDATE ledger_account a
    SET balance_minor = a.balance_minor
        + CASE WHEN a.normal_side = 'debit' THEN s.total ELSE -s.total END
    FROM (
        SELECT account_id, sum(amount_minor) AS total FROM new_entries GROUP BY account_id
    ) s
    WHERE a.id = s.account_id;
    RETURN NULL;
"""


class Entry(models.Model):
    """One leg of a transaction: ``amount_minor`` > 0 debits the account, < 0 credits it.
    ``merchant_order`` attributes the leg to the merchant order it is about, where there is one."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_minor = models.BigIntegerField(_("Amount (debit +, credit −)"))
    currency = models.CharField(_("Currency"), max_length=3)
    merchant_order = models.ForeignKey(
        "purchases.MerchantOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )

    class Meta:
        ordering = ("transaction", "pk")
        verbose_name = _("Ledger entry")
        verbose_name_plural = _("Ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount_minor=0), name="ledger_entry_amount_not_zero"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "transaction"], name="ledger_entry_account_idx"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="ledger_entry_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            pgtrigger.Trigger(
                name="ledger_entry_apply",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_entries"),
                func=_APPLY_TO_BALANCES,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_minor:+d} {self.currency}"
