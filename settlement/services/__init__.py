"""Writes of the settlement domain (see each module's docstring).

- ``payments``: ledger postings driven by payment events (capture, processor fee, refunds,
  disputes), the hook the payments services call, and the sweeper for missed postings;
- ``holds``: holds on merchants' earnings, delivery, customs release, release when due;
- ``payouts``: netting, building, submitting and recording payouts;
- ``run``: the daily settlement run.
"""

from settlement.services.holds import (
    hold_release,
    holds_open,
    holds_release_due,
    merchant_order_delivered,
    merchant_order_status_record,
    settlement_customs_release,
)
from settlement.services.payments import (
    dispute_lost_post,
    dispute_opened_post,
    dispute_won_post,
    payment_capture_post,
    payment_fee_post,
    payment_postings_sync,
    payment_settle_in_transaction,
    postings_post_missing,
    refund_post,
)
from settlement.services.payouts import (
    payout_account_ensure,
    payout_build_one,
    payout_fail,
    payout_paid_record,
    payout_submit,
    payouts_build,
    payouts_submit,
)
from settlement.services.run import SettlementRunResult, settlement_run

__all__ = [
    "SettlementRunResult",
    "dispute_lost_post",
    "dispute_opened_post",
    "dispute_won_post",
    "hold_release",
    "holds_open",
    "holds_release_due",
    "merchant_order_delivered",
    "merchant_order_status_record",
    "payment_capture_post",
    "payment_fee_post",
    "payment_postings_sync",
    "payment_settle_in_transaction",
    "payout_account_ensure",
    "payout_build_one",
    "payout_fail",
    "payout_paid_record",
    "payout_submit",
    "payouts_build",
    "payouts_submit",
    "postings_post_missing",
    "refund_post",
    "settlement_customs_release",
    "settlement_run",
]
