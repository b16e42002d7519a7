"""The daily reconciliation (``CELERY_BEAT_SCHEDULE["reconciliation-daily"]``)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from payments.interface import GatewayError

logger = logging.getLogger(__name__)


@shared_task(name="reconciliation.run_daily", bind=True, max_retries=6)
def run_daily(self, day: str | None = None) -> dict[str, dict[str, int]]:
    """Reconcile ``day`` (ISO date; default yesterday in ``TIME_ZONE``) for every configured
    gateway (``reconciliation_gateways``). Idempotent: rerunning a day replaces its result.

    A gateway the processor could not be read for is retried (backoff 1, 2, 4... min, the whole
    day again: the others rerun harmlessly) when the error is retryable; otherwise its runs
    stay marked failed with the reason and the others go on. Returns, per gateway and currency,
    the counts.
    """
    from reconciliation.services import reconciliation_gateways, reconciliation_run

    target = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    summary: dict[str, dict[str, int]] = {}
    retry: GatewayError | None = None
    for name in reconciliation_gateways():
        try:
            runs = reconciliation_run(gateway_name=name, day=target)
        except GatewayError as exc:
            logger.error("reconciliation of %s on %s failed: %s", name, target, exc)
            if exc.retryable:
                retry = exc
            continue
        for run in runs:
            summary[f"{name}:{run.currency}"] = {
                "matched": run.matched_count,
                "mismatched": run.mismatched_count,
                "ledger_only": run.ledger_only_count,
                "processor_only": run.processor_only_count,
            }
    if retry is not None and self.request.retries < self.max_retries:
        raise self.retry(
            args=[target.isoformat()], countdown=60 * 2**self.request.retries
        ) from retry
    return summary
