"""Marking a period's municipal fees remitted to the city."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.models import BANK_REFERENCE_MAX_LENGTH, Remittance
from finance.remittance.periods import period_check, today_tehran
from finance.remittance.selectors import municipal_fees_net
from ledger.models import AccountKind, Party, TransactionKind
from ledger.services import Leg, account_get, accounts_lock, transaction_post
from marketplace.core.money import CurrencyError, Money, currency_exponent, format_money

logger = logging.getLogger(__name__)

#: Who may record a remittance (the "Municipal finance" role; superusers).
RECORD_PERMISSION: Final = "finance.add_remittance"


def remittance_key(*, currency: str, period_start: date, period_end: date) -> str:
    """``remittance:<currency>:<start>:<end>``, the ledger idempotency key of a period."""
    return f"remittance:{currency}:{period_start.isoformat()}:{period_end.isoformat()}"


def _bank_reference_clean(value: object) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise ValidationError(
            {"bank_reference": ValidationError(_("Enter the bank reference."), code="required")}
        )
    if len(text) > BANK_REFERENCE_MAX_LENGTH or not text.isprintable():
        raise ValidationError(
            {
                "bank_reference": ValidationError(
                    _("The bank reference must be at most %(limit)d printable characters."),
                    code="invalid",
                    params={"limit": BANK_REFERENCE_MAX_LENGTH},
                )
            }
        )
    return text


def _currency_check(currency: object) -> str:
    try:
        if not isinstance(currency, str):
            raise CurrencyError(str(currency))
        currency_exponent(currency)
    except CurrencyError:
        raise ValidationError(
            {"currency": ValidationError(_("Unknown currency."), code="invalid")}
        ) from None
    return currency


def remittance_record(
    *,
    period_start: date,
    period_end: date,
    currency: str,
    bank_reference: str,
    user: Any,
) -> tuple[Remittance, bool]:
    """Record that the municipal fees of ``[period_start, period_end)`` (Tehran dates) in
    ``currency`` were paid to the city under ``bank_reference``.

    The amount is the period's net fee (collected minus refunded, ``municipal_fees_net``). In
    one database transaction: posts ``remittance:<currency>:<start>:<end>`` (kind REMITTANCE:
    Dr municipality:fee_payable / Cr platform:bank) and writes the ``Remittance`` row (audited by
    pghistory). The municipality's fee account is locked first, so remittances of one currency
    (and captures posting to it) run one at a time and the amount is read consistently.

    Idempotent: recording the same period and currency again returns ``(existing, False)`` and
    posts nothing; otherwise returns ``(remittance, True)``.

    Raises ``PermissionDenied`` unless ``user`` holds ``finance.add_remittance``, and
    ``ValidationError`` (nothing written) naming ``bank_reference`` (blank, too long, not
    printable), ``currency`` (unknown), ``period_end`` (not after the start, or the period has not
    ended yet in Tehran), ``period_start`` (overlaps a remitted period, code ``overlap``), or
    without a field (code ``nothing_to_remit``) when the period's net fee is not positive.
    """
    if user is None or not user.is_authenticated or not user.has_perm(RECORD_PERMISSION):
        raise PermissionDenied(_("Only municipal finance staff may record remittances."))
    reference = _bank_reference_clean(bank_reference)
    currency = _currency_check(currency)
    period_check(
        start=period_start, end=period_end, start_field="period_start", end_field="period_end"
    )
    if period_end > today_tehran():
        raise ValidationError(
            {
                "period_end": ValidationError(
                    _("A period can be remitted only after it has ended."), code="not_ended"
                )
            }
        )

    key = remittance_key(currency=currency, period_start=period_start, period_end=period_end)
    with transaction.atomic():
        fee_payable = account_get(
            party=Party.MUNICIPALITY, kind=AccountKind.FEE_PAYABLE, currency=currency
        )
        bank = account_get(party=Party.PLATFORM, kind=AccountKind.BANK, currency=currency)
        accounts_lock([fee_payable.pk, bank.pk])

        existing = Remittance.objects.filter(
            currency=currency, period_start=period_start, period_end=period_end
        ).first()
        if existing is not None:
            return existing, False
        overlapping = (
            Remittance.objects.filter(
                currency=currency, period_start__lt=period_end, period_end__gt=period_start
            )
            .order_by("period_start")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                {
                    "period_start": ValidationError(
                        _(
                            "The period overlaps %(start)s – %(end)s, already remitted "
                            "(reference %(reference)s)."
                        ),
                        code="overlap",
                        params={
                            "start": overlapping.period_start.isoformat(),
                            "end": overlapping.period_end.isoformat(),
                            "reference": overlapping.bank_reference,
                        },
                    )
                }
            )

        amount = municipal_fees_net(start=period_start, end=period_end, currency=currency)
        if amount <= 0:
            raise ValidationError(
                _("Nothing to remit: the period's net municipal fee is %(amount)s."),
                code="nothing_to_remit",
                params={"amount": format_money(Money(amount, currency))},
            )

        remitted_at = timezone.now()
        ledger_transaction, created = transaction_post(
            key=key,
            kind=TransactionKind.REMITTANCE,
            legs=[Leg(fee_payable, amount), Leg(bank, -amount)],
            memo=f"municipal fees {period_start}..{period_end} remitted, ref {reference}",
            occurred_at=remitted_at,
            metadata={
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "bank_reference": reference,
                "remitted_by": user.pk,
            },
        )
        if not created:
            # A posting under this key with no Remittance row: someone posted it by hand.
            raise ValidationError(
                _("Ledger transaction %(key)s already exists without a remittance record."),
                code="orphan_posting",
                params={"key": key},
            )
        remittance = Remittance.objects.create(
            currency=currency,
            period_start=period_start,
            period_end=period_end,
            amount_minor=amount,
            bank_reference=reference,
            remitted_at=remitted_at,
            remitted_by=user,
            ledger_transaction=ledger_transaction,
            ledger_key=key,
        )
    logger.info(
        "remittance %s: %s %s..%s, %d minor units, ref %s",
        remittance.pk,
        currency,
        period_start,
        period_end,
        amount,
        reference,
    )
    return remittance, True
