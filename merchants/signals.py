"""Signal receivers of the merchants app."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from merchants.models import Merchant
from merchants.selectors import merchant_trading_cache_clear


@receiver(post_save, sender=Merchant, dispatch_uid="merchants.merchant_saved")
@receiver(post_delete, sender=Merchant, dispatch_uid="merchants.merchant_deleted")
def merchant_changed(**kwargs: Any) -> None:
    """Any write of a merchant (services, admin, demo loader) may change who is trading."""
    merchant_trading_cache_clear()
