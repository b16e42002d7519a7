"""The fake's state: Stripe objects by type, ids, events, lists and ``expand``.

Objects are built by deep-copying Stripe's own fixtures (``fixtures3.json``, MIT, see
``LICENSE.stripe-fixtures``) and overriding the fields the fake owns, so their shape follows
Stripe's OpenAPI fixtures field for field. All mutation happens under ``Store.lock``.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import json
import random
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import invalid_request, resource_missing
from .forms import get_int

FIXTURES_PATH = Path(__file__).with_name("fixtures3.json")
DEFAULT_API_VERSION = "2026-10-28.endive"

KINDS = (
    "account",
    "account_link",
    "balance_transaction",
    "charge",
    "dispute",
    "event",
    "payment_intent",
    "payment_method",
    "refund",
    "transfer",
    "transfer_reversal",
)
PREFIXES = {
    "account": "acct",
    "balance_transaction": "txn",
    "charge": "ch",
    "dispute": "dp",
    "event": "evt",
    "payment_intent": "pi",
    "payment_method": "pm",
    "refund": "re",
    "transfer": "tr",
    "transfer_reversal": "trr",
}
KIND_BY_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}
LABELS = {
    "account": "account",
    "balance_transaction": "balance transaction",
    "charge": "charge",
    "dispute": "dispute",
    "event": "event",
    "payment_intent": "payment_intent",
    "payment_method": "PaymentMethod",
    "refund": "refund",
    "transfer": "transfer",
    "transfer_reversal": "transfer reversal",
}
_ALPHANUMERIC = string.ascii_letters + string.digits


@functools.cache
def _fixtures() -> dict[str, Any]:
    with FIXTURES_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)["resources"]


def fixture(kind: str) -> dict[str, Any]:
    """A fresh deep copy of Stripe's fixture for ``kind``."""
    return copy.deepcopy(_fixtures()[kind])


@dataclass(frozen=True)
class RequestContext:
    """What an event records about the API request that caused it (``event.request``)."""

    request_id: str | None
    idempotency_key: str | None
    base_url: str
    api_version: str = DEFAULT_API_VERSION


class Store:
    """Stripe objects keyed by type then id, in creation order, plus the fake's private notes.

    ``private`` holds what Stripe keeps but does not show (a PaymentIntent's return URL, which
    test card a PaymentMethod stands for, account link tokens).
    """

    def __init__(
        self,
        *,
        fee_percent_bp: int = 290,
        fee_fixed: int = 30,
        dispute_fee: int = 1500,
        seed: int | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.fee_percent_bp = fee_percent_bp
        self.fee_fixed = fee_fixed
        self.dispute_fee = dispute_fee
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        self.webhooks_configured: Callable[[], bool] = lambda: False
        self._random = random.Random(seed)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
            self.private: dict[str, dict[str, Any]] = {}
            self.events: list[dict[str, Any]] = []

    # ids, time, money ------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        length = 16 if kind == "account" else 24
        suffix = "".join(self._random.choices(_ALPHANUMERIC, k=length))
        return f"{PREFIXES.get(kind, kind)}_{suffix}"

    def token(self, prefix: str, length: int = 24) -> str:
        return prefix + "".join(self._random.choices(_ALPHANUMERIC, k=length))

    @staticmethod
    def now() -> int:
        return int(time.time())

    def fee_for(self, amount: int) -> int:
        """Stripe's card fee, 2.9% + 30 minor units by default, rounded half up to an integer."""
        return (amount * self.fee_percent_bp + 5000) // 10000 + self.fee_fixed

    # objects ---------------------------------------------------------------------------

    def build(self, kind: str, **fields: Any) -> dict[str, Any]:
        obj = fixture(kind)
        obj.update(fields)
        return obj

    def add(self, obj: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        self.objects[obj["object"]][key or obj["id"]] = obj
        return obj

    def get(
        self, kind: str, object_id: str, *, param: str = "id", status: int = 404
    ) -> dict[str, Any]:
        obj = self.objects[kind].get(object_id)
        if obj is None:
            raise resource_missing(LABELS[kind], object_id, param=param, status=status)
        return obj

    def find(self, object_id: str) -> dict[str, Any] | None:
        kind = KIND_BY_PREFIX.get(object_id.split("_", 1)[0])
        return self.objects[kind].get(object_id) if kind else None

    def notes(self, object_id: str) -> dict[str, Any]:
        return self.private.setdefault(object_id, {})

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        with self.lock:
            return copy.deepcopy(self.objects)

    # balance transactions ----------------------------------------------------------------

    def balance_transaction(
        self,
        *,
        amount: int,
        currency: str,
        source: str,
        txn_type: str,
        reporting_category: str,
        fee: int = 0,
        fee_description: str = "Stripe processing fees",
        description: str | None = None,
    ) -> dict[str, Any]:
        created = self.now()
        fee_details = (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": fee_description,
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        )
        txn = self.build(
            "balance_transaction",
            id=self.new_id("balance_transaction"),
            amount=amount,
            available_on=created + 2 * 86400,
            created=created,
            currency=currency,
            description=description,
            fee=fee,
            fee_details=fee_details,
            net=amount - fee,
            reporting_category=reporting_category,
            source=source,
            status="pending",
            type=txn_type,
        )
        return self.add(txn)

    # events ------------------------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        obj: Mapping[str, Any],
        ctx: RequestContext | None,
        *,
        previous_attributes: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record a Stripe event whose ``data.object`` is a snapshot of ``obj`` now."""
        data: dict[str, Any] = {"object": copy.deepcopy(dict(obj))}
        if previous_attributes:
            data["previous_attributes"] = copy.deepcopy(dict(previous_attributes))
        event = self.build(
            "event",
            id=self.new_id("event"),
            api_version=ctx.api_version if ctx else DEFAULT_API_VERSION,
            created=self.now(),
            data=data,
            livemode=False,
            pending_webhooks=1 if self.webhooks_configured() else 0,
            request={
                "id": ctx.request_id if ctx else None,
                "idempotency_key": ctx.idempotency_key if ctx else None,
            },
            type=event_type,
        )
        self.add(event)
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
        return event

    # lists and expand --------------------------------------------------------------------

    def list_page(
        self,
        kind: str,
        params: Mapping[str, Any],
        url: str,
        *,
        items: Iterable[dict[str, Any]] | None = None,
        filters: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Stripe's list shape, newest first, with ``limit``/``starting_after``/``ending_before``.

        ``filters`` maps a query parameter to the object field it must equal; ``created`` takes
        ``gt``/``gte``/``lt``/``lte`` bounds or an exact timestamp.
        """
        rows = list(items) if items is not None else list(reversed(self.objects[kind].values()))
        for param, field in (filters or {}).items():
            wanted = params.get(param)
            if wanted not in (None, ""):
                rows = [row for row in rows if _field(row, field) == wanted]
        rows = [row for row in rows if _created_matches(row, params.get("created"))]
        limit = get_int(params, "limit", minimum=1)
        limit = 10 if limit is None else limit
        if limit > 100:
            raise invalid_request(
                "Invalid limit: must be between 1 and 100",
                param="limit",
                code="parameter_invalid_integer",
            )
        after, before = params.get("starting_after"), params.get("ending_before")
        ids = [row.get("id") for row in rows]
        if after:
            if after not in ids:
                raise resource_missing("object", after, param="starting_after", status=400)
            rows = rows[ids.index(after) + 1 :]
        elif before:
            if before not in ids:
                raise resource_missing("object", before, param="ending_before", status=400)
            rows = rows[: ids.index(before)][-limit:]
        return {
            "object": "list",
            "data": copy.deepcopy(rows[:limit]),
            "has_more": len(rows) > limit,
            "url": url,
        }

    def expand(self, obj: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
        """Replace id strings along each dotted path with the objects they name."""
        expanded = copy.deepcopy(obj)
        for path in paths:
            self._expand(expanded, path.split("."))
        return expanded

    def _expand(self, node: Any, parts: list[str]) -> None:
        if not parts:
            return
        if isinstance(node, list):
            for item in node:
                self._expand(item, parts)
            return
        if not isinstance(node, dict) or parts[0] not in node:
            return
        head, rest = parts[0], parts[1:]
        value = node[head]
        if isinstance(value, str):
            target = self.find(value)
            if target is None:
                return
            value = node[head] = copy.deepcopy(target)
        self._expand(value, rest)


def _field(row: Mapping[str, Any], dotted: str) -> Any:
    value: Any = row
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _created_matches(row: Mapping[str, Any], bounds: Any) -> bool:
    if bounds in (None, ""):
        return True
    created = row.get("created", 0)
    if isinstance(bounds, str):
        return created == get_int({"created": bounds}, "created")
    checks = {
        "gt": lambda bound: created > bound,
        "gte": lambda bound: created >= bound,
        "lt": lambda bound: created < bound,
        "lte": lambda bound: created <= bound,
    }
    for key, value in bounds.items():
        if key not in checks:
            raise invalid_request(
                f"Received unknown parameter: created[{key}]", param=f"created[{key}]"
            )
        if not checks[key](get_int({key: value}, key)):
            return False
    return True


def event_type_matches(event_type: str, pattern: str) -> bool:
    """Stripe's ``type`` filter on events accepts ``*`` wildcards (``charge.dispute.*``)."""
    return fnmatch.fnmatchcase(event_type, pattern)
