"""What the municipality has been paid: one ``Remittance`` per remitted period and currency.

A remittance says "the municipal fees of ``[period_start, period_end)`` (Asia/Tehran dates) in
``currency`` were sent to the city's account, ``amount_minor`` of them, under ``bank_reference``".
It is written in the same database transaction as its ledger posting (Dr municipality:fee_payable /
Cr platform:bank, key ``remittance:<currency>:<start>:<end>``) by
``finance.remittance.services.remittance_record``; nothing else writes it.

PostgreSQL keeps what the service promises: one remittance per exact period and currency, no two
remittances of one currency overlapping (an exclusion constraint over the half-open date ranges),
a valid period and a positive amount; the rows are append-only like the ledger they mirror
(corrections would be new reversing postings), and every insert is recorded by pghistory.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

#: Longest bank reference accepted (a SHEBA/SATNA tracking number is far shorter).
BANK_REFERENCE_MAX_LENGTH = 64


class DateRange(Func):
    """``daterange(start, end)``: PostgreSQL's half-open ``[start, end)`` date range."""

    function = "DATERANGE"
    output_field = DateRangeField()


# Inserts only: the rows are append-only (trigger below), so there are no updates to track.
@pghistory.track(pghistory.InsertEvent())
class Remittance(models.Model):
    """The municipal fees of one period, in one currency, paid to the city."""

    currency = models.CharField(_("Currency"), max_length=3)
    period_start = models.DateField(_("From (inclusive)"))
    period_end = models.DateField(_("Until (exclusive)"))
    amount_minor = models.BigIntegerField(_("Amount remitted"))
    bank_reference = models.CharField(_("Bank reference"), max_length=BANK_REFERENCE_MAX_LENGTH)
    remitted_at = models.DateTimeField(_("Remitted at"))
    remitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Remitted by"),
    )
    ledger_transaction = models.OneToOneField(
        "ledger.Transaction",
        on_delete=models.PROTECT,
        related_name="remittance",
        verbose_name=_("Ledger transaction"),
    )
    ledger_key = models.CharField(_("Ledger transaction key"), max_length=128, unique=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ("-period_start", "currency")
        verbose_name = _("Municipal remittance")
        verbose_name_plural = _("Municipal remittances")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "period_start", "period_end"],
                name="finance_remittance_period_unique",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="finance_remittance_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="finance_remittance_amount_positive"
            ),
            ExclusionConstraint(
                name="finance_remittance_no_overlap",
                expressions=[
                    (DateRange("period_start", "period_end"), RangeOperators.OVERLAPS),
                    ("currency", RangeOperators.EQUAL),
                ],
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="finance_remittance_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.period_start}..{self.period_end}"
