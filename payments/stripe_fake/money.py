"""Refunds, disputes and balance transactions: money leaving or returning after a capture."""

from __future__ import annotations

import copy
from typing import Any

from .errors import invalid_request, resource_missing
from .forms import apply_metadata, check_known, get_amount_within, get_str
from .store import RequestContext, Store

REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
DISPUTE_REASONS = (
    "bank_cannot_process",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
OPEN_DISPUTE = ("needs_response", "under_review", "warning_needs_response", "warning_under_review")


# refunds -----------------------------------------------------------------------------------


def _refundable_charge(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    charge_id = get_str(params, "charge")
    intent_id = get_str(params, "payment_intent")
    if charge_id is None and intent_id is None:
        raise invalid_request(
            "One of the following params should be provided for this request: payment_intent or charge.",
            code="parameter_missing",
        )
    if intent_id is not None:
        intent = store.get("payment_intent", intent_id, param="payment_intent", status=400)
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise invalid_request(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                param="payment_intent",
                code="charge_not_refundable",
            )
        charge = store.get("charge", intent["latest_charge"])
        if charge_id is not None and charge_id != charge["id"]:
            raise invalid_request(
                f"Charge {charge_id} does not belong to PaymentIntent {intent_id}.", param="charge"
            )
        return charge
    charge = store.get("charge", charge_id, param="charge", status=400)
    if charge["status"] != "succeeded" or not charge["captured"]:
        raise invalid_request(
            f"Charge {charge['id']} has not been captured; cancel its PaymentIntent instead.",
            param="charge",
            code="charge_not_refundable",
        )
    return charge


def create_refund(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(
        params,
        {
            "amount",
            "charge",
            "instructions_email",
            "metadata",
            "payment_intent",
            "reason",
            "refund_application_fee",
            "reverse_transfer",
        },
    )
    charge = _refundable_charge(store, params)
    if charge["disputed"] and _open_dispute(store, charge["id"]):
        raise invalid_request(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            param="charge",
            code="charge_disputed",
        )
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        raise invalid_request(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    amount = get_amount_within(
        params,
        remaining=remaining,
        exceeded=f"Refund amount ({{amount}} {charge['currency']}) is greater than unrefunded "
        f"amount on charge ({remaining} {charge['currency']})",
    )
    refund_id = store.new_id("refund")
    txn = store.balance_transaction(
        amount=-amount,
        currency=charge["currency"],
        source=refund_id,
        txn_type="refund",
        reporting_category="refund",
        description="REFUND FOR CHARGE",
    )
    refund = store.build(
        "refund",
        id=refund_id,
        amount=amount,
        balance_transaction=txn["id"],
        charge=charge["id"],
        created=store.now(),
        currency=charge["currency"],
        metadata=apply_metadata({}, params),
        payment_intent=charge["payment_intent"],
        payment_method=charge["payment_method"],
        reason=get_str(params, "reason", choices=REFUND_REASONS),
        status="succeeded",
    )
    refund["destination_details"] = {
        "card": {
            "reference_status": "pending",
            "reference_type": "acquirer_reference_number",
            "type": "refund",
        },
        "type": "card",
    }
    store.add(refund)
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    refunds = charge["refunds"]
    refunds["data"].insert(0, copy.deepcopy(refund))
    refunds["total_count"] = len(refunds["data"])
    store.emit("refund.created", refund, ctx)
    store.emit("charge.refunded", charge, ctx, previous_attributes=previous)
    return refund


def retrieve_refund(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    return store.get("refund", object_id, param="refund")


def update_refund(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    check_known(params, {"metadata"})
    refund = store.get("refund", object_id, param="refund")
    refund["metadata"] = apply_metadata(refund["metadata"], params)
    return refund


def list_refunds(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(
        params, {"charge", "created", "ending_before", "limit", "payment_intent", "starting_after"}
    )
    return store.list_page(
        "refund",
        params,
        "/v1/refunds",
        filters={"charge": "charge", "payment_intent": "payment_intent"},
    )


# disputes ----------------------------------------------------------------------------------


def _open_dispute(store: Store, charge_id: str) -> dict[str, Any] | None:
    for dispute in store.objects["dispute"].values():
        if dispute["charge"] == charge_id and dispute["status"] in OPEN_DISPUTE:
            return dispute
    return None


def dispute_charge(
    store: Store,
    ctx: RequestContext | None,
    charge_id: str,
    *,
    reason: str | None = None,
    amount: int | None = None,
) -> dict[str, Any]:
    """The cardholder's bank opens a dispute: money and a fee are withdrawn, an event is sent.

    Raises 400 when the charge is not captured or is already disputed.
    """
    charge = store.get("charge", charge_id, param="charge")
    if not charge["captured"]:
        raise invalid_request(
            f"Charge {charge_id} is not captured and cannot be disputed.", param="charge"
        )
    if charge["disputed"]:
        raise invalid_request(f"Charge {charge_id} is already disputed.", param="charge")
    reason = reason or store.notes(charge_id).get("dispute_reason") or "fraudulent"
    if reason not in DISPUTE_REASONS:
        raise invalid_request(
            f"Invalid reason: must be one of {', '.join(DISPUTE_REASONS)}", param="reason"
        )
    amount = charge["amount_captured"] - charge["amount_refunded"] if amount is None else amount
    dispute_id = store.new_id("dispute")
    txn = store.balance_transaction(
        amount=-amount,
        currency=charge["currency"],
        source=dispute_id,
        txn_type="adjustment",
        reporting_category="dispute",
        fee=store.dispute_fee,
        fee_description="Dispute fee",
        description=f"Chargeback withdrawal for {charge_id}",
    )
    dispute = store.build(
        "dispute",
        id=dispute_id,
        amount=amount,
        balance_transactions=[copy.deepcopy(txn)],
        charge=charge_id,
        created=store.now(),
        currency=charge["currency"],
        is_charge_refundable=False,
        metadata={},
        payment_intent=charge["payment_intent"],
        reason=reason,
        status="needs_response",
        enhanced_eligibility_types=[],
    )
    dispute["evidence_details"]["due_by"] = store.now() + 7 * 86400
    dispute["payment_method_details"]["card"].update(
        brand=charge["payment_method_details"]["card"]["brand"],
        network=charge["payment_method_details"]["card"]["brand"],
        case_type="chargeback",
    )
    store.add(dispute)
    charge["disputed"] = True
    store.emit("charge.dispute.created", dispute, ctx)
    return dispute


def disputes_pending(store: Store, ctx: RequestContext | None) -> list[dict[str, Any]]:
    """Open the disputes that ``pm_card_createDispute*`` charges were made to receive."""
    opened = []
    for charge in list(store.objects["charge"].values()):
        if (
            charge["captured"]
            and not charge["disputed"]
            and store.notes(charge["id"]).get("dispute_reason")
        ):
            opened.append(dispute_charge(store, ctx, charge["id"]))
    return opened


def close_dispute(
    store: Store, ctx: RequestContext | None, dispute_id: str, *, status: str = "won"
) -> dict[str, Any]:
    """The bank decides: ``won`` returns the disputed amount, ``lost`` keeps it withdrawn."""
    if status not in ("won", "lost"):
        raise invalid_request("Invalid status: must be one of won, lost", param="status")
    dispute = store.get("dispute", dispute_id, param="dispute")
    if dispute["status"] not in OPEN_DISPUTE:
        raise invalid_request(
            f"Dispute {dispute_id} is already closed ({dispute['status']}).", param="dispute"
        )
    previous = {"status": dispute["status"]}
    if status == "won":
        txn = store.balance_transaction(
            amount=dispute["amount"],
            currency=dispute["currency"],
            source=dispute_id,
            txn_type="adjustment",
            reporting_category="dispute_reversal",
            description=f"Chargeback reversal for {dispute['charge']}",
        )
        dispute["balance_transactions"].append(copy.deepcopy(txn))
    dispute["status"] = status
    store.emit("charge.dispute.closed", dispute, ctx, previous_attributes=previous)
    return dispute


def retrieve_dispute(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    return store.get("dispute", object_id, param="dispute")


def accept_dispute(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    """``POST /v1/disputes/{id}/close``: the merchant accepts the dispute, which is then lost."""
    check_known(params, set())
    return close_dispute(store, ctx, object_id, status="lost")


def list_disputes(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(
        params, {"charge", "created", "ending_before", "limit", "payment_intent", "starting_after"}
    )
    return store.list_page(
        "dispute",
        params,
        "/v1/disputes",
        filters={"charge": "charge", "payment_intent": "payment_intent"},
    )


# balance transactions ----------------------------------------------------------------------


def retrieve_balance_transaction(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    return store.get("balance_transaction", object_id, param="id")


def list_balance_transactions(
    store: Store, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    check_known(
        params,
        {
            "created",
            "currency",
            "ending_before",
            "limit",
            "payout",
            "source",
            "starting_after",
            "type",
        },
    )
    if params.get("payout"):
        raise resource_missing("payout", str(params["payout"]), param="payout", status=400)
    return store.list_page(
        "balance_transaction",
        params,
        "/v1/balance_transactions",
        filters={"currency": "currency", "source": "source", "type": "type"},
    )
