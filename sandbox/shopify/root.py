"""QueryRoot and Mutation resolvers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.clock import iso
from sandbox.shopify.access import RequestContext
from sandbox.shopify.connections import SortValue, paginate
from sandbox.shopify.filters import compile_orders, compile_simple
from sandbox.shopify.ids import parse_gid
from sandbox.shopify.money import amount
from sandbox.shopify.search import Compiled
from sandbox.shopify.seek import keys_after, seek_from
from sandbox.shopify.totals import nodes
from sandbox.shopify.windows import Window, order_window

Node = dict[str, Any]


def _text(value: Any) -> SortValue:
    return (0, "") if value in (None, "") else (1, str(value).lower())


def _digits(name: str) -> int:
    digits = "".join(c for c in name if c.isdigit())
    return int(digits) if digits else 0


ORDER_SORT: dict[str, Callable[[Node], SortValue]] = {
    "ID": lambda o: (1, 0),
    "RELEVANCE": lambda o: (1, 0),
    "CREATED_AT": lambda o: (1, o["createdAt"]),
    "UPDATED_AT": lambda o: (1, o["updatedAt"]),
    "PROCESSED_AT": lambda o: (1, o["processedAt"]),
    "ORDER_NUMBER": lambda o: (1, _digits(o["name"])),
    "TOTAL_PRICE": lambda o: (1, int(amount(o.get("totalPriceSet")) * 100)),
    "CURRENT_TOTAL_PRICE": lambda o: (1, int(amount(o.get("currentTotalPriceSet")) * 100)),
    "CUSTOMER_NAME": lambda o: _text((o.get("customer") or {}).get("displayName")),
    "FINANCIAL_STATUS": lambda o: _text(o.get("displayFinancialStatus")),
    "FULFILLMENT_STATUS": lambda o: _text(o.get("displayFulfillmentStatus")),
    "DESTINATION": lambda o: _text(
        " ".join(filter(None, [(o.get("shippingAddress") or {}).get(k) for k in ("country", "city")]))
    ),
    "PO_NUMBER": lambda o: _text(o.get("poNumber")),
    "TOTAL_ITEMS_QUANTITY": lambda o: (1, sum(int(i["quantity"]) for i in nodes(o.get("lineItems")))),
}


def _ctx(info: GraphQLResolveInfo) -> RequestContext:
    context: RequestContext = info.context
    return context


def _note_search(info: GraphQLResolveInfo, text: str | None, compiled: Compiled) -> None:
    if compiled.warnings:
        _ctx(info).search.append(
            {"path": list(info.path.as_list()), "query": text, "warnings": compiled.warnings}
        )


def _matches(info: GraphQLResolveInfo, text: str | None) -> Iterator[Node]:
    window, match = _search(info, text)
    store = _ctx(info).store
    candidates = store.orders() if window is None else store.orders_between(*window)
    return (o for o in candidates if match(o))


def _search(info: GraphQLResolveInfo, text: str | None) -> tuple[Window | None, Callable[[Node], bool]]:
    """The date window the query pins (read only that, through an index on a disk store) and the test
    each order must pass (the 60-day gate and the query)."""
    ctx = _ctx(info)
    compiled = compile_orders(text, ctx.store.shop["ianaTimezone"])
    _note_search(info, text, compiled)
    window = order_window(text, ctx.store.shop["ianaTimezone"])
    return window, lambda order: ctx.visible(order) and compiled.predicate(order)


def resolve_orders(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``orders(first, after, last, before, reverse, sortKey, query)``.

    Only each match's id and sort value are kept while slicing, and the page's orders are then read by
    id, so a large (disk) store never holds every match; forward pages sorted by the query's date window
    field start reading at the cursor (``seek.py``).
    """
    sort_value = ORDER_SORT[args.get("sortKey") or "ID"]
    store = _ctx(info).store
    window, match = _search(info, args.get("query"))
    seek = seek_from(args, window[0] if window else None)
    if window is None or seek is None:
        candidates = store.orders() if window is None else store.orders_between(*window)
        keys = [{"id": o["id"], "sort": sort_value(o)} for o in candidates if match(o)]
    else:
        field, start, end = window
        later = store.orders_between(field, max(filter(None, (start, seek[0])), default=None), end)
        keys = keys_after((o for o in later if match(o)), field, sort_value, seek[1], args["first"])
    page = paginate(keys, args, lambda key: key["sort"])
    if window and seek and seek[0] and not page["pageInfo"]["hasPreviousPage"]:
        earlier = store.orders_between(window[0], window[1], seek[0])
        page["pageInfo"]["hasPreviousPage"] = any(match(o) for o in earlier)
    edges = [{"cursor": e["cursor"], "node": store.get_order(e["node"]["id"])} for e in page["edges"]]
    return {**page, "edges": edges, "nodes": [edge["node"] for edge in edges]}


def resolve_orders_count(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``ordersCount(query, limit)``: capped at ``limit`` (``AT_LEAST``) unless ``limit: null``."""
    text = args.get("query")
    if (not text or not text.strip()) and "read_all_orders" in _ctx(info).scopes:
        count = _ctx(info).store.order_count()  # every order counts: no need to read one (disk store)
    else:
        count = sum(1 for _ in _matches(info, text))
    limit = args.get("limit")
    if limit is not None and count > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


def by_gid(gid: str | None, kind: str) -> str:
    """``gid`` if it is a well-formed gid of ``kind``, else Shopify's coercion error."""
    parsed = parse_gid(gid or "")
    if parsed is None or parsed[0] != kind:
        # Observed shape of Shopify's coercion error for a malformed id.
        raise GraphQLError(
            f"Invalid global id '{gid}'",
            extensions={"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"},
        )
    return str(gid)


def resolve_order(_: Any, info: GraphQLResolveInfo, id: str) -> Node | None:
    """``order(id)``: ``null`` if unknown or hidden by the 60-day gate."""
    order = _ctx(info).store.get_order(by_gid(id, "Order"))
    return order if order is not None and _ctx(info).visible(order) else None


def resolve_fulfillment_order(_: Any, info: GraphQLResolveInfo, id: str) -> Node | None:
    """``fulfillmentOrder(id)``."""
    store = _ctx(info).store
    owner = store.owner_of(by_gid(id, "FulfillmentOrder"))
    return store.find(id) if owner is not None and _ctx(info).visible(owner) else None


def lookup(kind: str) -> Callable[..., Node | None]:
    """A ``thing(id)`` resolver for catalogue objects (locations, items, levels, variants)."""

    def resolve(_: Any, info: GraphQLResolveInfo, id: str | None = None) -> Node | None:
        store = _ctx(info).store
        if id is None and kind == "Location":
            return store.locations.get(store.warehouse_location_id or "")
        return store.find(by_gid(id, kind))

    return resolve


def resolve_locations(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``locations(...)``: inactive ones only with ``includeInactive``."""
    ctx = _ctx(info)
    compiled = compile_simple(args.get("query"), ctx.store.shop["ianaTimezone"])
    _note_search(info, args.get("query"), compiled)
    found = [
        loc
        for loc in ctx.store.locations.values()
        if (loc.get("isActive", True) or args.get("includeInactive")) and compiled.predicate(loc)
    ]
    by_name = args.get("sortKey") in (None, "NAME")
    return paginate(found, args, (lambda loc: _text(loc["name"])) if by_name else (lambda loc: (1, 0)))


def resolve_inventory_items(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    """``inventoryItems(first, after, query)``, ordered by id."""
    ctx = _ctx(info)
    compiled = compile_simple(args.get("query"), ctx.store.shop["ianaTimezone"], sku=True)
    _note_search(info, args.get("query"), compiled)
    found = [item for item in ctx.store.inventory_items.values() if compiled.predicate(item)]
    return paginate(found, args, lambda item: (1, 0))


def resolve_installation(_: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    """``currentAppInstallation { accessScopes { handle } }``."""
    scopes = sorted(_ctx(info).scopes)
    return {
        "id": "gid://shopify/AppInstallation/5550000000001",
        "accessScopes": [{"handle": s} for s in scopes],
    }


def resolve_tags_add(_: Any, info: GraphQLResolveInfo, id: str, tags: list[str]) -> dict[str, Any]:
    """``tagsAdd(id, tags)`` on an order (the one mutation, so the mutation cost path is real)."""
    ctx = _ctx(info)
    order = ctx.store.get_order(by_gid(id, "Order"))
    if order is None or not ctx.visible(order):
        return {"node": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}

    def add(draft: Node) -> Node:
        draft["tags"] = sorted({*draft.get("tags", []), *(t.strip() for t in tags if t.strip())})
        draft["updatedAt"] = iso(ctx.now)
        return draft

    return {"node": ctx.store.mutate(order["id"], add), "userErrors": []}
