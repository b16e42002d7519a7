"""Exchange rates for showing prices in the buyer's currency, never for charging.

Prices are stored and charged in the marketplace currency (``OSCAR_DEFAULT_CURRENCY``, IRR in the
demo). A buyer may also see an approximate amount in another currency (``DISPLAY_CURRENCIES``),
worked out from the latest ``ExchangeRate`` of that currency.

A rate row says: from ``effective_at`` on, one unit (major) of ``currency`` is worth ``rate`` units
(major) of ``base_currency``: "1 USD = 1,000,000 IRR" is ``currency="USD"``, ``base_currency="IRR"``,
``rate=Decimal("1000000")``, the way exchange offices quote. The rate is a Decimal with 12 decimal
places and up to 18 integer digits, enough for both directions between rials and any currency
(1 IRR is about 0.000000870000 EUR, 1 KWD about 3,300,000 IRR). Rows are appended, not
edited: each refresh or admin entry adds a row, the newest effective one wins, and the history
stays (also audited by pghistory, with the admin user who wrote it).
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RATE_MAX_DIGITS = 30
RATE_DECIMAL_PLACES = 12

_CODE = RegexValidator(r"^[A-Z]{3}$", _("Enter an upper-case ISO 4217 code such as USD."))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ExchangeRate(models.Model):
    """One unit of ``currency`` is worth ``rate`` units of ``base_currency`` from ``effective_at``."""

    currency = models.CharField(_("Currency"), max_length=3, validators=[_CODE])
    base_currency = models.CharField(
        _("Worth, in"),
        max_length=3,
        validators=[_CODE],
        help_text=_("The marketplace currency."),
    )
    rate = models.DecimalField(
        _("Rate"),
        max_digits=RATE_MAX_DIGITS,
        decimal_places=RATE_DECIMAL_PLACES,
        validators=[MinValueValidator(Decimal("0.000000000001"))],
        help_text=_("How many units of the marketplace currency one unit of the currency buys."),
    )
    effective_at = models.DateTimeField(
        _("Effective from"),
        default=timezone.now,
        help_text=_("When the source quoted this rate; its age decides whether it is stale."),
    )
    source = models.CharField(_("Source"), max_length=255)
    illustrative = models.BooleanField(
        _("Illustrative"),
        default=False,
        help_text=_("Example data (the demo's), not a real quote."),
    )
    fetched_at = models.DateTimeField(_("Recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Recorded by"),
    )

    class Meta:
        ordering = ("currency", "-effective_at", "-pk")
        verbose_name = _("Exchange rate")
        verbose_name_plural = _("Exchange rates")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="currencies_rate_positive"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$") & Q(base_currency__regex=r"^[A-Z]{3}$"),
                name="currencies_rate_codes_iso",
            ),
            models.CheckConstraint(
                condition=~Q(currency=F("base_currency")),
                name="currencies_rate_not_to_itself",
            ),
            models.UniqueConstraint(
                fields=["currency", "base_currency", "effective_at"],
                name="currencies_rate_one_per_moment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["base_currency", "currency", "-effective_at"],
                name="currencies_rate_latest",
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate.normalize():f} {self.base_currency}"
