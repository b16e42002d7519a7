"""Writes for staff two-factor login: enrolling a TOTP app and the backup tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup tokens"


def totp_device_pending(*, user: Any) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created with a new random secret when there is none.

    Idempotent: reloading the enrolment page shows the same secret until it is confirmed.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with a code from the app; return fresh backup tokens, or None (nothing
    changed) when the code is wrong.

    On success the user's other unconfirmed TOTP devices are removed and any earlier backup
    tokens are replaced (`backup_tokens_regenerate`). One transaction.
    """
    if not device.verify_token(token.strip()):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        return backup_tokens_regenerate(user=device.user)


def backup_tokens_regenerate(*, user: Any) -> list[str]:
    """Replace the user's backup tokens with ``STAFF_OTP_BACKUP_TOKENS`` new single-use ones and
    return them (shown once; only the device keeps them)."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        tokens = [StaticToken.random_token() for _ in range(settings.STAFF_OTP_BACKUP_TOKENS)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=t) for t in tokens)
    return tokens
