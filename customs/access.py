"""Who may do what in customs.

- Customs officers: active members of the ``roles.CUSTOMS_OFFICER`` group. They alone use the
  workspace at ``/customs/`` (superusers too are refused there: they administer the rules in the
  Django admin). They see declarations, items, documents and risk reasons, never payment data.
- Merchant staff (as Oscar's dashboard defines them): their own merchant's declarations, queries
  and documents, under ``/dashboard/merchant/customs/``.
- Platform administrators (superusers): the rules (admin), the read view of the rules and the
  dead-letter list of failed hook deliveries.
"""

from __future__ import annotations

from typing import Any

from marketplace.core.roles import CUSTOMS_OFFICER


def user_is_customs_officer(user: Any) -> bool:
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    cached = getattr(user, "_customs_officer", None)
    if cached is None:
        cached = user.groups.filter(name=CUSTOMS_OFFICER).exists()
        user._customs_officer = cached
    return bool(cached)


def user_is_platform_admin(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def merchant_ids_of(user: Any) -> list[int]:
    """The merchants whose staff ``user`` is (empty for anyone else)."""
    from merchants.dashboard.access import user_is_merchant_staff
    from merchants.models import Merchant

    if not user_is_merchant_staff(user):
        return []
    return list(Merchant.objects.filter(partner__users=user).values_list("pk", flat=True))
