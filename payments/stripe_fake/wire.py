"""Writing HTTP responses for the fake's handlers."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

JSON = "application/json"


def respond(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    *,
    content_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> None:
    """Write one whole response; a client that already gave up (timeout) is not an error."""
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def dump(body: Any) -> bytes:
    return json.dumps(body, indent=2).encode()
