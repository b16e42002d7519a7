"""PaymentIntents: create, retrieve, update, confirm, 3D Secure, capture, cancel, list.

Status follows Stripe's lifecycle: ``requires_payment_method`` → ``requires_confirmation`` →
(``requires_action``) → ``requires_capture`` (``capture_method=manual``) → ``succeeded``, or
``canceled``. A decline leaves the PaymentIntent in ``requires_payment_method`` with
``last_payment_error`` and a failed charge, then answers 402.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from .cards import AUTHENTICATION_FAILED, AUTHENTICATION_REQUIRED
from .charges import authorize, capture_charge, card_for, decline, resolve_payment_method
from .errors import (
    StripeFakeError,
    invalid_request,
    parameter_missing,
    unexpected_state,
)
from .forms import (
    apply_metadata,
    check_known,
    get_bool,
    get_currency,
    get_dict,
    get_int,
    get_list,
    get_str,
    get_url,
)
from .store import RequestContext, Store

CAPTURE_METHODS = ("automatic", "automatic_async", "manual")
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
_CONFIRM_PARAMS = {
    "error_on_requires_action",
    "mandate_data",
    "off_session",
    "payment_method",
    "payment_method_options",
    "payment_method_types",
    "receipt_email",
    "return_url",
    "setup_future_usage",
    "shipping",
    "use_stripe_sdk",
    "capture_method",
}
_CREATE_PARAMS = _CONFIRM_PARAMS | {
    "amount",
    "application_fee_amount",
    "automatic_payment_methods",
    "confirm",
    "confirmation_method",
    "currency",
    "customer",
    "description",
    "metadata",
    "on_behalf_of",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_data",
    "transfer_group",
}
_UPDATE_PARAMS = {
    "amount",
    "application_fee_amount",
    "capture_method",
    "currency",
    "customer",
    "description",
    "metadata",
    "payment_method",
    "payment_method_types",
    "receipt_email",
    "setup_future_usage",
    "shipping",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_data",
    "transfer_group",
}
_MONEY_FIELDS = ("amount", "currency", "payment_method", "capture_method", "payment_method_types")


# payment intents -----------------------------------------------------------------------------


def _transfer_data(params: dict[str, Any]) -> dict[str, Any] | None:
    given = get_dict(params, "transfer_data")
    if given is None:
        return None
    data: dict[str, Any] = {"destination": get_str(given, "destination", required=True)}
    if "amount" in given:
        data["amount"] = get_int(given, "amount", minimum=1)
    return data


def create(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(params, _CREATE_PARAMS)
    amount = get_int(params, "amount", required=True, minimum=1)
    currency = get_currency(params)
    capture_method = get_str(params, "capture_method", choices=CAPTURE_METHODS, default="automatic")
    payment_method_types = get_list(params, "payment_method_types")
    automatic = get_dict(params, "automatic_payment_methods")
    if automatic is not None:
        automatic = {
            "enabled": get_bool(automatic, "enabled"),
            **{k: v for k, v in automatic.items() if k != "enabled"},
        }
    elif payment_method_types is None:
        automatic = {"enabled": True, "allow_redirects": "always"}
    return_url = get_url(params, "return_url")
    confirm_now = get_bool(params, "confirm")
    if confirm_now and not params.get("payment_method"):
        raise parameter_missing("payment_method")
    pi_id = store.new_id("payment_intent")
    intent = store.build(
        "payment_intent",
        id=pi_id,
        amount=amount,
        amount_capturable=0,
        amount_received=0,
        application_fee_amount=get_int(params, "application_fee_amount", minimum=0),
        automatic_payment_methods=automatic,
        canceled_at=None,
        capture_method=capture_method,
        client_secret=f"{pi_id}_secret_{store.token('', 25)}",
        confirmation_method=get_str(
            params, "confirmation_method", choices=("automatic", "manual"), default="automatic"
        ),
        created=store.now(),
        currency=currency,
        customer=get_str(params, "customer"),
        description=get_str(params, "description"),
        last_payment_error=None,
        latest_charge=None,
        metadata=apply_metadata({}, params),
        next_action=None,
        on_behalf_of=get_str(params, "on_behalf_of"),
        payment_method=None,
        payment_method_configuration_details=None,
        payment_method_options={},
        payment_method_types=payment_method_types or ["card"],
        processing=None,
        receipt_email=get_str(params, "receipt_email"),
        setup_future_usage=get_str(params, "setup_future_usage"),
        shipping=get_dict(params, "shipping"),
        statement_descriptor=get_str(params, "statement_descriptor"),
        statement_descriptor_suffix=get_str(params, "statement_descriptor_suffix"),
        status="requires_payment_method",
        transfer_data=_transfer_data(params),
        transfer_group=get_str(params, "transfer_group"),
        managed_payments={"enabled": False},
    )
    if params.get("payment_method"):
        method = resolve_payment_method(store, get_str(params, "payment_method", required=True))
        intent.update(payment_method=method["id"], status="requires_confirmation")
    store.notes(pi_id)["return_url"] = return_url
    store.add(intent)
    store.emit("payment_intent.created", intent, ctx)
    if confirm_now:
        confirm_params = {key: value for key, value in params.items() if key in _CONFIRM_PARAMS}
        confirm_params.pop("payment_method", None)
        confirm_params.pop("capture_method", None)
        return _confirm(store, ctx, intent, confirm_params)
    return intent


def retrieve(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    check_known(params, {"client_secret"})
    return store.get("payment_intent", object_id, param="intent")


def list_(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(params, {"created", "customer", "ending_before", "limit", "starting_after"})
    return store.list_page(
        "payment_intent", params, "/v1/payment_intents", filters={"customer": "customer"}
    )


def update(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    """Validate every parameter first, then apply them all: a 400 changes nothing."""
    check_known(params, _UPDATE_PARAMS)
    intent = store.get("payment_intent", object_id, param="intent")
    touches_money = [name for name in _MONEY_FIELDS if name in params]
    if touches_money and intent["status"] not in CONFIRMABLE:
        raise unexpected_state(
            f"You cannot update this PaymentIntent's {touches_money[0]} because it has a status "
            f"of {intent['status']}.",
            payment_intent=copy.deepcopy(intent),
        )
    changes: dict[str, Any] = {"metadata": apply_metadata(intent["metadata"], params)}
    if "amount" in params:
        changes["amount"] = get_int(params, "amount", required=True, minimum=1)
    if "currency" in params:
        changes["currency"] = get_currency(params)
    if "capture_method" in params:
        changes["capture_method"] = get_str(params, "capture_method", choices=CAPTURE_METHODS)
    if "payment_method_types" in params:
        changes["payment_method_types"] = get_list(params, "payment_method_types") or ["card"]
    for name in (
        "description",
        "receipt_email",
        "customer",
        "setup_future_usage",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "transfer_group",
    ):
        if name in params:
            changes[name] = get_str(params, name)
    if "application_fee_amount" in params:
        changes["application_fee_amount"] = get_int(params, "application_fee_amount", minimum=0)
    if "shipping" in params:
        changes["shipping"] = get_dict(params, "shipping")
    if "transfer_data" in params:
        changes["transfer_data"] = _transfer_data(params)
    if params.get("payment_method"):
        method = resolve_payment_method(store, get_str(params, "payment_method", required=True))
        changes["payment_method"] = method["id"]
        if intent["status"] == "requires_payment_method":
            changes["status"] = "requires_confirmation"
    intent.update(changes)
    return intent


def confirm(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    check_known(params, _CONFIRM_PARAMS)
    intent = store.get("payment_intent", object_id, param="intent")
    return _confirm(store, ctx, intent, params)


def _confirm(
    store: Store, ctx: RequestContext, intent: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any]:
    """Confirm with the card's outcome. Raises 400 (nothing changed) or 402 (attempt recorded)."""
    if intent["status"] not in CONFIRMABLE:
        raise unexpected_state(
            f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}. "
            "Only a PaymentIntent with one of the following statuses may be confirmed: "
            "requires_confirmation, requires_payment_method, requires_action.",
            payment_intent=copy.deepcopy(intent),
        )
    if not params.get("payment_method") and not intent["payment_method"]:
        raise parameter_missing("payment_method")
    changes: dict[str, Any] = {
        name: get_str(params, name)
        for name in ("receipt_email", "setup_future_usage")
        if name in params
    }
    if "capture_method" in params:
        changes["capture_method"] = get_str(params, "capture_method", choices=CAPTURE_METHODS)
    return_url = get_url(params, "return_url")
    off_session = get_bool(params, "off_session") or get_bool(params, "error_on_requires_action")
    if params.get("payment_method"):
        method = resolve_payment_method(store, get_str(params, "payment_method", required=True))
        changes["payment_method"] = method["id"]
    intent.update(changes, last_payment_error=None)
    if return_url:
        store.notes(intent["id"])["return_url"] = return_url
    card = card_for(store, intent["payment_method"])
    if card.outcome == "authenticate":
        if off_session:
            return decline(
                store,
                ctx,
                intent,
                card,
                code="authentication_required",
                decline_code="authentication_required",
                message=AUTHENTICATION_REQUIRED,
            )
        return _require_action(store, ctx, intent)
    if card.outcome == "decline":
        return decline(store, ctx, intent, card)
    return authorize(store, ctx, intent, card)


def _require_action(store: Store, ctx: RequestContext, intent: dict[str, Any]) -> dict[str, Any]:
    return_url = store.notes(intent["id"]).get("return_url")
    intent["status"] = "requires_action"
    intent["next_action"] = {
        "type": "redirect_to_url",
        "redirect_to_url": {
            "url": f"{ctx.base_url}/fake/3ds/{intent['id']}",
            "return_url": return_url,
        },
    }
    store.emit("payment_intent.requires_action", intent, ctx)
    return intent


def complete_authentication(
    store: Store, ctx: RequestContext, intent_id: str, *, approve: bool
) -> dict[str, Any]:
    """The 3D Secure challenge's result: approve continues the confirmation, fail reverts it.

    Idempotent on a PaymentIntent that is no longer ``requires_action`` (a second visit to the
    challenge page does nothing). A card that declines after authentication leaves the failed
    charge and ``last_payment_error`` exactly as a direct decline does, without raising.
    """
    intent = store.get("payment_intent", intent_id, param="intent")
    if intent["status"] != "requires_action":
        return intent
    intent["next_action"] = None
    card = card_for(store, intent["payment_method"])
    if not approve:
        method = copy.deepcopy(store.get("payment_method", intent["payment_method"]))
        intent.update(status="requires_payment_method", payment_method=None)
        intent["last_payment_error"] = {
            "type": "invalid_request_error",
            "code": "payment_intent_authentication_failure",
            "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
            "message": AUTHENTICATION_FAILED,
            "payment_method": method,
        }
        store.emit("payment_intent.payment_failed", intent, ctx)
        return intent
    if card.decline_code:
        # The customer is redirected back: the decline is on the PaymentIntent and in events.
        with contextlib.suppress(StripeFakeError):
            decline(store, ctx, intent, card)
        return intent
    return authorize(store, ctx, intent, card)


def capture(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    check_known(
        params,
        {
            "amount_to_capture",
            "application_fee_amount",
            "final_capture",
            "metadata",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "transfer_data",
        },
    )
    intent = store.get("payment_intent", object_id, param="intent")
    if intent["status"] != "requires_capture":
        raise unexpected_state(
            f"This PaymentIntent could not be captured because it has a status of {intent['status']}. "
            "Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
            payment_intent=copy.deepcopy(intent),
        )
    amount = get_int(params, "amount_to_capture", minimum=1)
    amount = intent["amount_capturable"] if amount is None else amount
    if amount > intent["amount_capturable"]:
        raise invalid_request(
            "The amount_to_capture must be less than or equal to the amount_capturable "
            f"({intent['amount_capturable']}).",
            param="amount_to_capture",
            code="amount_too_large",
        )
    changes: dict[str, Any] = {"metadata": apply_metadata(intent["metadata"], params)}
    if "application_fee_amount" in params:
        changes["application_fee_amount"] = get_int(params, "application_fee_amount", minimum=0)
    intent.update(changes)
    charge = store.get("charge", intent["latest_charge"])
    capture_charge(store, charge, amount)
    intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
    store.emit("charge.captured", charge, ctx)
    store.emit("payment_intent.succeeded", intent, ctx)
    return intent


def cancel(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    check_known(params, {"cancellation_reason"})
    intent = store.get("payment_intent", object_id, param="intent")
    if intent["status"] not in CANCELABLE:
        raise unexpected_state(
            f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}. "
            "Only a PaymentIntent with one of the following statuses may be canceled: "
            + ", ".join(CANCELABLE)
            + ".",
            payment_intent=copy.deepcopy(intent),
        )
    reason = get_str(params, "cancellation_reason", choices=CANCELLATION_REASONS)
    if intent["status"] == "requires_capture":
        charge = store.get("charge", intent["latest_charge"])
        charge.update(refunded=True, amount_refunded=charge["amount"])
    intent.update(
        status="canceled",
        canceled_at=store.now(),
        cancellation_reason=reason,
        amount_capturable=0,
        next_action=None,
    )
    store.emit("payment_intent.canceled", intent, ctx)
    return intent
