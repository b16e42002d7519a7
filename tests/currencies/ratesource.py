"""A real local HTTP server standing in for the rates source: answers each GET with the scripted
status and body (optionally after a delay)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class RatesSource:
    def __init__(self, body: bytes | str = b"{}", status: int = 200, delay: float = 0.0) -> None:
        self.body = body.encode() if isinstance(body, str) else body
        self.status = status
        self.delay = delay
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> RatesSource:
        source = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                source.requests += 1
                if source.delay:
                    time.sleep(source.delay)
                try:
                    self.send_response(source.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(source.body)))
                    self.end_headers()
                    self.wfile.write(source.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/latest"
