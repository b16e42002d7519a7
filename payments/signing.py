"""Signing and verifying webhook bodies the Standard Webhooks way (https://www.standardwebhooks.com).

Headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, space-separated when several). The
``standardwebhooks`` package is not installed, so this is the same scheme in a few lines of
``hmac``; a body signed here verifies with that library and the other way round.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

from payments.interface import InvalidRequest

#: Events older or newer than this (seconds) are refused: a replayed body is useless.
TOLERANCE_SECONDS = 5 * 60


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except ValueError:
            pass
    return secret.encode()


def _signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    message = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers_sign(
    *, secret: str, msg_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The three headers that make ``body`` verifiable with ``secret``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": _signature(secret, msg_id, timestamp, body),
    }


def headers_verify(
    *, secret: str, body: bytes, headers: Mapping[str, str], now: float | None = None
) -> str:
    """Check the signature and freshness of ``body``; return the message id.

    Raises ``InvalidRequest`` (retrying will not help) when a header is missing, the timestamp is
    outside the tolerance, or no signature matches. Constant-time comparison.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    raw_timestamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not (msg_id and raw_timestamp and signatures):
        raise InvalidRequest("webhook headers missing")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise InvalidRequest("webhook timestamp is not a number") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise InvalidRequest("webhook timestamp outside the tolerance (stale or replayed)")
    expected = _signature(secret, msg_id, timestamp, body)
    for candidate in signatures.split():
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return msg_id
    raise InvalidRequest("webhook signature does not match")
