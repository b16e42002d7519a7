"""Background work of settlement. Each task takes ids (or nothing), calls one service, and retries
only what is retryable (a processor outage during a payout transfer)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from celery import shared_task

from payments.interface import GatewayError

logger = logging.getLogger(__name__)

#: A payout whose transfer failed retryably is tried again this many times (backoff 1, 2, 4...
#: minutes, at most an hour); after that the next daily run tries again.
PAYOUT_RETRIES = 8


@shared_task(name="settlement.run", ignore_result=True)
def settlement_run() -> dict[str, Any]:
    """Periodic (``SETTLEMENT_PAYOUT_SCHEDULE``): release due holds, post missing postings, build
    and submit payouts (``settlement.services.settlement_run``). Idempotent."""
    from settlement.services import settlement_run as run

    result = asdict(run())
    result["now"] = result["now"].isoformat()
    return result


@shared_task(name="settlement.post_missing", ignore_result=True)
def postings_post_missing() -> dict[str, int]:
    """Periodic: post payment events the ledger is missing
    (``settlement.services.postings_post_missing``). Idempotent."""
    from settlement.services import postings_post_missing as sweep

    return asdict(sweep())


@shared_task(name="settlement.release_due", ignore_result=True)
def holds_release_due() -> int:
    """Periodic: release the holds whose return window (and customs) ended. Idempotent."""
    from settlement.services import holds_release_due as release

    return release().released


@shared_task(
    name="settlement.payout_submit", bind=True, max_retries=PAYOUT_RETRIES, ignore_result=True
)
def payout_submit_retry(self, payout_id: int) -> None:
    """Submit a payout again after a processor outage (same key ``payout:<id>:transfer``, so at
    most one transfer is ever made). Returns at once when the payout is no longer open."""
    from settlement.models import Payout, PayoutStatus
    from settlement.services import payout_submit

    if not Payout.objects.filter(
        pk=payout_id, status__in=[PayoutStatus.CREATED, PayoutStatus.SUBMITTED]
    ).exists():
        return
    try:
        payout_submit(payout_id=payout_id)
    except GatewayError as exc:
        raise self.retry(countdown=min(3600, 60 * 2**self.request.retries)) from exc
