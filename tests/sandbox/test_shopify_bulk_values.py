"""Bulk values equal paged values: regrouped JSONL vs the normal endpoint, and projection vs execution."""

from __future__ import annotations

import copy
from typing import Any

from graphql import execute, parse

from sandbox.clock import SandboxClock
from sandbox.shopify.access import DEFAULT_SCOPES, RequestContext
from sandbox.shopify.bulk_query import BulkPlan, compile_bulk_query
from sandbox.shopify.generator import generate_store
from sandbox.shopify.schema import shopify_schema
from tests.sandbox.bulk_helpers import download, fast, regroup, started, wait
from tests.sandbox.conftest import Shop

ROOT = (
    "id name updatedAt __typename tags totalPriceSet { shopMoney { amount currencyCode } } "
    "customer { displayName }"
)
LINE = (
    "__typename id sku quantity discountedTotalSet { shopMoney { amount } } "
    "withCodes: discountedTotalSet(withCodeDiscounts: true) { shopMoney { amount } } variant { id sku } "
    "taxLines { rate priceSet { shopMoney { amount } } }"
)
SHIPPING = "__typename id title originalPriceSet { shopMoney { amount } }"
FO = "__typename id status orderName"
FO_LINE = "__typename id remainingQuantity lineItem { id }"


def edges(selection: str) -> str:
    return f"{{ edges {{ node {{ {selection} }} }} }}"


BULK = (  # pagination arguments are ignored in bulk: every order, every line
    "{{ orders(first: 1, query: $window, sortKey: UPDATED_AT) {{ edges {{ node {{ {root} "
    "lineItems(first: 2) {lines} "
    "shippingLines {shipping} fulfillmentOrders {fos} }} }} }} }}"
).format(
    root=ROOT, lines=edges(LINE), shipping=edges(SHIPPING), fos=edges(FO + " lineItems " + edges(FO_LINE))
)


def paged(shop: Shop, query: str, variables: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every node of one connection through the normal endpoint, page by page."""
    out: list[dict[str, Any]] = []
    after = None
    while True:
        data: Any = shop.data(query, {**variables, "after": after})
        for key in path:
            data = data[key]
        out += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return out
        after = data["pageInfo"]["endCursor"]


def nested(kind: str, field: str, selection: str) -> str:
    return (
        f"query($id: ID!, $after: String) {{ {kind}(id: $id) {{ {field}(first: 40, after: $after) "
        f"{{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {selection} }} }} }} }} }}"
    )


def _big_order(shop: Shop) -> dict[str, Any]:
    """An order with 130 line items (peers #10: bulk must not stop at 100 children)."""
    base = copy.deepcopy(shop.orders_truth()[0])
    line = base["lineItems"]["nodes"][0]
    lines = []
    for i in range(130):
        copy_ = copy.deepcopy(line)
        copy_["id"] = f"gid://shopify/LineItem/{9900000000000 + i}"
        lines.append(copy_)
    for key in ("id", "legacyResourceId"):
        base.pop(key, None)
    base.update(name="#BIG", lineItems={"nodes": lines}, shippingLines={"nodes": []}, refunds=[])
    base.update(fulfillmentOrders={"nodes": []}, fulfillments=[], transactions=[])
    return dict(shop.admin("POST", "/orders", {"order": base})["order"])


def test_regrouped_bulk_result_equals_paging_the_same_orders(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})
    same_time = [shop.admin("POST", "/orders", {})["order"] for _ in range(12)]
    assert len({o["updatedAt"] for o in same_time}) == 1
    big = _big_order(shop)
    shop.admin("POST", "/clock", {"scale": 100})
    fast(shop)
    window = (
        f"updated_at:>='{same_time[0]['updatedAt']}'"  # the 12 orders sharing one updatedAt + the big one
    )
    op = wait(shop, started(shop, BULK.replace("$window", f'"{window}"')))  # 2026-01: ungrouped
    _, lines = download(shop, op["url"])
    roots, children = regroup(lines)
    page = (
        "query($after: String, $q: String) { orders(first: 5, after: $after, query: $q, sortKey: UPDATED_AT) "
        f"{{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {ROOT} }} }} }} }}"
    )
    expected_roots = paged(shop, page, {"q": window}, ("orders",))
    by_id = {r["id"]: r for r in roots}
    assert len(roots) == len(by_id) == len(expected_roots) == 13
    assert [by_id[o["id"]] for o in expected_roots] == expected_roots

    def key(node: dict[str, Any]) -> str:
        return str(node["id"])

    rest = (
        "query($id: ID!) { order(id: $id) { "
        f"shippingLines(first: 20) {{ pageInfo {{ hasNextPage }} edges {{ node {{ {SHIPPING} }} }} }} "
        f"fulfillmentOrders(first: 5) {{ pageInfo {{ hasNextPage }} edges {{ node {{ {FO} "
        f"lineItems(first: 10) {{ pageInfo {{ hasNextPage }} edges {{ node {{ {FO_LINE} }} }} }} "
        "} } } } }"
    )
    for order in expected_roots:
        lines_paged = paged(
            shop, nested("order", "lineItems", LINE), {"id": order["id"]}, ("order", "lineItems")
        )
        assert sorted(children.get((order["id"], "LineItem"), []), key=key) == sorted(lines_paged, key=key)
        other = shop.data(rest, {"id": order["id"]})["order"]
        assert not other["shippingLines"]["pageInfo"]["hasNextPage"]
        shipping = [e["node"] for e in other["shippingLines"]["edges"]]
        assert sorted(children.get((order["id"], "ShippingLine"), []), key=key) == sorted(shipping, key=key)
        assert not other["fulfillmentOrders"]["pageInfo"]["hasNextPage"]
        fos = [e["node"] for e in other["fulfillmentOrders"]["edges"]]
        for fo in fos:
            fo_lines = fo.pop("lineItems")
            assert not fo_lines["pageInfo"]["hasNextPage"]
            got = children.get((fo["id"], "FulfillmentOrderLineItem"), [])
            assert sorted(got, key=key) == sorted((e["node"] for e in fo_lines["edges"]), key=key)
        assert sorted(children.get((order["id"], "FulfillmentOrder"), []), key=key) == sorted(fos, key=key)
    assert len(children[(big["id"], "LineItem")]) == 130
    assert {kind for _, kind in children} == {
        "LineItem",
        "ShippingLine",
        "FulfillmentOrder",
        "FulfillmentOrderLineItem",
    }
    assert sum(len(v) for v in children.values()) + len(roots) == int(op["objectCount"])


def _compiled(context: RequestContext, query: str) -> BulkPlan:
    plan = compile_bulk_query(query, context, shopify_schema())
    assert isinstance(plan, BulkPlan), plan
    return plan


RICH = (
    "...Money __typename id legacyResourceId name alias: displayFinancialStatus discountCode "
    "customer { __typename email displayName } shippingAddress { countryCodeV2 countryCode } "
    "refunds { id note totalRefundedSet { ...Bag } } fulfillments { id trackingInfo { number company } "
    "location { id name } } transactions { kind amountSet { ...Bag } parentTransaction { id kind } } "
    "lineItems { edges { node { id discountedTotalSet { ...Bag } product { title } } } }"
)
FRAGMENTS = (
    "fragment Bag on MoneyBag { shopMoney { amount currencyCode } } "
    "fragment Money on Order { totalPriceSet { ...Bag } currentTotalPriceSet { ...Bag } }"
)


def test_projection_agrees_with_graphql_execution() -> None:
    clock = SandboxClock(scale=0.0)
    store = generate_store(5, orders=60, clock=clock)
    context = RequestContext(store, DEFAULT_SCOPES, clock.now())
    plan = _compiled(context, f"{{ orders {{ edges {{ node {{ {RICH} }} }} }} }} {FRAGMENTS}")
    lines = list(plan.projection_lines(context))
    executed_query = RICH.replace("lineItems {", "lineItems(first: 250) {")
    result = execute(
        shopify_schema(),
        parse(f"{{ orders(first: 250) {{ edges {{ node {{ {executed_query} }} }} }} }} {FRAGMENTS}"),
        context_value=context,
    )
    assert result.errors is None
    assert result.data is not None
    executed = [edge["node"] for edge in result.data["orders"]["edges"]]
    roots, children = {}, {}
    for line in lines:
        if "__parentId" in line:
            children.setdefault(line.pop("__parentId"), []).append(line)
        else:
            roots[line["id"]] = line
    assert len(roots) == len(executed) == 60
    for order in executed:
        items = [edge["node"] for edge in order.pop("lineItems")["edges"]]
        assert roots[order["id"]] == order
        assert children.get(order["id"], []) == items


def test_locations_inventory_levels_in_bulk_match_the_stored_levels(shared_shop: Shop) -> None:
    fast(shared_shop)
    query = (
        "{ locations(includeInactive: true) { edges { node { __typename id name "
        "inventoryLevels(query: \"updated_at:>='2000-01-01T00:00:00Z'\") { edges { node { __typename id "
        'updatedAt quantities(names: ["available", "on_hand"]) { name quantity } } } } } } } }'
    )
    op = wait(shared_shop, started(shared_shop, query, group=True))
    _, lines = download(shared_shop, op["url"])
    roots, children = regroup(lines)
    stored = shared_shop.admin("GET", "/inventory/levels")["levels"]
    assert {r["id"] for r in roots} == {level["location"]["id"] for level in stored}
    got = {c["id"]: c for kids in children.values() for c in kids}
    assert set(got) == {level["id"] for level in stored}
    for level in stored:
        quantities = {q["name"]: q["quantity"] for q in got[level["id"]]["quantities"]}
        assert quantities == {n: level["quantities"][n] for n in ("available", "on_hand")}
        assert (level["location"]["id"], "InventoryLevel") in children
