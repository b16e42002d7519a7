"""Pages a customer's or merchant's browser visits: the 3D Secure challenge, Connect onboarding.

``GET /fake/3ds/<pi_id>`` shows Complete/Fail links; with ``?approve=1`` or ``?approve=0`` it
finishes the challenge and redirects to the PaymentIntent's ``return_url`` with Stripe's
``payment_intent``, ``payment_intent_client_secret`` and ``redirect_status`` parameters.
``GET /fake/account_links/<token>`` redirects an expired or used link to its ``refresh_url``;
``?complete=1`` completes onboarding and ``?complete=0`` leaves it unfinished, both then
redirecting to ``return_url``.
"""

from __future__ import annotations

import html
import re
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from . import accounts, intents
from .errors import StripeFakeError
from .store import RequestContext
from .wire import respond

if TYPE_CHECKING:
    from .server import StripeFake

_3DS = re.compile(r"^/fake/3ds/(?P<intent_id>[^/]+)$")
_LINK = re.compile(r"^/fake/account_links/(?P<token>[^/]+)$")
_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p>{links}</body></html>"""


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class BrowserPages:
    def __init__(self, fake: StripeFake) -> None:
        self.fake = fake

    def dispatch(self, handler: BaseHTTPRequestHandler, path: str, query: str) -> None:
        params = {key: values[-1] for key, values in parse_qs(query).items()}
        ctx = RequestContext(
            request_id=None, idempotency_key=None, base_url=self.fake._base_url(handler)
        )
        try:
            if handler.command == "GET" and (match := _3DS.match(path)):
                status, body, location = self._three_d_secure(ctx, match["intent_id"], params)
            elif handler.command == "GET" and (match := _LINK.match(path)):
                status, body, location = self._account_link(ctx, match["token"], params)
            else:
                status, body, location = 404, _page("Not found", path), None
        except StripeFakeError as error:
            status, body, location = error.status, _page("Error", error.message), None
        headers = {"Location": location} if location else None
        respond(
            handler, status, body.encode(), content_type="text/html; charset=utf-8", headers=headers
        )

    def _three_d_secure(
        self, ctx: RequestContext, intent_id: str, params: dict[str, str]
    ) -> tuple[int, str, str | None]:
        store = self.fake.store
        with store.lock:
            intent = store.get("payment_intent", intent_id, param="intent")
            if "approve" not in params:
                return (
                    200,
                    _page(
                        "3D Secure 2 test page",
                        f"Authenticate the payment {intent_id}?",
                        [
                            ("Complete authentication", "?approve=1"),
                            ("Fail authentication", "?approve=0"),
                        ],
                    ),
                    None,
                )
            intent = intents.complete_authentication(
                store, ctx, intent_id, approve=params["approve"] == "1"
            )
            return_url = store.notes(intent_id).get("return_url")
        succeeded = intent["status"] in ("succeeded", "requires_capture", "processing")
        if not return_url:
            return 200, _page("Authentication finished", f"Status: {intent['status']}"), None
        location = _with_query(
            return_url,
            {
                "payment_intent": intent_id,
                "payment_intent_client_secret": intent["client_secret"],
                "redirect_status": "succeeded" if succeeded else "failed",
            },
        )
        return 302, "", location

    def _account_link(
        self, ctx: RequestContext, token: str, params: dict[str, str]
    ) -> tuple[int, str, str | None]:
        store = self.fake.store
        with store.lock:
            notes = accounts.link_notes(store, token)
            if notes is None:
                return 404, _page("Not found", "No such account link."), None
            if not accounts.link_is_usable(store, notes):
                return 302, "", notes["refresh_url"]
            if "complete" not in params:
                return (
                    200,
                    _page(
                        "Connect onboarding test page",
                        f"Onboard account {notes['account']}?",
                        [
                            ("Complete onboarding", "?complete=1"),
                            ("Leave without finishing", "?complete=0"),
                        ],
                    ),
                    None,
                )
            notes["used"] = True
            if params["complete"] == "1":
                accounts.complete_onboarding(store, ctx, notes["account"])
            return 302, "", notes["return_url"]


def _page(title: str, text: str, links: list[tuple[str, str]] | None = None) -> str:
    rendered = "".join(
        f'<p><a href="{html.escape(href)}">{html.escape(label)}</a></p>'
        for label, href in links or []
    )
    return _PAGE.format(title=html.escape(title), text=html.escape(text), links=rendered)
