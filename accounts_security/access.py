"""Who must verify a second factor, and where.

Superusers, ``is_staff`` users and members of the Customs officers, Municipal finance and
Municipal staff groups (`marketplace.core.roles`) must have verified a TOTP code or a backup token
in this session before any page under `OTP_PROTECTED_PREFIXES`, while ``STAFF_OTP_REQUIRED`` is on.
Merchant staff and customers are never required to.
"""

from __future__ import annotations

from typing import Any, Final

from marketplace.core.roles import CUSTOMS_OFFICER, MUNICIPAL_FINANCE, MUNICIPAL_STAFF

OTP_REQUIRED_GROUPS: Final = (CUSTOMS_OFFICER, MUNICIPAL_FINANCE, MUNICIPAL_STAFF)
OTP_PROTECTED_PREFIXES: Final = (
    "/admin/",
    "/dashboard/",
    "/finance/",
    "/customs/",
    "/merchants/review/",
)
# Reachable without a second factor: leaving, and machine-to-machine callbacks (no session).
OTP_EXEMPT_PREFIXES: Final = ("/admin/logout/", "/customs/hooks/")


def user_requires_otp(user: Any) -> bool:
    """Whether ``user`` (signed in) must verify a second factor before staff pages."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.is_staff:
        return True
    cached = getattr(user, "_otp_required", None)
    if cached is None:
        cached = user.groups.filter(name__in=OTP_REQUIRED_GROUPS).exists()
        user._otp_required = cached
    return bool(cached)


def path_requires_otp(path: str) -> bool:
    """Whether ``path`` is a staff page behind the second factor."""
    if path.startswith(OTP_EXEMPT_PREFIXES):
        return False
    return path.startswith(OTP_PROTECTED_PREFIXES)
