"""The ``/_sandbox`` admin endpoint (loopback peers only): state, clock, plan, tokens, faults, log."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.clock import iso
from sandbox.shopify.admin_orders import order_routes
from sandbox.shopify.bulk_admin import bulk_settings
from sandbox.shopify.inventory_admin import inventory_routes
from sandbox.shopify.movements import OrderOpError
from sandbox.shopify.state import SandboxState

Handler = Callable[[Request], Awaitable[Response]]


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8 or ::1)."""
    try:
        return host is not None and ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def admin(handler: Callable[[Request, SandboxState], Awaitable[Any]]) -> Handler:
    """Wrap an admin handler: loopback check, JSON reply, error → status mapping."""

    async def endpoint(request: Request) -> Response:
        state: SandboxState = request.app.state.sandbox
        peer = request.client.host if request.client else None
        if state.proxy is not None and request.client is not None:
            real = state.proxy.peer(request.client.port)
            peer = real[0] if real else None
        if not is_loopback(peer):
            return JSONResponse({"error": "the sandbox admin endpoint answers loopback peers only"}, 403)
        try:
            result = await handler(request, state)
        except OrderOpError as exc:
            return JSONResponse({"error": str(exc)}, 422)
        except KeyError as exc:
            return JSONResponse({"error": f"not found: {exc.args[0] if exc.args else ''}"}, 404)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


async def body(request: Request) -> dict[str, Any]:
    """The JSON object body of an admin request (empty body → ``{}``)."""
    raw = await request.body()
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


async def get_state(_: Request, state: SandboxState) -> dict[str, Any]:
    """``GET /_sandbox/state``."""
    orders = list(state.store.orders())
    return {
        "clock": {"now": iso(state.clock.now()), "scale": state.clock.scale, "start": iso(state.clock.start)},
        "shop": state.store.shop,
        "plan": state.bucket.plan,
        "bucket": state.bucket.status().as_json(),
        "counts": {
            "orders": len(orders),
            "test_orders": sum(1 for o in orders if o.get("test")),
            "locations": len(state.store.locations),
            "inventory_items": len(state.store.inventory_items),
            "inventory_levels": len(state.store.inventory.levels()),
        },
        "faults": state.faults.rules(),
        "api_versions": list(state.api_versions),
        "warehouse_location_id": state.store.warehouse_location_id,
        "requests_served": state.sequence,
    }


async def post_clock(request: Request, state: SandboxState) -> dict[str, Any]:
    """``POST /_sandbox/clock`` with ``{"advance_seconds": s}`` and/or ``{"scale": x}``."""
    data = await body(request)
    if "scale" in data:
        state.clock.set_scale(float(data["scale"]))
    if "advance_seconds" in data:
        state.clock.advance(float(data["advance_seconds"]))
    return {"now": iso(state.clock.now()), "scale": state.clock.scale}


async def post_plan(request: Request, state: SandboxState) -> dict[str, Any]:
    """``POST /_sandbox/plan``: ``plan`` and/or ``restore_rate``, ``capacity``, ``currently_available``."""
    data = await body(request)
    plan = data.get("plan")
    if plan is not None and not isinstance(plan, str):
        raise ValueError("plan must be a string")
    try:
        state.bucket.configure(
            plan,
            restore_rate=data.get("restore_rate"),
            capacity=data.get("capacity"),
            available=data.get("currently_available"),
        )
    except KeyError as exc:
        raise ValueError(f"unknown plan {plan!r}") from exc
    return {"plan": state.bucket.plan, "bucket": state.bucket.status().as_json()}


async def post_token(request: Request, state: SandboxState) -> dict[str, Any]:
    """``POST /_sandbox/tokens`` with ``{"scopes": [...]}`` → ``{"token": "shpat_…"}``."""
    scopes = (await body(request)).get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise ValueError("scopes must be a list of strings")
    return {"token": state.new_token(set(scopes)), "scopes": sorted(scopes)}


async def faults(request: Request, state: SandboxState) -> dict[str, Any]:
    """``GET``/``POST``/``DELETE /_sandbox/faults`` (and ``DELETE /_sandbox/faults/{id}``)."""
    if request.method == "POST":
        return {"fault": state.faults.add(await body(request)).as_json()}
    if request.method == "DELETE":
        rule_id = request.path_params.get("rule_id")
        removed = state.faults.clear(int(rule_id) if rule_id is not None else None)
        if rule_id is not None and not removed:
            raise KeyError(f"fault {rule_id}")
        return {"removed": removed}
    return {"faults": state.faults.rules()}


async def requests_log(request: Request, state: SandboxState) -> dict[str, Any]:
    """``GET /_sandbox/requests[?since=SEQ]`` and ``DELETE`` to clear."""
    if request.method == "DELETE":
        with state.lock:
            state.requests.clear()
        return {"cleared": True}
    since = int(request.query_params.get("since", 0))
    with state.lock:
        return {"requests": [r for r in state.requests if r["seq"] > since]}


def admin_routes() -> list[BaseRoute]:
    """Every ``/_sandbox`` route."""
    return [
        Route("/_sandbox/state", admin(get_state), methods=["GET"]),
        Route("/_sandbox/clock", admin(post_clock), methods=["POST"]),
        Route("/_sandbox/plan", admin(post_plan), methods=["POST"]),
        Route("/_sandbox/tokens", admin(post_token), methods=["POST"]),
        Route("/_sandbox/faults", admin(faults), methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/faults/{rule_id:int}", admin(faults), methods=["DELETE"]),
        Route("/_sandbox/requests", admin(requests_log), methods=["GET", "DELETE"]),
        Route("/_sandbox/bulk", admin(bulk_settings), methods=["GET", "POST"]),
        *[
            Route(path, admin(handler), methods=methods)
            for path, handler, methods in [*order_routes(), *inventory_routes()]
        ],
    ]
