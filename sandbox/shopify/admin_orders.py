"""Admin order routes: ground truth, create, edit, cancel, refund, fulfil, hold, release."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from sandbox.clock import iso
from sandbox.shopify.cancellation import cancel
from sandbox.shopify.edits import Edit, apply_edit
from sandbox.shopify.fulfilment import fulfil, hold, release
from sandbox.shopify.generator import add_generated_order
from sandbox.shopify.loader import order_from_json
from sandbox.shopify.movements import Movement
from sandbox.shopify.refunds import RefundLine, refund
from sandbox.shopify.scenarios import Scenario
from sandbox.shopify.state import SandboxState

Order = dict[str, Any]
Op = Callable[[SandboxState, Order, dict[str, Any]], tuple[list[Movement], dict[str, Any]]]


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object body of an admin request (empty body → ``{}``)."""
    raw = await request.body()
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _gid(legacy: str) -> str:
    return legacy if legacy.startswith("gid://") else f"gid://shopify/Order/{legacy}"


async def list_orders(_: Request, state: SandboxState) -> dict[str, Any]:
    """``GET /_sandbox/orders``: every order (test and old ones too), exactly as stored."""
    return {"orders": list(state.store.orders())}


async def get_order(request: Request, state: SandboxState) -> dict[str, Any]:
    """``GET /_sandbox/orders/{legacyId}``."""
    order = state.store.get_order(_gid(request.path_params["legacy_id"]))
    if order is None:
        raise KeyError(request.path_params["legacy_id"])
    return {"order": order}


async def create_order(request: Request, state: SandboxState) -> dict[str, Any]:
    """``POST /_sandbox/orders``: ``{"order": {...}}`` as given, or generated (``{"scenario": {...}}``)."""
    data = await json_body(request)
    now = state.clock.now()
    if "order" in data:
        given = dict(data["order"])
        given.setdefault("id", state.store.ids.new("Order"))
        given.setdefault("createdAt", iso(now))
        given["updatedAt"] = iso(now)
        order = order_from_json(given, "POST /_sandbox/orders")
        state.store.put_order(order)
        return {"order": order}
    fields = data.get("scenario") or {}
    allowed = {"payment", "discount", "test", "export", "digital_only"}
    if set(fields) - allowed:
        raise ValueError(f"scenario fields are {sorted(allowed)}")
    return {"order": add_generated_order(state.store, now, Scenario(**fields))}


def _edit(state: SandboxState, order: Order, data: dict[str, Any]) -> tuple[list[Movement], dict[str, Any]]:
    method = data.get("shipping_method")
    edit = Edit(
        tags=data.get("tags"),
        note=data.get("note"),
        quantities={str(k): int(v) for k, v in (data.get("quantities") or {}).items()}
        | {str(x["id"]): int(x["quantity"]) for x in data.get("lines") or []},
        add=[
            (*state.store.variant_by_sku(x["sku"]), int(x.get("quantity", 1)))
            for x in data.get("add_lines") or []
        ],
        remove=[str(x) for x in data.get("remove_lines") or []],
        shipping_address=data.get("shipping_address"),
        shipping_method=(method["title"], method.get("code", method["title"]), Decimal(str(method["price"])))
        if method
        else None,
    )
    return apply_edit(order, state.store.ids, state.clock.now(), edit, state.store.warehouse()), {}


def _cancel(state: SandboxState, order: Order, data: dict[str, Any]) -> tuple[list[Movement], dict[str, Any]]:
    reason = str(data.get("reason", "CUSTOMER"))
    return cancel(
        order, state.store.ids, state.clock.now(), reason, restock=bool(data.get("restock", True))
    ), {}


def _refund(state: SandboxState, order: Order, data: dict[str, Any]) -> tuple[list[Movement], dict[str, Any]]:
    lines = [
        RefundLine(str(x["id"]), int(x["quantity"]), bool(x.get("restock", True)))
        for x in data.get("lines") or []
    ]
    shipping = data.get("shipping", False)
    money = data.get("amount")
    made, moves = refund(
        order,
        state.store.ids,
        state.clock.now(),
        lines,
        shipping=shipping if isinstance(shipping, bool) else Decimal(str(shipping)),
        money=None if money is None else Decimal(str(money)),
        note=data.get("note"),
    )
    return moves, {"refund": made}


def _fulfil(state: SandboxState, order: Order, data: dict[str, Any]) -> tuple[list[Movement], dict[str, Any]]:
    lines = {str(x["id"]): int(x["quantity"]) for x in data["lines"]} if data.get("lines") else None
    made, moves = fulfil(
        order,
        state.store.ids,
        state.clock.now(),
        lines,
        tracking_number=data.get("tracking_number"),
        tracking_company=data.get("tracking_company"),
        locations=state.store.location_names(),
    )
    return moves, {"fulfillments": made}


def _hold(state: SandboxState, order: Order, data: dict[str, Any]) -> tuple[list[Movement], dict[str, Any]]:
    return [], {"held": hold(order, state.clock.now(), str(data.get("reason", "OTHER")), data.get("notes"))}


def _release(state: SandboxState, order: Order, _: dict[str, Any]) -> tuple[list[Movement], dict[str, Any]]:
    return [], {"released": release(order, state.clock.now())}


OPERATIONS: dict[str, Op] = {
    "edit": _edit,
    "cancel": _cancel,
    "refund": _refund,
    "fulfil": _fulfil,
    "hold": _hold,
    "release": _release,
}


def _operation(name: str) -> Callable[[Request, SandboxState], Awaitable[dict[str, Any]]]:
    async def handler(request: Request, state: SandboxState) -> dict[str, Any]:
        gid = _gid(request.path_params["legacy_id"])
        data = await json_body(request)
        if state.store.get_order(gid) is None:
            raise KeyError(request.path_params["legacy_id"])
        moves, extra = state.store.mutate(gid, lambda order: OPERATIONS[name](state, order, data))
        order = state.store.get_order(gid)
        assert order is not None
        state.store.apply_movements(order, moves, state.clock.now())
        return {"order": order, **extra}

    return handler


def order_routes() -> list[tuple[str, Callable[[Request, SandboxState], Awaitable[Any]], list[str]]]:
    """(path, handler, methods) of the order routes."""
    routes: list[tuple[str, Callable[[Request, SandboxState], Awaitable[Any]], list[str]]] = [
        ("/_sandbox/orders", list_orders, ["GET"]),
        ("/_sandbox/orders", create_order, ["POST"]),
        ("/_sandbox/orders/{legacy_id}", get_order, ["GET"]),
    ]
    routes += [(f"/_sandbox/orders/{{legacy_id}}/{name}", _operation(name), ["POST"]) for name in OPERATIONS]
    return routes
