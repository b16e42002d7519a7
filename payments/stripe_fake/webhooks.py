"""Signed webhook delivery, as Stripe signs it, with the controls tests need.

Each event is POSTed as JSON with ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>.<payload>" keyed by the endpoint secret>``, which ``stripe.Webhook.construct_event``
accepts. Delivery is ``immediate`` (a background thread sends events in order, shortly after
the API call that caused them, as Stripe does) or ``queue`` (held until ``deliver_pending``,
which can shuffle and duplicate them, as Stripe's at-least-once, unordered delivery may).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import queue
import random
import threading
import time
import urllib.error
import urllib.request
from typing import Any

MODES = ("immediate", "queue")
SIGNATURES = ("valid", "bad", "stale", "missing")
STALE_SECONDS = 600  # beyond the SDK's default tolerance of 300 seconds


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    """Stripe's ``Stripe-Signature`` header for ``payload`` signed with ``secret``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookDispatcher:
    """Sends events to one endpoint and records every attempt in ``deliveries``.

    A failed attempt (non-2xx or connection error) is recorded, not retried: a test resends
    with ``send``. Thread-safe.
    """

    def __init__(self, *, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self.url: str | None = None
        self.secret: str | None = None
        self.mode = "immediate"
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self._deliveries: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._generation = 0  # bumped by reset(): a send in flight then is not recorded

    @property
    def configured(self) -> bool:
        return bool(self.url and self.secret)

    def configure(self, url: str | None, secret: str | None, *, mode: str = "immediate") -> None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook url must be http(s): {url!r}")
        self.set_mode(mode)
        self.url, self.secret = url, secret

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode

    def reset(self) -> None:
        with self._lock:
            self._generation += 1
            self.url = self.secret = None
            self.mode = "immediate"
            self._pending.clear()
            self._deliveries.clear()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()

    def enqueue(self, event: dict[str, Any]) -> None:
        """Called under the store lock for each new event: never blocks on the network."""
        if not self.configured:
            return
        if self.mode == "queue":
            with self._lock:
                self._pending.append(event)
            return
        self._ensure_worker()
        self._queue.put(event)

    @property
    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._pending)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._deliveries)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until immediate-mode deliveries queued so far have been attempted."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def deliver_pending(
        self, *, shuffle: bool = True, duplicate: float = 0.0, seed: int | None = None
    ) -> list[dict[str, Any]]:
        """Send queued events now; ``duplicate`` is the chance each is also sent a second time."""
        with self._lock:
            batch, self._pending = list(self._pending), []
        rng = random.Random(seed)
        batch += [event for event in list(batch) if rng.random() < duplicate]
        if shuffle:
            rng.shuffle(batch)
        return [self.send(event) for event in batch]

    def send(
        self, event: dict[str, Any], *, signature: str = "valid", url: str | None = None
    ) -> dict[str, Any]:
        """POST one event now, signed correctly or with a ``bad``/``stale``/``missing`` signature."""
        if signature not in SIGNATURES:
            raise ValueError(f"signature must be one of {SIGNATURES}, not {signature!r}")
        generation = self._generation
        target = url or self.url
        secret = self.secret or ""
        if not target:
            raise ValueError("no webhook url configured")
        payload = json.dumps(event, indent=2)
        now = int(time.time())
        header = {
            "valid": signature_header(payload, secret, now),
            "bad": signature_header(payload, secret + "_not_the_secret", now),
            "stale": signature_header(payload, secret, now - STALE_SECONDS),
            "missing": None,
        }[signature]
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        if header is not None:
            headers["Stripe-Signature"] = header
        record: dict[str, Any] = {
            "event_id": event["id"],
            "type": event["type"],
            "signature": signature,
            "header": header,
            "status": None,
            "error": None,
            "at": time.time(),
        }
        # http(s) only: configure() checks the scheme; the endpoint is the test's own.
        request = urllib.request.Request(target, payload.encode(), headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                record["status"] = response.status
        except urllib.error.HTTPError as error:
            record["status"] = error.code
        except OSError as error:
            record["error"] = f"{type(error).__name__}: {error}"
        with self._lock:
            if generation == self._generation:
                self._deliveries.append(record)
        return record

    def stop(self) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout=self.timeout + 1)
            self._worker = None

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._work, name="stripe-fake-webhooks", daemon=True
            )
            self._worker.start()

    def _work(self) -> None:
        while True:
            event = self._queue.get()
            try:
                if event is None:
                    return
                if self.configured:
                    self.send(event)
            finally:
                self._queue.task_done()
