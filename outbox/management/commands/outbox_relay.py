"""``manage.py outbox_relay``: publish pending outbox messages to the broker, forever or --once.

Runs as its own process (Procfile ``relay``) rather than as a Celery beat task, because it is what
recovers work queued while the broker was down, and beat cannot run without the broker. Several
relays may run at once (rows are claimed with SKIP LOCKED). Sent rows older than
``OUTBOX_RETENTION_DAYS`` are pruned every ``--prune-every`` seconds.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from outbox.services import outbox_prune, outbox_relay_run_once


class Command(BaseCommand):
    help = "Publish pending outbox messages to the Celery broker (a long-running loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Publish everything due now, then exit (status 1 if a publish failed).",
        )
        parser.add_argument("--batch-size", type=int, default=100, help="Rows per pass (100).")
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to sleep when nothing is due (1.0).",
        )
        parser.add_argument(
            "--prune-every",
            type=float,
            default=3600.0,
            help="Seconds between prunings of old sent rows (3600; 0 disables).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1")
            raise SystemExit(2)
        if options["once"]:
            self._drain(batch_size)
            return
        self._stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        interval: float = options["interval"]
        prune_every: float = options["prune_every"]
        next_prune = time.monotonic() + 60 if prune_every else float("inf")
        self.stdout.write(f"outbox relay: publishing pending messages every {interval} s")
        while not self._stopping:
            try:
                result = outbox_relay_run_once(batch_size=batch_size)
                if result.sent:
                    self.stdout.write(f"outbox relay: published {result.sent}")
                if prune_every and time.monotonic() >= next_prune:
                    pruned = outbox_prune()
                    if pruned:
                        self.stdout.write(f"outbox relay: pruned {pruned} sent rows")
                    next_prune = time.monotonic() + prune_every
            except Exception as exc:  # the relay outlives database blips
                self.stderr.write(f"outbox relay: pass failed, retrying: {exc}")
                close_old_connections()
                result = None
                self._sleep(max(interval, 1.0))
                continue
            finally:
                close_old_connections()
            if result.sent < batch_size or result.failed:
                self._sleep(interval)
        self.stdout.write("outbox relay: stopped")

    def _drain(self, batch_size: int) -> None:
        total = 0
        while True:
            result = outbox_relay_run_once(batch_size=batch_size)
            total += result.sent
            if result.failed:
                self.stderr.write(f"outbox relay: published {total}; the broker refused one")
                raise SystemExit(1)
            if result.sent < batch_size:
                break
        self.stdout.write(f"outbox relay: published {total}")

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))

    def _stop(self, *_args: Any) -> None:
        self._stopping = True
