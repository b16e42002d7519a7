"""The ``/v1`` routes: which handler answers which method and path, and ``expand`` on the way out."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import accounts, charges, intents, money, transfers
from .errors import invalid_request
from .forms import check_known, get_list, get_str
from .store import RequestContext, Store, event_type_matches

Handler = Callable[..., dict[str, Any]]


def retrieve_event(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    return store.get("event", object_id, param="id")


def list_events(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(
        params,
        {
            "created",
            "delivery_success",
            "ending_before",
            "limit",
            "starting_after",
            "type",
            "types",
        },
    )
    rows = list(reversed(store.events))
    single = get_str(params, "type")
    many = get_list(params, "types")
    if single and many:
        raise invalid_request(
            "You may only specify one of these parameters: type, types.", param="types"
        )
    patterns = [single] if single else many
    if patterns:
        rows = [row for row in rows if any(event_type_matches(row["type"], p) for p in patterns)]
    return store.list_page("event", params, "/v1/events", items=rows)


_ID = r"(?P<object_id>[^/]+)"
_ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/v1/payment_intents", intents.create),
    ("GET", "/v1/payment_intents", intents.list_),
    ("GET", f"/v1/payment_intents/{_ID}", intents.retrieve),
    ("POST", f"/v1/payment_intents/{_ID}", intents.update),
    ("POST", f"/v1/payment_intents/{_ID}/confirm", intents.confirm),
    ("POST", f"/v1/payment_intents/{_ID}/capture", intents.capture),
    ("POST", f"/v1/payment_intents/{_ID}/cancel", intents.cancel),
    ("GET", f"/v1/payment_methods/{_ID}", charges.retrieve_payment_method),
    ("GET", "/v1/charges", charges.list_charges),
    ("GET", f"/v1/charges/{_ID}", charges.retrieve_charge),
    ("POST", "/v1/refunds", money.create_refund),
    ("GET", "/v1/refunds", money.list_refunds),
    ("GET", f"/v1/refunds/{_ID}", money.retrieve_refund),
    ("POST", f"/v1/refunds/{_ID}", money.update_refund),
    ("GET", "/v1/disputes", money.list_disputes),
    ("GET", f"/v1/disputes/{_ID}", money.retrieve_dispute),
    ("POST", f"/v1/disputes/{_ID}/close", money.accept_dispute),
    ("GET", "/v1/balance_transactions", money.list_balance_transactions),
    ("GET", f"/v1/balance_transactions/{_ID}", money.retrieve_balance_transaction),
    ("POST", "/v1/transfers", transfers.create_transfer),
    ("GET", "/v1/transfers", transfers.list_transfers),
    ("GET", f"/v1/transfers/{_ID}", transfers.retrieve_transfer),
    ("POST", f"/v1/transfers/{_ID}", transfers.update_transfer),
    ("POST", f"/v1/transfers/{_ID}/reversals", transfers.create_reversal),
    ("GET", f"/v1/transfers/{_ID}/reversals", transfers.list_reversals),
    ("GET", f"/v1/transfers/{_ID}/reversals/(?P<reversal_id>[^/]+)", transfers.retrieve_reversal),
    ("POST", "/v1/accounts", accounts.create_account),
    ("GET", "/v1/accounts", accounts.list_accounts),
    ("GET", "/v1/account", accounts.retrieve_platform_account),
    ("GET", f"/v1/accounts/{_ID}", accounts.retrieve_account),
    ("POST", f"/v1/accounts/{_ID}", accounts.update_account),
    ("DELETE", f"/v1/accounts/{_ID}", accounts.delete_account),
    ("POST", "/v1/account_links", accounts.create_account_link),
    ("GET", "/v1/events", list_events),
    ("GET", f"/v1/events/{_ID}", retrieve_event),
]
ROUTES = [(method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in _ROUTES]


def dispatch(
    store: Store, ctx: RequestContext, method: str, path: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Run the handler for ``method path`` under the store lock and apply ``expand``.

    Raises ``StripeFakeError`` (404 for an unknown URL, as Stripe answers).
    """
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            expand = get_list(params, "expand") or []
            body = {key: value for key, value in params.items() if key != "expand"}
            with store.lock:
                result = handler(store, ctx, body, **match.groupdict())
                return store.expand(result, expand)
    raise invalid_request(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can "
        "help at https://support.stripe.com/.",
        status=404,
    )
