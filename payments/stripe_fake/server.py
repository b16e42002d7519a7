"""The HTTP server and ``StripeFake``, the control API tests drive it with.

A request to ``/v1/...`` passes, in order: the request log; injected faults (``fail_next``
answers before anything runs; ``hang_next`` sleeps before answering, having processed the
request or not); authentication (401); Stripe's idempotency layer (replay or 400
``idempotency_error``); the resource handler, under one lock, so requests are serialised.
``/fake/...`` serves the pages a customer's browser visits (3D Secure challenge, Connect
onboarding); ``/_fake/...`` is the control API over HTTP for a test in another process.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import accounts, api, intents, money
from .control import ControlRoutes
from .errors import StripeFakeError, api_error, authentication_error, idempotency_error
from .forms import parse_form
from .pages import BrowserPages
from .store import DEFAULT_API_VERSION, RequestContext, Store
from .webhooks import WebhookDispatcher
from .wire import dump, respond


@dataclass
class _Fault:
    kind: str  # "fail" or "hang"
    remaining: int
    status: int = 500
    seconds: float = 0.0
    process: bool = True
    path_prefix: str | None = None


@dataclass(frozen=True)
class _StoredResponse:
    fingerprint: str
    status: int
    body: bytes
    request_id: str


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hanging handler must not block stop()
    fake: StripeFake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection's thread ends after this
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    def do_DELETE(self) -> None:
        self.server.fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        return


class StripeFake:
    """A stateful local Stripe API for tests and full-stack runs (see README.md).

    ``start()`` binds ``host`` (127.0.0.1) on ``port`` (0: a free one) and serves in a daemon
    thread; ``url`` is then the base address to give the Stripe client. ``api_keys``: the
    secret keys accepted (default: any ``sk_test_...``/``rk_test_...`` key).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_keys: set[str] | None = None,
        public_url: str | None = None,
        webhook_timeout: float = 5.0,
    ) -> None:
        self.host, self.port = host, port
        self.api_keys = api_keys
        self.public_url = public_url
        self.store = Store()
        self.webhooks = WebhookDispatcher(timeout=webhook_timeout)
        self.store.on_event = self.webhooks.enqueue
        self.store.webhooks_configured = lambda: self.webhooks.configured
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._requests: list[dict[str, Any]] = []
        self._idempotency: dict[tuple[str, str], _StoredResponse] = {}
        self._release = threading.Event()
        self._server: _Server | None = None
        self._bound_url: str | None = None
        self._pages = BrowserPages(self)
        self._control = ControlRoutes(self)

    # lifecycle ---------------------------------------------------------------------------

    def start(self) -> StripeFake:
        server = _Server((self.host, self.port), _Handler)
        server.fake = self
        self._server = server
        host, port = server.server_address[:2]
        self._bound_url = f"http://{host}:{port}"
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="stripe-fake",
            daemon=True,
        )
        thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.webhooks.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StripeFake:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        assert self._bound_url is not None, "start() the fake first"
        return self._bound_url

    def make_client(
        self, api_key: str = "sk_test_fake", *, timeout: float = 5.0, max_network_retries: int = 2
    ) -> Any:
        """A real ``stripe.StripeClient`` pointed at this fake (imports the SDK lazily)."""
        import stripe

        return stripe.StripeClient(
            api_key,
            base_addresses={"api": self.url, "connect": self.url, "files": self.url},
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def reset(self) -> None:
        """Forget all objects, events, requests, idempotency keys, faults and webhook settings."""
        release, self._release = self._release, threading.Event()
        release.set()
        with self.store.lock:
            self.store.reset()
            self._idempotency.clear()
        with self._lock:
            self._faults.clear()
            self._requests.clear()
        self.webhooks.reset()

    # faults and the request log ---------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500, path_prefix: str | None = None) -> None:
        """The next ``n`` API requests (matching ``path_prefix``) answer ``status`` unprocessed."""
        with self._lock:
            self._faults.append(_Fault("fail", n, status=status, path_prefix=path_prefix))

    def hang_next(
        self, n: int, seconds: float, process: bool = True, path_prefix: str | None = None
    ) -> None:
        """The next ``n`` API requests wait ``seconds`` before answering.

        ``process=True``: the request is carried out (and its idempotent result stored) first,
        so a client that times out has lost only the response. ``process=False``: nothing is
        done; after the wait it answers 500.
        """
        with self._lock:
            self._faults.append(
                _Fault("hang", n, seconds=seconds, process=process, path_prefix=path_prefix)
            )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> list[dict[str, Any]]:
        """API requests received, oldest first: method, path, idempotency_key, params, status,
        replayed (answered from the idempotency store), fault ("fail"/"hang"), api_key, at."""
        with self._lock:
            return copy.deepcopy(self._requests)

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[dict[str, Any]]:
        return [
            entry
            for entry in self.requests
            if entry["path"].startswith(path_prefix)
            and (method is None or entry["method"] == method)
        ]

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and (
                    fault.path_prefix is None or path.startswith(fault.path_prefix)
                ):
                    fault.remaining -= 1
                    return fault
            return None

    def _hang(self, seconds: float) -> None:
        self._release.wait(seconds)

    # state -----------------------------------------------------------------------------

    @property
    def objects(self) -> dict[str, dict[str, dict[str, Any]]]:
        """A deep copy of every object by type then id (account links keyed by url)."""
        return self.store.snapshot()

    def objects_of(self, kind: str) -> list[dict[str, Any]]:
        """Objects of one type, in creation order."""
        return list(self.objects[kind].values())

    def get(self, kind: str, object_id: str) -> dict[str, Any]:
        with self.store.lock:
            return copy.deepcopy(self.store.get(kind, object_id))

    @property
    def events(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return copy.deepcopy(self.store.events)

    def events_of(self, event_type: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["type"] == event_type]

    # scenario controls -----------------------------------------------------------------

    def _system_ctx(self) -> RequestContext:
        base_url = self.url if self._bound_url or self.public_url else ""
        return RequestContext(request_id=None, idempotency_key=None, base_url=base_url)

    def complete_account_onboarding(self, account_id: str) -> dict[str, Any]:
        with self.store.lock:
            return copy.deepcopy(
                accounts.complete_onboarding(self.store, self._system_ctx(), account_id)
            )

    def disable_account(
        self, account_id: str, reason: str = "requirements.past_due"
    ) -> dict[str, Any]:
        with self.store.lock:
            return copy.deepcopy(
                accounts.disable_account(self.store, self._system_ctx(), account_id, reason=reason)
            )

    def expire_account_link(self, url: str | None = None, *, account: str | None = None) -> int:
        """Expire the link at ``url``, or every link of ``account``; returns how many."""
        if url is None and account is None:
            raise ValueError("give the link's url or an account id")
        with self.store.lock:
            return accounts.expire_account_links(self.store, url=url, account=account)

    def authenticate_payment_intent(self, intent_id: str, approve: bool = True) -> dict[str, Any]:
        """Complete (or fail) a PaymentIntent's 3D Secure challenge without a browser."""
        with self.store.lock:
            return copy.deepcopy(
                intents.complete_authentication(
                    self.store, self._system_ctx(), intent_id, approve=approve
                )
            )

    def dispute_charge(
        self, charge_id: str, *, reason: str | None = None, amount: int | None = None
    ) -> dict[str, Any]:
        with self.store.lock:
            return copy.deepcopy(
                money.dispute_charge(
                    self.store, self._system_ctx(), charge_id, reason=reason, amount=amount
                )
            )

    def dispute_pending(self) -> list[dict[str, Any]]:
        """Dispute every captured charge made with a ``pm_card_createDispute*`` card."""
        with self.store.lock:
            return copy.deepcopy(money.disputes_pending(self.store, self._system_ctx()))

    def close_dispute(self, dispute_id: str, status: str = "won") -> dict[str, Any]:
        with self.store.lock:
            return copy.deepcopy(
                money.close_dispute(self.store, self._system_ctx(), dispute_id, status=status)
            )

    # webhooks --------------------------------------------------------------------------

    def configure_webhook(
        self, url: str | None, secret: str | None, *, mode: str = "immediate"
    ) -> None:
        """Send every event from now on to ``url``, signed with ``secret`` (``whsec_...``)."""
        self.webhooks.configure(url, secret, mode=mode)

    def set_webhook_mode(self, mode: str) -> None:
        """``immediate`` (default) or ``queue`` (held for ``deliver_pending``)."""
        self.webhooks.set_mode(mode)

    def deliver_pending(
        self, *, shuffle: bool = True, duplicate: float = 0.0, seed: int | None = None
    ) -> list[dict[str, Any]]:
        return self.webhooks.deliver_pending(shuffle=shuffle, duplicate=duplicate, seed=seed)

    def send_event(self, event_id: str, signature: str = "valid") -> dict[str, Any]:
        """(Re)send one recorded event now: ``valid``, ``bad``, ``stale`` or ``missing`` signature."""
        with self.store.lock:
            event = copy.deepcopy(self.store.get("event", event_id))
        return self.webhooks.send(event, signature=signature)

    @property
    def pending_events(self) -> list[str]:
        return [event["id"] for event in self.webhooks.pending]

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        return self.webhooks.deliveries

    def wait_for_webhooks(self, timeout: float = 5.0) -> bool:
        return self.webhooks.wait_idle(timeout)

    # HTTP ------------------------------------------------------------------------------

    def _base_url(self, handler: BaseHTTPRequestHandler) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{handler.headers.get('Host') or self.url.removeprefix('http://')}"

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if split.path.startswith("/_fake/"):
            status, body = self._control.dispatch(handler.command, split.path, raw)
            respond(handler, status, dump(body))
        elif split.path.startswith("/fake/"):
            self._pages.dispatch(handler, split.path, split.query)
        else:
            self._api(handler, split.path, split.query, raw)

    def _api(self, handler: BaseHTTPRequestHandler, path: str, query: str, raw: bytes) -> None:
        method = handler.command
        idempotency_key = handler.headers.get("Idempotency-Key") if method == "POST" else None
        api_key = _api_key(handler.headers.get("Authorization"))
        try:
            params = parse_form(query if method in ("GET", "DELETE") else raw.decode("utf-8"))
        except UnicodeDecodeError:
            params = {}
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query,
            "idempotency_key": idempotency_key,
            "params": copy.deepcopy(params),
            "api_key": api_key,
            "status": None,
            "replayed": False,
            "fault": None,
            "at": time.time(),
        }
        with self._lock:
            self._requests.append(entry)
        fault = self._take_fault(path)
        if fault is not None and (fault.kind == "fail" or not fault.process):
            with self._lock:
                entry["fault"] = fault.kind
            if fault.kind == "hang":
                self._hang(fault.seconds)
            error = api_error(
                "An unknown error occurred (injected by stripe_fake; the request was not processed).",
                status=fault.status,
            )
            with self._lock:
                entry["status"] = error.status
            respond(
                handler,
                error.status,
                dump(error.body()),
                headers={"Request-Id": self.store.token("req_", 14)},
            )
            return
        status, body, headers = self._process(
            handler, method, path, params, api_key, idempotency_key
        )
        with self._lock:
            entry["status"] = status
            entry["replayed"] = headers.get("Idempotent-Replayed") == "true"
            entry["fault"] = fault.kind if fault is not None else None
        if fault is not None:
            self._hang(fault.seconds)
        respond(handler, status, body, headers=headers)

    def _process(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        params: dict[str, Any],
        api_key: str | None,
        idempotency_key: str | None,
    ) -> tuple[int, bytes, dict[str, str]]:
        request_id = self.store.token("req_", 14)
        headers = {
            "Request-Id": request_id,
            "Stripe-Version": handler.headers.get("Stripe-Version") or DEFAULT_API_VERSION,
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        auth_error = self._auth_error(api_key)
        if auth_error is not None:
            return auth_error.status, dump(auth_error.body()), headers
        ctx = RequestContext(
            request_id=request_id,
            idempotency_key=idempotency_key,
            base_url=self._base_url(handler),
            api_version=headers["Stripe-Version"],
        )
        fingerprint = json.dumps([method, path, params], sort_keys=True)
        with self.store.lock:
            stored = (
                self._idempotency.get((api_key or "", idempotency_key)) if idempotency_key else None
            )
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    error = idempotency_error(idempotency_key or "")
                    return error.status, dump(error.body()), headers
                headers.update(
                    {"Idempotent-Replayed": "true", "Original-Request": stored.request_id}
                )
                return stored.status, stored.body, headers
            try:
                status, body = 200, dump(api.dispatch(self.store, ctx, method, path, params))
            except StripeFakeError as error:
                status, body = error.status, dump(error.body())
            if idempotency_key and (status < 400 or status == 402):
                self._idempotency[(api_key or "", idempotency_key)] = _StoredResponse(
                    fingerprint, status, body, request_id
                )
        return status, body, headers

    def _auth_error(self, api_key: str | None) -> StripeFakeError | None:
        if not api_key:
            return authentication_error(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
            )
        valid = (
            api_key in self.api_keys
            if self.api_keys is not None
            else api_key.startswith(("sk_test_", "rk_test_"))
        )
        if not valid:
            return authentication_error(
                f"Invalid API Key provided: {api_key[:8]}****{api_key[-4:]}"
            )
        return None


def _api_key(authorization: str | None) -> str | None:
    """The secret key from ``Bearer sk_...`` or Basic auth (``sk_...:``), as Stripe takes both."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode().split(":", 1)[0] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None
