"""Transfers to connected accounts and their reversals (separate charges and transfers).

A transfer needs the destination's ``transfers`` capability active (after onboarding); with
``source_transaction`` it may not exceed what is left of that captured charge.
"""

from __future__ import annotations

import copy
from typing import Any

from .accounts import changes
from .errors import invalid_request, resource_missing
from .forms import (
    apply_metadata,
    check_known,
    get_amount_within,
    get_currency,
    get_int,
    get_str,
)
from .store import RequestContext, Store

# transfers ---------------------------------------------------------------------------------


def create_transfer(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(
        params,
        {
            "amount",
            "currency",
            "description",
            "destination",
            "metadata",
            "source_transaction",
            "source_type",
            "transfer_group",
        },
    )
    amount = get_int(params, "amount", required=True, minimum=1)
    currency = get_currency(params)
    destination_id = get_str(params, "destination", required=True)
    destination = store.objects["account"].get(destination_id)
    if destination is None:
        raise resource_missing("destination", destination_id, param="destination", status=400)
    if destination["capabilities"].get("transfers") != "active":
        raise invalid_request(
            "Your destination account needs to have at least one of the following capabilities "
            "enabled: transfers, crypto_transfers, legacy_payments",
            param="destination",
            code="insufficient_capabilities_for_transfer",
        )
    source_id = get_str(params, "source_transaction")
    if source_id is not None:
        source = store.get("charge", source_id, param="source_transaction", status=400)
        if not source["captured"]:
            raise invalid_request(
                f"The source_transaction {source_id} has not been captured.",
                param="source_transaction",
            )
        if source["currency"] != currency:
            raise invalid_request(
                f"The currency of source_transaction {source_id} ({source['currency']}) does not "
                f"match the transfer currency ({currency}).",
                param="currency",
            )
        already = sum(
            transfer["amount"] - transfer["amount_reversed"]
            for transfer in store.objects["transfer"].values()
            if transfer["source_transaction"] == source_id
        )
        available = source["amount_captured"] - source["amount_refunded"] - already
        if amount > available:
            raise invalid_request(
                f"The transfer amount ({amount}) exceeds the amount still available on "
                f"source_transaction {source_id} ({available}).",
                param="amount",
                code="amount_too_large",
            )
    transfer_id = store.new_id("transfer")
    txn = store.balance_transaction(
        amount=-amount,
        currency=currency,
        source=transfer_id,
        txn_type="transfer",
        reporting_category="transfer",
    )
    transfer = store.build(
        "transfer",
        id=transfer_id,
        amount=amount,
        amount_reversed=0,
        balance_transaction=txn["id"],
        created=store.now(),
        currency=currency,
        description=get_str(params, "description"),
        destination=destination_id,
        destination_payment=store.token("py_"),
        metadata=apply_metadata({}, params),
        reversals={
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/transfers/{transfer_id}/reversals",
        },
        reversed=False,
        source_transaction=source_id,
        source_type=get_str(params, "source_type") or "card",
        transfer_group=get_str(params, "transfer_group"),
    )
    store.add(transfer)
    store.emit("transfer.created", transfer, ctx)
    return transfer


def retrieve_transfer(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    return store.get("transfer", object_id, param="transfer")


def update_transfer(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    check_known(params, {"description", "metadata"})
    transfer = store.get("transfer", object_id, param="transfer")
    before = copy.deepcopy(transfer)
    if "description" in params:
        transfer["description"] = get_str(params, "description")
    transfer["metadata"] = apply_metadata(transfer["metadata"], params)
    previous = changes(before, transfer)
    if previous:
        store.emit("transfer.updated", transfer, ctx, previous_attributes=previous)
    return transfer


def list_transfers(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(
        params,
        {"created", "destination", "ending_before", "limit", "starting_after", "transfer_group"},
    )
    return store.list_page(
        "transfer",
        params,
        "/v1/transfers",
        filters={"destination": "destination", "transfer_group": "transfer_group"},
    )


def create_reversal(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    check_known(params, {"amount", "description", "metadata", "refund_application_fee"})
    transfer = store.get("transfer", object_id, param="id")
    remaining = transfer["amount"] - transfer["amount_reversed"]
    if remaining <= 0:
        raise invalid_request(
            f"Transfer {object_id} has already been reversed.", code="transfer_already_reversed"
        )
    amount = get_amount_within(
        params,
        remaining=remaining,
        exceeded="The reversal amount ({amount}) is greater than the amount left to reverse on "
        f"transfer {object_id} ({remaining}).",
    )
    reversal_id = store.new_id("transfer_reversal")
    txn = store.balance_transaction(
        amount=amount,
        currency=transfer["currency"],
        source=reversal_id,
        txn_type="transfer_refund",
        reporting_category="transfer_reversal",
    )
    reversal = store.build(
        "transfer_reversal",
        id=reversal_id,
        amount=amount,
        balance_transaction=txn["id"],
        created=store.now(),
        currency=transfer["currency"],
        destination_payment_refund=store.token("pyr_"),
        metadata=apply_metadata({}, params),
        transfer=object_id,
    )
    store.add(reversal)
    previous = {"amount_reversed": transfer["amount_reversed"], "reversed": transfer["reversed"]}
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
    reversals = transfer["reversals"]
    reversals["data"].insert(0, copy.deepcopy(reversal))
    reversals["total_count"] = len(reversals["data"])
    store.emit("transfer.reversed", transfer, ctx, previous_attributes=previous)
    return reversal


def list_reversals(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    check_known(params, {"ending_before", "limit", "starting_after"})
    store.get("transfer", object_id, param="id")
    items = [
        r
        for r in reversed(store.objects["transfer_reversal"].values())
        if r["transfer"] == object_id
    ]
    return store.list_page(
        "transfer_reversal", params, f"/v1/transfers/{object_id}/reversals", items=items
    )


def retrieve_reversal(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str, reversal_id: str
) -> dict[str, Any]:
    reversal = store.get("transfer_reversal", reversal_id, param="id")
    if reversal["transfer"] != object_id:
        raise resource_missing("transfer reversal", reversal_id, param="id")
    return reversal
