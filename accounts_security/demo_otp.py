"""The demo's second factor: every privileged demo user (admin, finance, customs officer) has a
TOTP device with this one published key, so anyone trying the demo can get in.

    make demo-otp                      # prints the current 6-digit code (no database needed)
    python -m accounts_security.demo_otp

Or add the secret it prints to an authenticator app once. Never use this key outside the demo:
`demo_otp_devices_ensure` is called only by `manage.py load_demo`.
"""

from __future__ import annotations

import base64
import sys
import time
from typing import Any, Final

from django_otp.oath import TOTP

#: 20 bytes, "mashhad-otp-demo2026": public, like the demo password.
DEMO_OTP_KEY_HEX: Final = b"mashhad-otp-demo2026".hex()
DEMO_OTP_DEVICE_NAME: Final = "Demo authenticator"
STEP_SECONDS: Final = 30


def demo_otp_secret() -> str:
    """The key in base32, as authenticator apps take it."""
    return base64.b32encode(bytes.fromhex(DEMO_OTP_KEY_HEX)).decode("ascii")


def demo_otp_code(*, at: float | None = None) -> str:
    """The 6-digit code of the demo key at ``at`` (now by default)."""
    totp = TOTP(bytes.fromhex(DEMO_OTP_KEY_HEX), step=STEP_SECONDS, digits=6)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def demo_otp_devices_ensure(*, users: list[Any]) -> tuple[int, int]:
    """Give each of ``users`` a confirmed TOTP device with the demo key (idempotent); return how
    many devices were created and how many changed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    created_count = changed = 0
    for user in users:
        device, created = TOTPDevice.objects.get_or_create(
            user=user,
            name=DEMO_OTP_DEVICE_NAME,
            defaults={"key": DEMO_OTP_KEY_HEX, "confirmed": True, "step": STEP_SECONDS},
        )
        if created:
            created_count += 1
        elif device.key != DEMO_OTP_KEY_HEX or not device.confirmed:
            device.key, device.confirmed = DEMO_OTP_KEY_HEX, True
            device.save(update_fields=["key", "confirmed"])
            changed += 1
    return created_count, changed


def main() -> int:
    now = time.time()
    left = STEP_SECONDS - int(now) % STEP_SECONDS
    sys.stdout.write(
        f"Demo staff two-factor code: {demo_otp_code(at=now)}  (valid {left} s more; each code "
        "works once per user)\n"
        f"Or add this secret to an authenticator app: {demo_otp_secret()}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
