"""Batch writes and Xero's ``summarizeErrors`` semantics (non-transactional either way)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from sandbox.xero import replies
from sandbox.xero.gate import Call
from sandbox.xero.wire import loads

Writer = Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]]]


def elements(call: Call, key: str) -> list[Any] | Response:
    """The elements of a write body: ``{"<Key>": [...]}``, a bare list, or one bare object."""
    try:
        payload = loads(call.body) if call.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return replies.problem(400, "Bad Request", "The request body could not be parsed as JSON")
    if isinstance(payload, dict) and isinstance(payload.get(key), list):
        return list(payload[key])
    if isinstance(payload, dict) and payload:
        return [payload]
    if isinstance(payload, list):
        return payload
    return replies.problem(400, "Bad Request", f"The request body must hold {key}")


def flag(call: Call, name: str, default: bool) -> bool:
    """A boolean query parameter such as ``summarizeErrors``."""
    value = call.request.query_params.get(name)
    return default if value is None else value.strip().lower() != "false"


def unitdp(call: Call) -> int:
    """``unitdp=4`` → 4 decimals on UnitAmount, else 2."""
    return 4 if call.request.query_params.get("unitdp") == "4" else 2


def write_batch(call: Call, key: str, writer: Writer) -> Response:
    """Apply ``writer`` to every element; valid ones are kept even when others fail."""
    items = elements(call, key)
    if isinstance(items, Response):
        return items
    results = []
    for raw in items:
        element, errors = writer(raw) if isinstance(raw, dict) else ({}, ["Each element must be an object"])
        results.append((element, errors))
    provider = call.state.auth.apps[call.client_id].name
    if not flag(call, "summarizeErrors", True):
        marked = [_mark(element, errors) for element, errors in results]
        return replies.json_reply(replies.envelope(call.now, provider, key, marked))
    failures = [_mark(element, errors) for element, errors in results if errors]
    if failures:
        return replies.validation_exception(failures)
    done = [_mark(element, []) for element, _ in results]
    return replies.json_reply(replies.envelope(call.now, provider, key, done))


def _mark(element: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    data = dict(element)
    data["StatusAttributeString"] = "ERROR" if errors else "OK"
    data["HasErrors"] = bool(errors)
    data["ValidationErrors"] = [{"Message": message} for message in errors]
    return data
