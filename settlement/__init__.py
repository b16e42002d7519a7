"""Settlement: from captured money to merchants' payouts, through the ledger (issue #5).

- ``settlement.postings``: the posting contract of a capture (``capture_parts``,
  ``capture_legs``, ``AccountBook``), shared with the bulk poster of the benchmark;
- ``settlement.services.payments``: capture, processor fee, refund and dispute postings, made in
  the same database transaction as the payment event that implies them (hooks in
  ``payments.services``), with the sweeper ``settlement.post_missing`` for any that could not be;
- ``settlement.services.holds``: a merchant order's earnings held until delivery plus
  ``SETTLEMENT_HOLD_DAYS`` (and customs, for cross-border orders), then released;
- ``settlement.services.payouts``: netting, payouts and their transfers, crash-safe;
- ``settlement.services.run``: the daily run (beat ``settlement.run``, ``manage.py settle``).
"""
