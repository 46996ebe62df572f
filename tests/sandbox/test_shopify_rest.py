"""REST Admin reads over real HTTP: cursor paging, filters, shapes, the request-based bucket, 429, scopes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from sandbox.clock import parse_instant
from tests.sandbox.conftest import Shop

V = "2026-10"


def get(shop: Shop, path: str, params: Any = None, token: str | None = None) -> httpx.Response:
    url = path if path.startswith("http") else f"{shop.running.url}{path}"
    headers = {"X-Shopify-Access-Token": shop.running.token if token is None else token}
    return shop.http.get(url, params=params, headers=headers)


def walk(shop: Shop, params: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every page of orders.json from ``params``; the orders and the next-links followed."""
    response = get(shop, f"/admin/api/{V}/orders.json", params)
    orders, links = [], []
    while True:
        assert response.status_code == 200, response.text
        orders += response.json()["orders"]
        following = response.links.get("next")
        if following is None:
            return orders, links
        links.append(following["url"])
        response = get(shop, following["url"])


def test_paging_by_updated_at_is_complete_ordered_and_carries_only_paging_params(shared_shop: Shop) -> None:
    truth = shared_shop.orders_truth()
    orders, links = walk(shared_shop, {"status": "any", "order": "updated_at asc", "limit": 7})
    ids = [o["id"] for o in orders]
    assert sorted(ids) == sorted(int(o["legacyResourceId"]) for o in truth)
    assert len(ids) == len(set(ids))
    keys = [(parse_instant(o["updated_at"]), o["id"]) for o in orders]
    assert keys == sorted(keys)
    assert len(links) == -(-len(truth) // 7) - 1
    for link in links:
        assert set(parse_qs(urlparse(link).query)) == {"limit", "page_info"}
    again, _ = walk(shared_shop, {"status": "any", "order": "updated_at asc", "limit": 7})
    assert [o["id"] for o in again] == ids  # the same walk twice gives the same sequence


def test_page_info_refuses_other_filters_and_foreign_cursors(shared_shop: Shop) -> None:
    first = get(shared_shop, f"/admin/api/{V}/orders.json", {"status": "any", "limit": 5})
    token = parse_qs(urlparse(first.links["next"]["url"]).query)["page_info"][0]
    mixed = get(shared_shop, f"/admin/api/{V}/orders.json", {"page_info": token, "status": "any"})
    assert mixed.status_code == 400
    assert "page_info" in mixed.json()["errors"]
    assert get(shared_shop, f"/admin/api/{V}/orders.json", {"page_info": "not-ours"}).status_code == 400
    assert get(shared_shop, f"/admin/api/{V}/orders.json", {"limit": 251}).status_code == 400
    with_fields = get(shared_shop, f"/admin/api/{V}/orders.json", {"page_info": token, "fields": "id,name"})
    assert with_fields.status_code == 200
    assert all(set(o) == {"id", "name"} for o in with_fields.json()["orders"])


def test_status_defaults_to_open_and_count_matches_the_filters(shared_shop: Shop) -> None:
    truth = shared_shop.orders_truth()
    open_ = [o for o in truth if o["cancelledAt"] is None and not o["closed"] and o["closedAt"] is None]
    default, _ = walk(shared_shop, {"limit": 250})
    assert sorted(o["id"] for o in default) == sorted(int(o["legacyResourceId"]) for o in open_)
    assert len(open_) < len(truth)  # the store holds cancelled or closed orders, so the default matters
    count = get(shared_shop, f"/admin/api/{V}/orders/count.json", {"status": "any"}).json()
    assert count == {"count": len(truth)}
    cancelled = get(shared_shop, f"/admin/api/{V}/orders/count.json", {"status": "cancelled"}).json()
    assert cancelled["count"] == sum(1 for o in truth if o["cancelledAt"] is not None)


def test_updated_at_bounds_are_inclusive_in_any_offset(shared_shop: Shop) -> None:
    truth = shared_shop.orders_truth()
    target = truth[len(truth) // 2]
    local = parse_instant(target["updatedAt"]).astimezone().isoformat()
    params = {"status": "any", "updated_at_min": local, "updated_at_max": target["updatedAt"], "limit": 250}
    found = get(shared_shop, f"/admin/api/{V}/orders.json", params).json()["orders"]
    same = {int(o["legacyResourceId"]) for o in truth if o["updatedAt"] == target["updatedAt"]}
    assert {o["id"] for o in found} == same


def test_an_order_with_refunds_in_rest_shape_matches_the_store(shared_shop: Shop) -> None:
    stored = next(o for o in shared_shop.orders_truth() if o["refunds"])
    body = get(
        shared_shop, f"/admin/api/{V}/orders.json", {"status": "any", "ids": stored["legacyResourceId"]}
    )
    (order,) = body.json()["orders"]
    assert order["id"] == int(stored["legacyResourceId"])
    assert order["admin_graphql_api_id"] == stored["id"]
    assert order["total_price"] == stored["totalPriceSet"]["shopMoney"]["amount"]
    assert Decimal(order["total_price"]) == Decimal(order["total_price_set"]["shop_money"]["amount"])
    assert order["financial_status"] == stored["displayFinancialStatus"].lower()
    assert order["created_at"].endswith("+02:00")
    assert parse_instant(order["created_at"]) == parse_instant(stored["createdAt"])
    assert order["tags"] == ", ".join(stored["tags"])
    assert len(order["line_items"]) == len(stored["lineItems"]["nodes"])
    assert len(order["shipping_lines"]) == len(stored["shippingLines"]["nodes"])
    refund, source = order["refunds"][0], stored["refunds"][0]
    assert refund["id"] == int(source["legacyResourceId"])
    assert refund["order_id"] == order["id"]
    line_ids = {line["id"] for line in order["line_items"]}
    assert {r["line_item_id"] for r in refund["refund_line_items"]} <= line_ids
    assert [t["amount"] for t in refund["transactions"]] == [
        t["amountSet"]["shopMoney"]["amount"] for t in source["transactions"]["nodes"]
    ]
    assert all(t["kind"] == "refund" for t in refund["transactions"])


def test_the_request_bucket_fills_answers_429_with_retry_after_and_leaks(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})  # frozen: nothing leaks until we advance
    levels = [
        get(shop, f"/admin/api/{V}/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"] for _ in range(40)
    ]
    assert levels == [f"{n}/40" for n in range(1, 41)]
    refused = get(shop, f"/admin/api/{V}/orders.json")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2.0"
    assert refused.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    assert "Exceeded 2 calls per second" in refused.json()["errors"]
    shop.admin("POST", "/clock", {"advance_seconds": 1.0})  # leaks 2 calls
    assert get(shop, f"/admin/api/{V}/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "39/40"
    assert get(shop, f"/admin/api/{V}/shop.json").status_code == 200
    assert get(shop, f"/admin/api/{V}/shop.json").status_code == 429
    shop.admin("POST", "/plan", {"plan": "plus"})
    assert get(shop, f"/admin/api/{V}/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "41/400"


def test_scopes_tokens_and_the_request_log(shop: Shop) -> None:
    shop.admin("DELETE", "/requests")
    scopes = get(shop, "/admin/oauth/access_scopes.json").json()["access_scopes"]
    assert {s["handle"] for s in scopes} >= {"read_orders", "read_all_orders", "read_products"}
    narrow = shop.admin("POST", "/tokens", {"scopes": ["read_products"]})["token"]
    assert get(shop, "/admin/oauth/access_scopes.json", token=narrow).json() == {
        "access_scopes": [{"handle": "read_products"}]
    }
    denied = get(shop, f"/admin/api/{V}/orders.json", token=narrow)
    assert denied.status_code == 403
    assert "read_orders" in denied.json()["errors"]
    assert get(shop, f"/admin/api/{V}/products.json", token=narrow).status_code == 200
    assert get(shop, f"/admin/api/{V}/orders.json", token="shpat_wrong").status_code == 401
    assert get(shop, f"/admin/api/{V}/customers.json").status_code == 403  # default token: no read_customers
    events = get(shop, f"/admin/api/{V}/events.json", {"filter": "Order", "verb": "destroy"})
    assert events.json() == {"events": []}
    logged = [r for r in shop.admin("GET", "/requests")["requests"] if r.get("api") == "rest"]
    assert [(r["operation_name"], r["status"]) for r in logged] == [
        ("GET access_scopes.json", 200),
        ("GET access_scopes.json", 200),
        ("GET orders.json", 403),
        ("GET products.json", 200),
        ("GET orders.json", 401),
        ("GET customers.json", 403),
        ("GET events.json", 200),
    ]
    assert logged[-1]["variables"] == {"filter": "Order", "verb": "destroy"}


def test_shop_and_products(shared_shop: Shop) -> None:
    body = get(shared_shop, f"/admin/api/{V}/shop.json")
    assert body.headers["X-Shopify-API-Version"] == V
    info = body.json()["shop"]
    assert info["myshopify_domain"] == shared_shop.running.shop
    assert info["currency"] == "ZAR"
    products, page = [], get(shared_shop, f"/admin/api/{V}/products.json", {"limit": 5})
    while True:
        products += page.json()["products"]
        if "next" not in page.links:
            break
        page = get(shared_shop, page.links["next"]["url"])
    assert len({p["id"] for p in products}) == len(products) > 5
    assert all(v["product_id"] == p["id"] for p in products for v in p["variants"])
    assert get(shared_shop, "/admin/api/not-a-version/shop.json").status_code == 404


def test_an_order_created_mid_walk_comes_once_at_the_end_and_none_repeats(shop: Shop) -> None:
    before = {int(o["legacyResourceId"]) for o in shop.orders_truth()}
    params = {"status": "any", "order": "updated_at asc", "limit": 10}
    page = get(shop, f"/admin/api/{V}/orders.json", params)
    seen = [o["id"] for o in page.json()["orders"]]
    created = int(shop.admin("POST", "/orders", {"scenario": {}})["order"]["legacyResourceId"])
    while "next" in page.links:
        page = get(shop, page.links["next"]["url"])
        assert page.status_code == 200, page.text
        seen += [o["id"] for o in page.json()["orders"]]
    assert len(seen) == len(set(seen))
    assert set(seen) == before | {created}
    assert seen[-1] == created
