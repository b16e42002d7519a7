"""The daily settlement run (beat ``settlement.run``, ``manage.py settle``): release due holds,
post whatever payment events the ledger is missing, build payouts, submit them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from ledger.models import AccountKind
from settlement.models import OPEN_PAYOUT_STATUSES, Payout
from settlement.selectors import holds_due, merchant_orders_capture_posted
from settlement.services.holds import holds_release_due
from settlement.services.payments import _missing_payment_ids, postings_post_missing
from settlement.services.payouts import (
    payout_candidates,
    payout_minimum_minor,
    payouts_build,
    payouts_submit,
)

#: ``progress(step, done, total)``: step is "release", "post", "build" or "submit".
Progress = Callable[[str, int, int], None]

STEPS = ("release", "post", "build", "submit")


@dataclass
class SettlementRunResult:
    now: datetime
    dry_run: bool = False
    released: int = 0
    released_minor: dict[str, int] = field(default_factory=dict)
    holds_waiting: int = 0
    payments_posted: int = 0
    postings_posted: int = 0
    postings_failed: int = 0
    netted: int = 0
    netted_minor: int = 0
    payouts_created: int = 0
    payouts_created_minor: dict[str, int] = field(default_factory=dict)
    payouts_held: int = 0
    payouts_below_minimum: int = 0
    payouts_paid: int = 0
    payouts_paid_minor: dict[str, int] = field(default_factory=dict)
    payouts_failed: int = 0
    payouts_failed_minor: dict[str, int] = field(default_factory=dict)
    payouts_retrying: int = 0


def _step(progress: Progress | None, name: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(name, done, total)


def settlement_run(
    *, now: datetime | None = None, dry_run: bool = False, progress: Progress | None = None
) -> SettlementRunResult:
    """Run the settlement now: release holds due by ``now``, post missing payment postings, net
    and build payouts, submit every created or unanswered payout. Each step handles each item
    in its own transaction. Idempotent: a second run finds nothing more to do (payouts whose
    transfer failed retryably are tried again).

    ``dry_run`` writes nothing and calls no processor: it counts what is due (holds to release and
    their pending amounts, payments with postings missing, payouts that would be created before
    netting) and returns.
    """
    now = now or timezone.now()
    result = SettlementRunResult(now=now, dry_run=dry_run)
    if dry_run:
        return _plan(result, progress)

    released = holds_release_due(now=now, progress=_step(progress, "release"))
    result.released = released.released
    result.released_minor = released.amount_minor or {}
    result.holds_waiting = released.waiting

    posted = postings_post_missing()
    result.payments_posted, result.postings_posted = posted.payments, posted.posted
    result.postings_failed = posted.failed
    if progress is not None:
        progress("post", posted.payments, posted.payments)

    built = payouts_build(now=now, progress=_step(progress, "build"))
    result.netted, result.netted_minor = built.netted, built.netted_minor
    result.payouts_created = len(built.created)
    result.payouts_created_minor = built.created_minor
    result.payouts_held = built.held
    result.payouts_below_minimum = built.below_minimum

    submitted = payouts_submit(progress=_step(progress, "submit"))
    result.payouts_paid, result.payouts_paid_minor = submitted.paid, submitted.paid_minor
    result.payouts_failed, result.payouts_failed_minor = submitted.failed, submitted.failed_minor
    result.payouts_retrying = submitted.retrying
    return result


def _plan(result: SettlementRunResult, progress: Progress | None) -> SettlementRunResult:
    """What a run at ``result.now`` would do, read-only (see ``settlement_run``)."""
    from django.db.models import Sum

    from ledger.models import Account, Entry, Party
    from merchants.models import Merchant

    due = list(holds_due(now=result.now).values_list("currency", "merchant_order_id"))
    posted = merchant_orders_capture_posted(merchant_order_ids=[mo for _c, mo in due])
    pending = dict(
        Entry.objects.filter(merchant_order_id__in=list(posted), account__kind=AccountKind.PENDING)
        .values("merchant_order_id")
        .annotate(total=Sum("amount_minor"))
        .values_list("merchant_order_id", "total")
    )
    for done, (currency, mo) in enumerate(due, start=1):
        if mo in posted:
            result.released += 1
            result.released_minor[currency] = result.released_minor.get(currency, 0) - int(
                pending.get(mo) or 0
            )
        else:
            result.holds_waiting += 1
        if progress is not None:
            progress("release", done, len(due))
    result.payments_posted = len(_missing_payment_ids())
    balances = {
        (merchant_id, currency, kind): balance
        for merchant_id, currency, kind, balance in Account.objects.filter(
            party=Party.MERCHANT
        ).values_list("merchant_id", "currency", "kind", "balance_minor")
    }
    trading = {m.pk: m.is_trading for m in Merchant.objects.all()}
    open_ = set(
        Payout.objects.filter(status__in=OPEN_PAYOUT_STATUSES)
        .exclude(status="held")
        .values_list("merchant_id", "currency")
    )
    candidates = payout_candidates()
    for done, (merchant_id, currency) in enumerate(candidates, start=1):
        available = balances.get((merchant_id, currency, AccountKind.AVAILABLE), 0)
        owed = balances.get((merchant_id, currency, AccountKind.RECEIVABLE), 0)
        balance = available - min(available, owed)
        if not trading.get(merchant_id, False):
            result.payouts_held += balance > 0
        elif (merchant_id, currency) not in open_ and balance > 0:
            if balance >= payout_minimum_minor():
                result.payouts_created += 1
                result.payouts_created_minor[currency] = (
                    result.payouts_created_minor.get(currency, 0) + balance
                )
            else:
                result.payouts_below_minimum += 1
        if progress is not None:
            progress("build", done, len(candidates))
    return result


__all__ = ["STEPS", "SettlementRunResult", "settlement_run"]
