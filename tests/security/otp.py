"""Test helper: sign a user in with a verified second factor, as after the verify page.

    from tests.security.otp import otp_verify_client
    otp_verify_client(client, user)   # client is logged in and OTP-verified

Works whether or not ``STAFF_OTP_REQUIRED`` is on (tests turn it on with the `settings` fixture).
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def otp_device_for(user: Any) -> TOTPDevice:
    """The user's confirmed TOTP device, created when missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    return device


def totp_now(device: TOTPDevice) -> str:
    """The device's current 6-digit code, as the phone app would show it."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def otp_verify_client(client: Client, user: Any) -> TOTPDevice:
    """Log ``client`` in as ``user`` and mark its session verified with the user's TOTP device
    (the session key `django_otp.login` sets)."""
    device = otp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
