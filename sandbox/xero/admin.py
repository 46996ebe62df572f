"""The ``/_sandbox`` admin endpoint (loopback peers only): state, documents, clock, tier, tokens, faults."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.clock import iso
from sandbox.xero import render
from sandbox.xero.state import DEFAULT_SCOPE, XeroState
from sandbox.xero.wire import dumps

Handler = Callable[[Request], Awaitable[Response]]


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def admin(handler: Callable[[Request, XeroState], Awaitable[Any]]) -> Handler:
    """Loopback check, JSON (Decimal-safe) reply, error → status mapping."""

    async def endpoint(request: Request) -> Response:
        state: XeroState = request.app.state.xero
        peer = None
        if state.relay is not None and request.client is not None:
            peer = state.relay.peer_host(request.client.port)
        if not _loopback(peer):
            return JSONResponse({"error": "the sandbox admin endpoint answers loopback peers only"}, 403)
        try:
            result = await handler(request, state)
        except KeyError as exc:
            return JSONResponse({"error": f"not found: {exc.args[0] if exc.args else ''}"}, 404)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        if isinstance(result, Response):
            return result
        return Response(dumps(result), media_type="application/json")

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


async def get_state(_: Request, state: XeroState) -> dict[str, Any]:
    """``GET /_sandbox/state``."""
    return {
        "clock": {"now": iso(state.clock.now()), "scale": state.clock.scale},
        "tenant": {"tenant_id": state.tenant_id, "name": state.tenant_name},
        "apps": [{"client_id": a.client_id, "name": a.name} for a in state.auth.apps.values()],
        "connections": {app: sorted(links) for app, links in state.connections.items()},
        "counts": state.ledger.counts(),
        "rate_limits": state.limits.status(),
        "idempotency": {"active_keys": state.idempotency.active(), "replays": state.idempotency.replays},
        "faults": {"rules": state.faults.rules(), "fired": state.faults.fired_total},
        "requests_served": state.sequence,
    }


async def documents(request: Request, state: XeroState) -> dict[str, Any]:
    """``GET /_sandbox/documents/{kind}``: contacts, invoices, credit_notes, payments, allocations."""
    kind, ledger = request.path_params["kind"], state.ledger
    if kind == "contacts":
        return {kind: [render.contact(c) for c in ledger.contacts.values()]}
    if kind in ("invoices", "credit_notes"):
        singular = kind[:-1]
        return {kind: [render.document(ledger, d, unitdp=4) for d in ledger.of_kind(singular)]}
    if kind == "payments":
        return {kind: [render.payment(ledger, p) for p in ledger.payments.values()]}
    if kind == "allocations":
        return {kind: [render.allocation(ledger, a) for a in ledger.allocations.values()]}
    raise KeyError(kind)


async def post_clock(request: Request, state: XeroState) -> dict[str, Any]:
    """``POST /_sandbox/clock`` with ``advance_seconds`` and/or ``scale``."""
    data = await _body(request)
    if "scale" in data:
        state.clock.set_scale(float(data["scale"]))
    if "advance_seconds" in data:
        state.clock.advance(float(data["advance_seconds"]))
    return {"now": iso(state.clock.now()), "scale": state.clock.scale}


async def post_tier(request: Request, state: XeroState) -> dict[str, Any]:
    """``POST /_sandbox/tier``: ``tier`` (starter/standard) and/or ``concurrent``, ``minute``, ``day``,
    ``app_minute``."""
    data = await _body(request)
    tier = data.pop("tier", None)
    if tier is not None and tier not in ("starter", "standard"):
        raise ValueError(f"unknown tier {tier!r}")
    state.limits.configure(tier, **{k: int(v) for k, v in data.items()})
    return state.limits.status()


async def post_app(request: Request, state: XeroState) -> dict[str, Any]:
    """``POST /_sandbox/apps`` ``{"name", "redirect_uris"}`` → client credentials."""
    data = await _body(request)
    app = state.auth.add_app(str(data.get("name", "sandbox app")), list(data.get("redirect_uris", [])))
    return {"client_id": app.client_id, "client_secret": app.client_secret, "name": app.name}


async def post_tokens(request: Request, state: XeroState) -> dict[str, Any]:
    """``POST /_sandbox/tokens`` ``{"client_id"?, "scope"?}``: a connected token set, no browser."""
    data = await _body(request)
    client_id = str(data.get("client_id") or state.default_app.client_id)
    state.auth.client(client_id, None)
    state.connect(client_id)
    return state.auth.issue(client_id, str(data.get("scope") or DEFAULT_SCOPE))


async def expire_tokens(_: Request, state: XeroState) -> dict[str, Any]:
    """``POST /_sandbox/tokens/expire``: every access token expires now (refresh tokens untouched)."""
    return {"expired": state.auth.expire_access()}


async def revoke_tokens(request: Request, state: XeroState) -> dict[str, Any]:
    """``POST /_sandbox/tokens/revoke`` ``{"client_id"?}``: access and refresh tokens stop working."""
    client_id = (await _body(request)).get("client_id")
    return {"revoked": state.auth.revoke_all(str(client_id) if client_id else None)}


async def delete_connection(request: Request, state: XeroState) -> dict[str, Any]:
    """``DELETE /_sandbox/connections/{tenant or connection id}``: the org disconnects every app."""
    removed = state.disconnect(None, request.path_params["ident"])
    if not removed:
        raise KeyError(request.path_params["ident"])
    return {"removed": removed}


async def faults(request: Request, state: XeroState) -> dict[str, Any]:
    """``GET``/``POST``/``DELETE /_sandbox/faults`` and ``DELETE /_sandbox/faults/{id}``."""
    if request.method == "POST":
        return {"fault": state.faults.add(await _body(request)).as_json()}
    if request.method == "DELETE":
        rule_id = request.path_params.get("rule_id")
        removed = state.faults.clear(int(rule_id) if rule_id is not None else None)
        if rule_id is not None and not removed:
            raise KeyError(f"fault {rule_id}")
        return {"removed": removed}
    return {"faults": state.faults.rules(), "fired": state.faults.fired_total}


async def requests_log(request: Request, state: XeroState) -> dict[str, Any]:
    """``GET /_sandbox/requests[?since=SEQ]``; ``DELETE`` clears."""
    with state.lock:
        if request.method == "DELETE":
            state.requests.clear()
            return {"cleared": True}
        since = int(request.query_params.get("since", 0))
        return {"requests": [r for r in state.requests if r["seq"] > since]}


def admin_routes() -> list[BaseRoute]:
    """Every ``/_sandbox`` route."""
    return [
        Route("/_sandbox/state", admin(get_state), methods=["GET"]),
        Route("/_sandbox/documents/{kind}", admin(documents), methods=["GET"]),
        Route("/_sandbox/clock", admin(post_clock), methods=["POST"]),
        Route("/_sandbox/tier", admin(post_tier), methods=["POST"]),
        Route("/_sandbox/apps", admin(post_app), methods=["POST"]),
        Route("/_sandbox/tokens", admin(post_tokens), methods=["POST"]),
        Route("/_sandbox/tokens/expire", admin(expire_tokens), methods=["POST"]),
        Route("/_sandbox/tokens/revoke", admin(revoke_tokens), methods=["POST"]),
        Route("/_sandbox/connections/{ident}", admin(delete_connection), methods=["DELETE"]),
        Route("/_sandbox/faults", admin(faults), methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/faults/{rule_id:int}", admin(faults), methods=["DELETE"]),
        Route("/_sandbox/requests", admin(requests_log), methods=["GET", "DELETE"]),
    ]
