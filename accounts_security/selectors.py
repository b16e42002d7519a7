"""Reads for the security pages."""

from __future__ import annotations

from typing import Any

from django_otp import devices_for_user


def user_has_otp_device(*, user: Any) -> bool:
    """Whether ``user`` has a confirmed second-factor device (TOTP app or backup tokens)."""
    return any(True for _device in devices_for_user(user, confirmed=True))
