"""Charges and PaymentMethods: what a confirmation creates, and the outcome a test card gives.

An authorisation creates a charge (captured at once, or later with ``capture_method=manual``);
a capture adds its ``balance_transaction`` with Stripe's fee and the net. A decline creates a
failed charge, puts ``last_payment_error`` on the PaymentIntent and answers 402.
"""

from __future__ import annotations

import copy
from typing import Any

from .cards import TEST_CARDS, TestCard
from .errors import StripeFakeError, resource_missing
from .forms import check_known
from .store import RequestContext, Store

# payment methods -----------------------------------------------------------------------------


def resolve_payment_method(store: Store, value: str) -> dict[str, Any]:
    """A test token (``pm_card_visa``) becomes a new PaymentMethod; a ``pm_`` id must exist."""
    card = TEST_CARDS.get(value)
    if card is None:
        existing = store.objects["payment_method"].get(value)
        if existing is None:
            raise resource_missing("PaymentMethod", value, param="payment_method", status=400)
        return existing
    method = store.build("payment_method", id=store.new_id("payment_method"), created=store.now())
    method["metadata"] = {}
    method["billing_details"]["email"] = None
    method["billing_details"]["phone"] = None
    method["card"].update(
        brand=card.brand,
        display_brand=card.brand,
        last4=card.last4,
        funding=card.funding,
        fingerprint=store.token("fp", 14),
        wallet=None,
    )
    method["card"]["networks"] = {"available": [card.brand], "preferred": None}
    store.notes(method["id"])["card"] = value
    return store.add(method)


def card_for(store: Store, payment_method_id: str) -> TestCard:
    return TEST_CARDS[store.notes(payment_method_id)["card"]]


def retrieve_payment_method(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    return store.get("payment_method", object_id, param="payment_method")


def new_charge(
    store: Store, intent: dict[str, Any], card: TestCard, **fields: Any
) -> dict[str, Any]:
    charge_id = store.new_id("charge")
    charge = store.build(
        "charge",
        id=charge_id,
        amount=intent["amount"],
        amount_captured=0,
        amount_refunded=0,
        application_fee_amount=intent["application_fee_amount"],
        balance_transaction=None,
        calculated_statement_descriptor="MASHHAD E-CITY",
        captured=False,
        created=store.now(),
        currency=intent["currency"],
        customer=intent["customer"],
        description=intent["description"],
        disputed=False,
        metadata=copy.deepcopy(intent["metadata"]),
        on_behalf_of=intent["on_behalf_of"],
        payment_intent=intent["id"],
        payment_method=intent["payment_method"],
        receipt_email=intent["receipt_email"],
        receipt_url=None,
        refunded=False,
        refunds={
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/charges/{charge_id}/refunds",
        },
        source=None,
        transfer_data=None,
        transfer_group=intent["transfer_group"],
    )
    charge["billing_details"]["name"] = None
    details = charge["payment_method_details"]["card"]
    details.update(
        brand=card.brand, network=card.brand, last4=card.last4, funding=card.funding, wallet=None
    )
    details["overcapture"]["maximum_amount_capturable"] = intent["amount"]
    charge.update(fields)
    store.notes(charge_id)["card"] = store.notes(intent["payment_method"])["card"]
    return store.add(charge)


def decline(
    store: Store,
    ctx: RequestContext,
    intent: dict[str, Any],
    card: TestCard,
    *,
    code: str | None = None,
    decline_code: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    code = code or card.code or "card_declined"
    decline_code = decline_code or card.decline_code
    message = message or card.message or "Your card was declined."
    charge = new_charge(
        store,
        intent,
        card,
        status="failed",
        paid=False,
        failure_code=code,
        failure_message=message,
        outcome={
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "declined_by_network",
            "reason": decline_code,
            "risk_level": "normal",
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined",
        },
    )
    method = copy.deepcopy(store.get("payment_method", intent["payment_method"]))
    error = StripeFakeError(402, "card_error", message, code=code, decline_code=decline_code)
    error_fields = {key: value for key, value in error.body()["error"].items()}
    intent.update(
        status="requires_payment_method",
        payment_method=None,
        latest_charge=charge["id"],
        next_action=None,
        last_payment_error={**error_fields, "charge": charge["id"], "payment_method": method},
    )
    store.emit("charge.failed", charge, ctx)
    store.emit("payment_intent.payment_failed", intent, ctx)
    error.extra.update(
        charge=charge["id"], payment_intent=copy.deepcopy(intent), payment_method=method
    )
    raise error


def authorize(
    store: Store, ctx: RequestContext, intent: dict[str, Any], card: TestCard
) -> dict[str, Any]:
    charge = new_charge(
        store,
        intent,
        card,
        status="succeeded",
        paid=True,
        failure_code=None,
        failure_message=None,
        outcome={
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
    )
    intent.update(latest_charge=charge["id"], next_action=None)
    if card.outcome == "dispute":
        store.notes(charge["id"])["dispute_reason"] = card.dispute_reason
    if intent["capture_method"] == "manual":
        intent.update(status="requires_capture", amount_capturable=intent["amount"])
        store.emit("charge.succeeded", charge, ctx)
        store.emit("payment_intent.amount_capturable_updated", intent, ctx)
        return intent
    capture_charge(store, charge, intent["amount"])
    intent.update(status="succeeded", amount_received=intent["amount"], amount_capturable=0)
    store.emit("charge.succeeded", charge, ctx)
    store.emit("payment_intent.succeeded", intent, ctx)
    return intent


def capture_charge(store: Store, charge: dict[str, Any], amount: int) -> None:
    fee = store.fee_for(amount)
    txn = store.balance_transaction(
        amount=amount,
        currency=charge["currency"],
        source=charge["id"],
        txn_type="charge",
        reporting_category="charge",
        fee=fee,
        description=charge["description"],
    )
    charge.update(captured=True, amount_captured=amount, balance_transaction=txn["id"])


# charges ------------------------------------------------------------------------------------


def retrieve_charge(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    return store.get("charge", object_id, param="charge")


def list_charges(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(
        params,
        {
            "created",
            "customer",
            "ending_before",
            "limit",
            "payment_intent",
            "starting_after",
            "transfer_group",
        },
    )
    return store.list_page(
        "charge",
        params,
        "/v1/charges",
        filters={
            "customer": "customer",
            "payment_intent": "payment_intent",
            "transfer_group": "transfer_group",
        },
    )
