"""``/_fake/...``: the control API over HTTP, JSON in and out, for a test in another process.

Each route calls the ``StripeFake`` method of the same name (see README.md for the table).
Errors answer ``{"error": {"type": ..., "message": ...}}`` with 400 or 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import StripeFakeError

if TYPE_CHECKING:
    from .server import StripeFake

Route = Callable[[dict[str, Any], dict[str, str]], Any]


class ControlRoutes:
    def __init__(self, fake: StripeFake) -> None:
        self.fake = fake
        f = fake
        table: list[tuple[str, str, Route]] = [
            ("GET", "/_fake/health", lambda body, path: {"ok": True, "url": f.url}),
            ("POST", "/_fake/reset", lambda body, path: f.reset()),
            (
                "POST",
                "/_fake/webhook",
                lambda body, path: f.configure_webhook(
                    body.get("url"), body.get("secret"), mode=body.get("mode", "immediate")
                ),
            ),
            ("POST", "/_fake/webhook/mode", lambda body, path: f.set_webhook_mode(body["mode"])),
            (
                "POST",
                "/_fake/fail_next",
                lambda body, path: f.fail_next(
                    body.get("n", 1), body.get("status", 500), body.get("path_prefix")
                ),
            ),
            (
                "POST",
                "/_fake/hang_next",
                lambda body, path: f.hang_next(
                    body.get("n", 1),
                    body["seconds"],
                    body.get("process", True),
                    body.get("path_prefix"),
                ),
            ),
            ("POST", "/_fake/clear_faults", lambda body, path: f.clear_faults()),
            ("GET", "/_fake/requests", lambda body, path: f.requests),
            ("GET", "/_fake/objects", lambda body, path: f.objects),
            (
                "GET",
                "/_fake/objects/(?P<kind>[a-z_]+)",
                lambda body, path: f.objects_of(path["kind"]),
            ),
            ("GET", "/_fake/events", lambda body, path: f.events),
            ("GET", "/_fake/deliveries", lambda body, path: f.deliveries),
            ("GET", "/_fake/pending_events", lambda body, path: f.pending_events),
            (
                "POST",
                "/_fake/accounts/(?P<id>[^/]+)/complete_onboarding",
                lambda body, path: f.complete_account_onboarding(path["id"]),
            ),
            (
                "POST",
                "/_fake/accounts/(?P<id>[^/]+)/disable",
                lambda body, path: f.disable_account(
                    path["id"], body.get("reason", "requirements.past_due")
                ),
            ),
            (
                "POST",
                "/_fake/account_links/expire",
                lambda body, path: {
                    "expired": f.expire_account_link(body.get("url"), account=body.get("account"))
                },
            ),
            (
                "POST",
                "/_fake/payment_intents/(?P<id>[^/]+)/authenticate",
                lambda body, path: f.authenticate_payment_intent(
                    path["id"], body.get("approve", True)
                ),
            ),
            (
                "POST",
                "/_fake/charges/(?P<id>[^/]+)/dispute",
                lambda body, path: f.dispute_charge(
                    path["id"], reason=body.get("reason"), amount=body.get("amount")
                ),
            ),
            ("POST", "/_fake/disputes/pending", lambda body, path: f.dispute_pending()),
            (
                "POST",
                "/_fake/disputes/(?P<id>[^/]+)/close",
                lambda body, path: f.close_dispute(path["id"], body.get("status", "won")),
            ),
            (
                "POST",
                "/_fake/deliver_pending",
                lambda body, path: f.deliver_pending(
                    shuffle=body.get("shuffle", True),
                    duplicate=body.get("duplicate", 0.0),
                    seed=body.get("seed"),
                ),
            ),
            (
                "POST",
                "/_fake/events/(?P<id>[^/]+)/send",
                lambda body, path: f.send_event(path["id"], body.get("signature", "valid")),
            ),
            (
                "POST",
                "/_fake/webhooks/wait",
                lambda body, path: {"idle": f.wait_for_webhooks(body.get("timeout", 5.0))},
            ),
        ]
        self.routes = [
            (method, re.compile(f"^{pattern}$"), route) for method, pattern, route in table
        ]

    def dispatch(self, method: str, path: str, raw: bytes) -> tuple[int, Any]:
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise TypeError("the body must be a JSON object")
            for route_method, pattern, route in self.routes:
                match = pattern.match(path)
                if match and route_method == method:
                    result = route(body, match.groupdict())
                    return 200, {"ok": True} if result is None else result
        except StripeFakeError as error:
            return error.status, error.body()
        except (ValueError, TypeError, KeyError) as error:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"{type(error).__name__}: {error}",
                }
            }
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "message": f"No control route {method} {path}",
            }
        }
