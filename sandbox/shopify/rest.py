"""REST Admin API reads served from the same store as GraphQL: shop, orders (+count), events, products,
customers and the unversioned access scopes, with the REST leaky bucket and cursor (``page_info``) paging.

What the peers (Airbyte ``source-shopify``, dlt) call: ``shared/reference/peers.md`` §1, §3, §8. Shopify's
rules kept here: ``status`` defaults to ``open``; ``*_min``/``*_max`` are inclusive; ``limit`` defaults to 50,
at most 250; the ``Link`` header carries ``rel="next"``/``rel="previous"`` URLs whose only parameters are
``limit``, ``fields`` and ``page_info``, and a ``page_info`` request carrying any other parameter is a 400.
Every call (401, 429 and 400 too) is logged in ``/_sandbox/requests`` with ``"api": "rest"``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.clock import iso, parse_instant
from sandbox.shopify.access import ORDER_WINDOW
from sandbox.shopify.graphql_replies import INVALID_TOKEN
from sandbox.shopify.rest_shapes import Json, Shaper, numeric
from sandbox.shopify.rest_throttle import RestBucket
from sandbox.shopify.state import SandboxState, served_version

THROTTLED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
)
RETRY_AFTER = "2.0"
DEFAULT_LIMIT, MAX_LIMIT = 50, 250
PAGING_PARAMS = frozenset({"limit", "fields", "page_info"})
_ORDER_KEYS = {"created_at": "createdAt", "updated_at": "updatedAt", "processed_at": "processedAt"}
_SCOPE_OF = {"orders": "read_orders", "products": "read_products", "customers": "read_customers"}


class RestError(Exception):
    """An error answer: HTTP ``status`` and Shopify's ``errors`` value."""

    def __init__(self, status: int, errors: Any) -> None:
        """Carry ``status`` and the ``errors`` body value."""
        super().__init__(str(errors))
        self.status = status
        self.errors = errors


# -- query parameters ------------------------------------------------------------------------------------
def _instant(text: str, shaper: Shaper, name: str) -> datetime:
    """A ``*_min``/``*_max`` value: ISO-8601 with a zone, or without one (then in the shop's zone)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise RestError(400, {name: ["is invalid"]}) from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=shaper.zone)


def _limit(params: dict[str, str]) -> int:
    raw = params.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise RestError(400, {"limit": [f"must be between 1 and {MAX_LIMIT}"]})  # wording unconfirmed
    return int(raw)


def encode_page(filters: dict[str, str], last: list[Any]) -> str:
    """An opaque ``page_info``: the first request's filters plus the last row's sort key."""
    raw = json.dumps({"f": filters, "last": last}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page(token: str) -> tuple[dict[str, str], list[Any]]:
    """The filters and last sort key inside a ``page_info`` (400 when it is not one of ours)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return dict(data["f"]), list(data["last"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise RestError(400, {"page_info": ["Invalid value."]}) from exc


@dataclass(frozen=True)
class Paging:
    """One request's paging: the first request's filters, the last sort key seen, limit and fields."""

    filters: dict[str, str]
    last: list[Any] | None
    limit: int
    fields: list[str] | None


def paging(request: Request) -> Paging:
    """The request's `Paging`, from its query or from its ``page_info``."""
    params = dict(request.query_params)
    limit = _limit(params)
    fields = [f.strip() for f in params["fields"].split(",") if f.strip()] if params.get("fields") else None
    if "page_info" in params:
        extra = sorted(set(params) - PAGING_PARAMS)
        if (
            extra
        ):  # Shopify's paging docs: only limit and fields may accompany page_info (wording unconfirmed)
            raise RestError(400, {"page_info": [f"cannot be combined with {', '.join(extra)}"]})
        filters, last = decode_page(params["page_info"])
        return Paging(filters, last, limit, fields)
    return Paging({k: v for k, v in params.items() if k not in PAGING_PARAMS}, None, limit, fields)


def _link(request: Request, params: dict[str, str], rel: str) -> str:
    return f'<{request.url.replace(query=urlencode(params))}>; rel="{rel}"'


# -- one page of any collection --------------------------------------------------------------------------
Row = tuple[list[Any], Json]  # (sort key, REST object)


def _page(
    request: Request, rows: list[Row], at: Paging, *, descending: bool, shape: Callable[[Json], Json] = dict
) -> tuple[list[Json], dict[str, str]]:
    """Keyset paging over ``rows`` (sorted by key): the page after ``at.last`` and its ``Link`` header."""
    last, limit, fields = at.last, at.limit, at.fields
    rows.sort(key=lambda row: row[0], reverse=descending)
    if last is not None:
        rows = [row for row in rows if (row[0] < last if descending else row[0] > last)]
    page, more = rows[:limit], len(rows) > limit
    headers: dict[str, str] = {}
    if more:
        query = {"limit": str(limit), "page_info": encode_page(at.filters, page[-1][0])}
        if fields:
            query["fields"] = ",".join(fields)
        headers["Link"] = _link(request, query, "next")
    objects = [shape(row[1]) for row in page]
    if fields:
        objects = [{k: v for k, v in obj.items() if k in fields} for obj in objects]
    return objects, headers


# -- orders ----------------------------------------------------------------------------------------------
def _status_ok(order: Json, status: str) -> bool:
    if status == "any":
        return True
    if status == "cancelled":
        return order.get("cancelledAt") is not None
    if status == "closed":
        return order.get("closedAt") is not None or bool(order.get("closed"))
    if status == "open":
        return order.get("cancelledAt") is None and not order.get("closed") and order.get("closedAt") is None
    raise RestError(400, {"status": ["is invalid"]})


def _matching_orders(state: SandboxState, scopes: frozenset[str], filters: dict[str, str]) -> list[Json]:
    shaper = Shaper(state.store)
    status = filters.get("status", "open")
    bounds: list[tuple[str, bool, datetime]] = []
    for name, key in _ORDER_KEYS.items():
        for suffix, is_min in (("_min", True), ("_max", False)):
            if name + suffix in filters:
                bounds.append((key, is_min, _instant(filters[name + suffix], shaper, name + suffix)))
    ids = {int(i) for i in filters["ids"].split(",") if i.strip().isdigit()} if filters.get("ids") else None
    since_id = int(filters["since_id"]) if filters.get("since_id", "").isdigit() else None
    now = state.clock.now()
    out = []
    for order in state.store.orders():
        if "read_all_orders" not in scopes and parse_instant(order["createdAt"]) < now - ORDER_WINDOW:
            continue
        number = numeric(order["id"]) or 0
        if not _status_ok(order, status) or (ids is not None and number not in ids):
            continue
        if since_id is not None and number <= since_id:
            continue
        if all(
            (parse_instant(order[key]) >= at) if is_min else (parse_instant(order[key]) <= at)
            for key, is_min, at in bounds
        ):
            out.append(order)
    return out


def _sort(filters: dict[str, str]) -> tuple[str | None, bool]:
    """``order=updated_at asc`` → (``updatedAt``, descending?); default ``id desc`` (unconfirmed)."""
    field, _, direction = filters.get("order", "id desc").strip().partition(" ")
    if (field != "id" and field not in _ORDER_KEYS) or direction.lower() not in ("", "asc", "desc"):
        raise RestError(400, {"order": ["is invalid"]})
    return (None if field == "id" else _ORDER_KEYS[field]), direction.lower() == "desc"


async def orders(
    request: Request, state: SandboxState, scopes: frozenset[str]
) -> tuple[Json, dict[str, str]]:
    """``GET orders.json``."""
    at = paging(request)
    key, descending = _sort(at.filters)
    shaper = Shaper(state.store)
    rows: list[Row] = []
    for order in _matching_orders(state, scopes, at.filters):
        sort_value = iso(parse_instant(order[key])) if key else ""
        rows.append(([sort_value, numeric(order["id"])], order))
    objects, headers = _page(request, rows, at, descending=descending, shape=shaper.order)
    return {"orders": objects}, headers


async def orders_count(
    request: Request, state: SandboxState, scopes: frozenset[str]
) -> tuple[Json, dict[str, str]]:
    """``GET orders/count.json``: ``{"count": n}`` with the same filters as ``orders.json``."""
    filters = {k: v for k, v in request.query_params.items() if k not in PAGING_PARAMS}
    return {"count": len(_matching_orders(state, scopes, filters))}, {}


async def events(
    request: Request, state: SandboxState, scopes: frozenset[str]
) -> tuple[Json, dict[str, str]]:
    """``GET events.json``: the sandbox keeps no event history (no order is ever destroyed), so empty."""
    paging(request)
    return {"events": []}, {}


async def products(
    request: Request, state: SandboxState, scopes: frozenset[str]
) -> tuple[Json, dict[str, str]]:
    """``GET products.json`` (keyset by id)."""
    at = paging(request)
    shaper = Shaper(state.store)
    rows: list[Row] = [([numeric(p["id"])], shaper.product(p)) for p in state.store.products.values()]
    objects, headers = _page(request, rows, at, descending=False)
    return {"products": objects}, headers


async def customers(
    request: Request, state: SandboxState, scopes: frozenset[str]
) -> tuple[Json, dict[str, str]]:
    """``GET customers.json``: the customers named on orders (keyset by id)."""
    at = paging(request)
    shaper = Shaper(state.store)
    found = {c["id"]: c for o in state.store.orders() if (c := o.get("customer")) and c.get("id")}
    rows: list[Row] = [([numeric(gid)], shaper.customer(c) or {}) for gid, c in found.items()]
    objects, headers = _page(request, rows, at, descending=False)
    return {"customers": objects}, headers


async def shop(request: Request, state: SandboxState, scopes: frozenset[str]) -> tuple[Json, dict[str, str]]:
    """``GET shop.json``."""
    data = state.store.shop
    domain = str(data.get("myshopifyDomain"))
    shaper = Shaper(state.store)
    created = shaper.local(state.clock.start)
    return {
        "shop": {
            "id": int.from_bytes(domain.encode()[:6], "big") % 10**11,
            "name": data.get("name"),
            "email": data.get("email"),
            "domain": domain,
            "myshopify_domain": domain,
            "country_code": "ZA",
            "currency": data.get("currencyCode"),
            "enabled_presentment_currencies": [data.get("currencyCode")],
            "iana_timezone": data.get("ianaTimezone"),
            "timezone": f"(GMT{shaper.local(state.clock.now())[-6:]}) {data.get('ianaTimezone')}",
            "taxes_included": data.get("taxesIncluded", True),
            "plan_name": "shopify_plus" if state.bucket.plan == "plus" else "basic",
            "plan_display_name": state.bucket.plan.title(),
            "created_at": created,
            "updated_at": created,
        }
    }, {}


async def access_scopes(
    request: Request, state: SandboxState, scopes: frozenset[str]
) -> tuple[Json, dict[str, str]]:
    """``GET /admin/oauth/access_scopes.json`` (unversioned): the token's scopes."""
    return {"access_scopes": [{"handle": s} for s in sorted(scopes)]}, {}


Handler = Callable[[Request, SandboxState, frozenset[str]], Any]


def rest(resource: str, handler: Handler, *, versioned: bool = True) -> Callable[[Request], Any]:
    """Wrap a REST handler: version (404), token (401), bucket (429), scope (403), errors, the log."""

    async def endpoint(request: Request) -> Response:
        state: SandboxState = request.app.state.sandbox
        bucket: RestBucket = request.app.state.rest_bucket
        version = request.path_params.get("version")
        headers: dict[str, str] = {}
        if versioned:
            served = served_version(str(version), state.api_versions)
            if served is None:
                return _logged(state, request, resource, JSONResponse({"errors": "Not Found"}, 404))
            headers["X-Shopify-API-Version"] = served
        scopes = state.tokens.get(request.headers.get("x-shopify-access-token", ""))
        if scopes is None:
            return _logged(state, request, resource, JSONResponse({"errors": INVALID_TOKEN}, 401, headers))
        admitted, level = bucket.take()
        headers["X-Shopify-Shop-Api-Call-Limit"] = level
        if not admitted:
            reply = JSONResponse({"errors": THROTTLED}, 429, {**headers, "Retry-After": RETRY_AFTER})
            return _logged(state, request, resource, reply)
        needed = _SCOPE_OF.get(resource.split("/", 1)[0])
        if needed and not (needed in scopes or needed.replace("read_", "write_", 1) in scopes):
            errors = f"[API] This action requires merchant approval for {needed} scope."
            return _logged(state, request, resource, JSONResponse({"errors": errors}, 403, headers))
        try:
            body, extra = await handler(request, state, scopes)
        except RestError as exc:
            return _logged(
                state, request, resource, JSONResponse({"errors": exc.errors}, exc.status, headers)
            )
        return _logged(state, request, resource, JSONResponse(body, 200, {**headers, **extra}))

    return endpoint


def _logged(state: SandboxState, request: Request, resource: str, reply: Response) -> Response:
    state.log_request(
        {
            "at": iso(state.clock.now()),
            "api": "rest",
            "api_version": request.path_params.get("version"),
            "operation_name": f"GET {resource}.json",
            "path": request.url.path,
            "variables": dict(request.query_params),
            "status": reply.status_code,
            "requested_cost": None,
            "actual_cost": None,
            "errors": [],
            "fault": None,
            "fault_id": None,
        }
    )
    return reply


def rest_routes() -> list[BaseRoute]:
    """The REST routes (the app must set ``app.state.rest_bucket``)."""
    base = "/admin/api/{version}"
    table: list[tuple[str, Handler]] = [
        ("shop", shop),
        ("orders", orders),
        ("orders/count", orders_count),
        ("events", events),
        ("products", products),
        ("customers", customers),
    ]
    routes: list[BaseRoute] = [
        Route(f"{base}/{name}.json", rest(name, h), methods=["GET"]) for name, h in table
    ]
    routes.append(
        Route(
            "/admin/oauth/access_scopes.json",
            rest("access_scopes", access_scopes, versioned=False),
            methods=["GET"],
        )
    )
    return routes
