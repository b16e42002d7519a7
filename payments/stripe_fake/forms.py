"""Stripe's form encoding: Rack-style nested keys, read back the way Stripe reads them.

``metadata[order]=7`` is a dict, ``expand[]=a`` and ``expand[0]=a`` are lists (the SDK sends
indexed keys), ``created[gte]=1`` is a dict of range bounds. Values stay strings until a
handler reads them through the typed getters below, which answer Stripe's 400 messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from .errors import invalid_request, parameter_missing

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500


def parse_form(encoded: str) -> dict[str, Any]:
    """Decode an ``application/x-www-form-urlencoded`` body or query string into nested data."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        match = _KEY.match(key)
        parts = [match.group(1), *_SEGMENT.findall(match.group(2))] if match else [key]
        _assign(result, parts, value)
    return _listify(result)


def _assign(container: dict[str, Any], parts: list[str], value: str) -> None:
    head = parts[0]
    if len(parts) == 1:
        container[head] = value
        return
    if parts[1] == "" and len(parts) == 2:
        existing = container.get(head)
        if not isinstance(existing, list):
            existing = container[head] = []
        existing.append(value)
        return
    child = container.get(head)
    if not isinstance(child, dict):
        child = container[head] = {}
    _assign(child, parts[1:], value)


def _listify(node: Any) -> Any:
    if isinstance(node, list):
        return [_listify(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def check_known(params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Answer Stripe's ``parameter_unknown`` for a top-level parameter the endpoint lacks."""
    known = {*allowed, "expand"}
    for name in params:
        if name not in known:
            raise invalid_request(
                f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
            )


def get_str(
    params: Mapping[str, Any],
    name: str,
    *,
    required: bool = False,
    choices: Iterable[str] | None = None,
    default: str | None = None,
) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise parameter_missing(name)
        return default
    if not isinstance(value, str):
        raise invalid_request(
            f"Invalid string: {value!r}", param=name, code="parameter_invalid_string"
        )
    if choices is not None:
        options = list(choices)
        if value not in options:
            raise invalid_request(
                f"Invalid {name}: must be one of {', '.join(options)}",
                param=name,
                code="parameter_invalid_string",
            )
    return value


def get_int(
    params: Mapping[str, Any],
    name: str,
    *,
    required: bool = False,
    minimum: int | None = None,
) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise parameter_missing(name)
        return None
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise invalid_request(
            f"Invalid integer: {value}", param=name, code="parameter_invalid_integer"
        )
    number = int(value)
    if minimum is not None and number < minimum:
        raise invalid_request(
            f"This value must be greater than or equal to {minimum}.",
            param=name,
            code="parameter_invalid_integer",
        )
    return number


def get_bool(params: Mapping[str, Any], name: str, *, default: bool = False) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return default
    if value in ("true", "false"):
        return value == "true"
    raise invalid_request(f"Invalid boolean: {value}", param=name, code="parameter_invalid_boolean")


def get_dict(params: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise invalid_request(f"Invalid object: {name} must be a hash", param=name)
    return value


def get_list(params: Mapping[str, Any], name: str) -> list[Any] | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise invalid_request(f"Invalid array: {name} must be an array", param=name)
    return value


def get_currency(
    params: Mapping[str, Any], name: str = "currency", *, required: bool = True
) -> str | None:
    value = get_str(params, name, required=required)
    if value is None:
        return None
    if not re.fullmatch(r"[A-Za-z]{3}", value):
        raise invalid_request(
            f"Invalid currency: {value}", param=name, code="parameter_invalid_string"
        )
    return value.lower()


def get_url(params: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = get_str(params, name, required=required)
    if value is not None and not re.match(r"^https?://", value):
        raise invalid_request("Not a valid URL", param=name, code="url_invalid")
    return value


def apply_metadata(existing: dict[str, str], params: Mapping[str, Any]) -> dict[str, str]:
    """Stripe's metadata merge: keys set, ``metadata[k]=`` unsets k, ``metadata=`` clears all."""
    if "metadata" not in params:
        return existing
    given = params["metadata"]
    if given == "":
        return {}
    if not isinstance(given, dict):
        raise invalid_request("Invalid hash", param="metadata", code="parameter_invalid_hash")
    merged = dict(existing)
    for key, value in given.items():
        if not isinstance(value, str):
            raise invalid_request("Invalid hash", param=f"metadata[{key}]")
        if len(key) > METADATA_KEY_MAX:
            raise invalid_request(
                f"Metadata keys can have up to {METADATA_KEY_MAX} characters.",
                param=f"metadata[{key}]",
            )
        if len(value) > METADATA_VALUE_MAX:
            raise invalid_request(
                f"Metadata values can have up to {METADATA_VALUE_MAX} characters.",
                param=f"metadata[{key}]",
            )
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > METADATA_MAX_KEYS:
        raise invalid_request(
            f"Metadata can have up to {METADATA_MAX_KEYS} keys.", param="metadata"
        )
    return merged


def deep_merge(target: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Merge nested form data into an object's nested hash (``business_profile[url]=...``)."""
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = None if value == "" else value
    return target


def get_amount_within(params: Mapping[str, Any], *, remaining: int, exceeded: str) -> int:
    """The optional ``amount`` of a refund or reversal: all that remains when absent, an
    ``amount_too_large`` error (``exceeded``, formatted with ``amount``) when above it."""
    amount = get_int(params, "amount", minimum=1)
    amount = remaining if amount is None else amount
    if amount > remaining:
        raise invalid_request(
            exceeded.format(amount=amount), param="amount", code="amount_too_large"
        )
    return amount
