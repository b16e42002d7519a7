"""Writes of the payments domain (see each module's docstring).

- ``lifecycle``: authorise, capture, cancel, expire, refresh; the one place statuses move;
- ``placement``: placing the purchase a payment pays for, the orphan and expiry jobs;
- ``refunds``: per merchant order, whole or chosen lines;
- ``events``: the webhook inbox (ingest, then process from the stored row).
"""

from payments.services.events import (
    provider_event_fail,
    provider_event_handle,
    provider_event_ingest,
)
from payments.services.lifecycle import (
    AuthorizeOutcome,
    basket_thaw_if_abandoned,
    payment_authorize,
    payment_cancel,
    payment_capture,
    payment_expire,
    payment_refresh,
    payment_result_apply,
)
from payments.services.placement import (
    checkout_snapshot,
    payment_capture_quietly,
    payment_complete,
    payment_purchase_place,
    payment_release_unplaced,
    payment_status_sync,
    payments_expire_stale,
    payments_reconcile_orphans,
)
from payments.services.refunds import payment_refund, payment_refund_unplaced, refund_submit

__all__ = [
    "AuthorizeOutcome",
    "basket_thaw_if_abandoned",
    "checkout_snapshot",
    "payment_authorize",
    "payment_cancel",
    "payment_capture",
    "payment_capture_quietly",
    "payment_complete",
    "payment_expire",
    "payment_purchase_place",
    "payment_refresh",
    "payment_refund",
    "payment_refund_unplaced",
    "payment_release_unplaced",
    "payment_result_apply",
    "payment_status_sync",
    "payments_expire_stale",
    "payments_reconcile_orphans",
    "provider_event_fail",
    "provider_event_handle",
    "provider_event_ingest",
    "refund_submit",
]
