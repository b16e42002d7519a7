"""Connect accounts and account links: create, retrieve, update, onboarding.

An account starts restricted (``charges_enabled``/``payouts_enabled`` false, capabilities
``inactive``); transfers to it answer 400 until onboarding completes, which only the control
API (or visiting an account link with ``complete=1``) does, emitting ``account.updated``.
"""

from __future__ import annotations

import copy
from typing import Any

from .forms import (
    apply_metadata,
    check_known,
    deep_merge,
    get_currency,
    get_dict,
    get_str,
    get_url,
)
from .store import RequestContext, Store

ACCOUNT_TYPES = ("custom", "express", "standard")
LINK_TYPES = ("account_onboarding", "account_update")
LINK_LIFETIME_SECONDS = 300
_ACCOUNT_NESTED = ("business_profile", "company", "individual", "settings", "tos_acceptance")
_ACCOUNT_UPDATE = {
    "business_profile",
    "business_type",
    "capabilities",
    "company",
    "default_currency",
    "documents",
    "email",
    "external_account",
    "individual",
    "metadata",
    "settings",
    "tos_acceptance",
}
_DEFAULT_CURRENCY = {"US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "AE": "aed", "TR": "try"}
_EUROZONE = {"AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "NL", "PT"}


# accounts ----------------------------------------------------------------------------------


def _requested_capabilities(given: dict[str, Any] | None) -> dict[str, str]:
    if not given:
        return {"card_payments": "inactive", "transfers": "inactive"}
    capabilities = {}
    for name, options in given.items():
        if isinstance(options, dict) and options.get("requested") == "true":
            capabilities[name] = "inactive"
    return capabilities


def create_account(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(params, _ACCOUNT_UPDATE | {"type", "country", "controller"})
    controller = get_dict(params, "controller")
    account_type = (
        get_str(params, "type", required=controller is None, choices=ACCOUNT_TYPES) or "custom"
    )
    country = (get_str(params, "country") or "US").upper()
    default_currency = get_currency(params, "default_currency", required=False)
    if default_currency is None:
        default_currency = "eur" if country in _EUROZONE else _DEFAULT_CURRENCY.get(country, "usd")
    account_id = store.new_id("account")
    account = store.build(
        "account",
        id=account_id,
        business_type=get_str(params, "business_type"),
        capabilities=_requested_capabilities(get_dict(params, "capabilities")),
        charges_enabled=False,
        controller=controller or {"type": "application", "is_controller": True},
        country=country,
        created=store.now(),
        default_currency=default_currency,
        details_submitted=False,
        email=get_str(params, "email"),
        metadata=apply_metadata({}, params),
        payouts_enabled=False,
        type=account_type,
    )
    account["external_accounts"]["url"] = f"/v1/accounts/{account_id}/external_accounts"
    account["tos_acceptance"] = {"date": None, "ip": None, "user_agent": None}
    for name in _ACCOUNT_NESTED:
        given = get_dict(params, name)
        if given:
            deep_merge(account.setdefault(name, {}), given)
    return store.add(account)


def retrieve_account(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    return store.get("account", object_id, param="account")


def retrieve_platform_account(
    store: Store, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    platform = store.build(
        "account",
        id="acct_fakeplatform0001",
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
        email="platform@example.test",
        type="standard",
    )
    platform["requirements"].update(currently_due=[], eventually_due=[], disabled_reason=None)
    return platform


def list_accounts(store: Store, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    check_known(params, {"created", "ending_before", "limit", "starting_after"})
    return store.list_page("account", params, "/v1/accounts")


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {key: before.get(key) for key in after if before.get(key) != after[key]}


def update_account(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    """Apply the update to a draft, then commit it: a 400 changes nothing."""
    check_known(params, _ACCOUNT_UPDATE)
    account = store.get("account", object_id, param="account")
    draft = copy.deepcopy(account)
    for name in ("email", "business_type"):
        if name in params:
            draft[name] = get_str(params, name)
    if "default_currency" in params:
        draft["default_currency"] = get_currency(params, "default_currency")
    for name in _ACCOUNT_NESTED:
        given = get_dict(params, name)
        if given:
            deep_merge(draft.setdefault(name, {}), given)
    requested = get_dict(params, "capabilities")
    if requested:
        status = "active" if draft["details_submitted"] else "inactive"
        for name in _requested_capabilities(requested):
            draft["capabilities"].setdefault(name, status)
    draft["metadata"] = apply_metadata(draft["metadata"], params)
    previous = changes(account, draft)
    account.update(draft)
    if previous:
        store.emit("account.updated", account, ctx, previous_attributes=previous)
    return account


def delete_account(
    store: Store, ctx: RequestContext, params: dict[str, Any], *, object_id: str
) -> dict[str, Any]:
    store.get("account", object_id, param="account")
    del store.objects["account"][object_id]
    return {"id": object_id, "object": "account", "deleted": True}


def complete_onboarding(
    store: Store, ctx: RequestContext | None, account_id: str
) -> dict[str, Any]:
    """The account holder finishes onboarding: charges and payouts enabled, capabilities active.

    Emits ``account.updated`` with ``previous_attributes``; idempotent (no event when nothing
    changes).
    """
    account = store.get("account", account_id, param="account")
    before = copy.deepcopy(account)
    capabilities = account["capabilities"] or {"card_payments": "inactive", "transfers": "inactive"}
    account["capabilities"] = {name: "active" for name in capabilities}
    account.update(charges_enabled=True, payouts_enabled=True, details_submitted=True)
    account["requirements"].update(
        currently_due=[],
        eventually_due=[],
        past_due=[],
        pending_verification=[],
        errors=[],
        disabled_reason=None,
        current_deadline=None,
    )
    account["tos_acceptance"].update(
        date=before["tos_acceptance"].get("date") or store.now(), ip="127.0.0.1"
    )
    previous = changes(before, account)
    if previous:
        store.emit("account.updated", account, ctx, previous_attributes=previous)
    return account


def disable_account(
    store: Store,
    ctx: RequestContext | None,
    account_id: str,
    *,
    reason: str = "requirements.past_due",
) -> dict[str, Any]:
    """Stripe restricts the account (``requirements.disabled_reason``); emits ``account.updated``."""
    account = store.get("account", account_id, param="account")
    before = copy.deepcopy(account)
    account.update(charges_enabled=False, payouts_enabled=False)
    account["capabilities"] = {name: "inactive" for name in account["capabilities"]}
    account["requirements"]["disabled_reason"] = reason
    previous = changes(before, account)
    if previous:
        store.emit("account.updated", account, ctx, previous_attributes=previous)
    return account


# account links -----------------------------------------------------------------------------


def create_account_link(
    store: Store, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    check_known(
        params, {"account", "collect", "collection_options", "refresh_url", "return_url", "type"}
    )
    account_id = get_str(params, "account", required=True)
    store.get("account", account_id, param="account", status=400)
    link_type = get_str(params, "type", required=True, choices=LINK_TYPES)
    refresh_url = get_url(params, "refresh_url", required=True)
    return_url = get_url(params, "return_url", required=True)
    token = store.token("", 12)
    created = store.now()
    link = {
        "object": "account_link",
        "created": created,
        "expires_at": created + LINK_LIFETIME_SECONDS,
        "url": f"{ctx.base_url}/fake/account_links/{token}",
    }
    store.add(link, key=link["url"])
    store.notes(f"link:{token}").update(
        url=link["url"],
        account=account_id,
        type=link_type,
        refresh_url=refresh_url,
        return_url=return_url,
        used=False,
    )
    return link


def link_notes(store: Store, token: str) -> dict[str, Any] | None:
    return store.private.get(f"link:{token}")


def expire_account_links(
    store: Store, *, url: str | None = None, account: str | None = None
) -> int:
    """Make links expired (``expires_at`` in the past); their page then redirects to refresh_url."""
    expired = 0
    for key, notes in store.private.items():
        if not key.startswith("link:"):
            continue
        if (url is not None and notes["url"] == url) or (
            account is not None and notes["account"] == account
        ):
            store.objects["account_link"][notes["url"]]["expires_at"] = store.now() - 1
            expired += 1
    return expired


def link_is_usable(store: Store, notes: dict[str, Any]) -> bool:
    link = store.objects["account_link"][notes["url"]]
    return not notes["used"] and link["expires_at"] > store.now()
