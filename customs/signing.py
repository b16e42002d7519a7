"""Standard Webhooks signatures (https://www.standardwebhooks.com), through the
``standardwebhooks`` library: HMAC-SHA256 over ``<webhook-id>.<webhook-timestamp>.<body>`` with a
``whsec_``-prefixed base64 secret, sent as ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: v1,<base64>`` headers. Verification allows 5 minutes of clock skew either way.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from customs.exceptions import SignatureInvalid

TOLERANCE_SECONDS = 5 * 60


def secret_generate() -> str:
    """A new signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signed_headers(
    *, secret: str, message_id: str, body: str, at: datetime | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (the exact text sent) signed now (or at
    ``at``, for tests of stale timestamps)."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=moment, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }


def verify(*, secret: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """Verify ``body`` (the raw request body) against the headers; return the parsed JSON.

    Raises ``SignatureInvalid`` with the reason (missing headers, timestamp outside the 5-minute
    tolerance, no matching signature, body not JSON).
    """
    if not secret:
        raise SignatureInvalid("no signing secret configured")
    wanted = {"webhook-id", "webhook-timestamp", "webhook-signature"}
    lowered = {key.lower(): value for key, value in headers.items() if key.lower() in wanted}
    try:
        payload = Webhook(secret).verify(body, lowered)
    except WebhookVerificationError as exc:
        raise SignatureInvalid(str(exc)) from exc
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        # Malformed signature header ("v1" without a comma, bad base64) or a non-UTF-8 body.
        raise SignatureInvalid(f"malformed signature or body: {exc}") from exc
    if not isinstance(payload, dict):
        raise SignatureInvalid("the body is not a JSON object")
    return payload
