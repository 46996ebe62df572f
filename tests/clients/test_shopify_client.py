"""ShopifyClient against the Shopify sandbox over real HTTP: paging, windows, nested completion, versions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from clients.shopify_events import ClientEvent
from clients.shopify_sizing import MAX_QUERY_COST
from clients.shopify_windows import OrderWindow
from sandbox.clock import parse_instant
from tests.clients.shopify_sandbox import Shop, in_window, nodes, running_shop

ORDERS = 300


@pytest.fixture(scope="module")
def module_shop() -> Iterator[Shop]:
    with running_shop(seed=3, orders=ORDERS) as shop:
        yield shop


@pytest.fixture
def shop(module_shop: Shop) -> Shop:
    module_shop.reset()
    return module_shop


def everything(shop: Shop) -> OrderWindow:
    start = shop.clock.start
    return OrderWindow(start - timedelta(days=150), start + timedelta(days=1))


def test_pulls_hundreds_of_orders_exactly_as_stored(shop: Shop) -> None:
    window = everything(shop)
    progress: list[tuple[int, int]] = []
    with shop.client() as client:
        orders = client.fetch_orders(window, on_page=lambda n, cost: progress.append((n, cost)))
        count = client.count_orders(window)
    truth = {o["id"]: o for o in shop.truth() if in_window(o, window.start, window.end)}
    assert len(truth) == ORDERS
    assert sorted(o["id"] for o in orders) == sorted(truth)
    assert (count.count, count.precision) == (ORDERS, "EXACT")
    for order in orders:
        stored = truth[order["id"]]
        assert order["updatedAt"] == stored["updatedAt"]
        assert [li["id"] for li in order["lineItems"]["nodes"]] == [
            li["id"] for li in nodes(stored["lineItems"])
        ]
        assert len(order["fulfillmentOrders"]["nodes"]) == len(nodes(stored.get("fulfillmentOrders")))
        assert set(order["lineItems"]) == {"nodes"}  # pageInfo removed
    processed = [parse_instant(o["processedAt"]) for o in orders]
    assert processed == sorted(processed)  # sortKey PROCESSED_AT
    assert progress[-1][0] == ORDERS
    assert len(progress) > 10
    assert all(cost > 0 for _, cost in progress)


def test_page_size_is_probed_then_derived_from_the_requested_cost(shop: Shop) -> None:
    with shop.client() as client:
        client.fetch_orders(OrderWindow(shop.clock.start - timedelta(days=8), shop.clock.start))
    pages = [r for r in shop.requests() if r["operation_name"] == "OrdersPage"]
    firsts = [r["variables"]["first"] for r in pages]
    assert firsts[0] == 1
    per_order = (pages[0]["requested_cost"] - 2) / firsts[0]
    expected = int((MAX_QUERY_COST - 2) // per_order)
    assert set(firsts[1:-1]) == {expected}
    assert all(r["requested_cost"] <= MAX_QUERY_COST for r in shop.requests())
    assert all(r["status"] == 200 and not r["errors"] for r in shop.requests())


def test_the_query_uses_quoted_timestamps_and_the_matching_sort_key(shop: Shop) -> None:
    window = OrderWindow(shop.clock.start - timedelta(days=2), shop.clock.start)
    with shop.client() as client:
        client.fetch_orders(window, field="updated_at", overlap=timedelta(hours=1))
    variables = next(r["variables"] for r in shop.requests() if r["operation_name"] == "OrdersPage")
    assert variables["sortKey"] == "UPDATED_AT"
    start = (window.start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert variables["query"] == f"updated_at:>='{start}' AND updated_at:<'{window.end:%Y-%m-%dT%H:%M:%SZ}'"


def test_a_boundary_order_lands_in_exactly_one_of_two_adjacent_windows(shop: Shop) -> None:
    stored = sorted(shop.truth(), key=lambda o: o["processedAt"])
    boundary = parse_instant(stored[len(stored) // 2]["processedAt"])
    on_boundary = {o["id"] for o in stored if parse_instant(o["processedAt"]) == boundary}
    assert on_boundary
    before = OrderWindow(boundary - timedelta(days=3), boundary)
    after = OrderWindow(boundary, boundary + timedelta(days=3))
    with shop.client() as client:
        left = {o["id"] for o in client.fetch_orders(before)}
        right = {o["id"] for o in client.fetch_orders(after)}
        both = {o["id"] for o in client.fetch_orders(OrderWindow(before.start, after.end))}
    assert on_boundary <= right
    assert not on_boundary & left
    assert not left & right
    assert left | right == both
    truth_left = {o["id"] for o in stored if in_window(o, before.start, before.end)}
    assert left == truth_left


def test_nested_connections_longer_than_a_page_are_completed(shop: Shop) -> None:
    target = next(o for o in shop.truth() if not o.get("cancelledAt") and nodes(o.get("fulfillmentOrders")))
    skus = sorted({v["sku"] for v in shop.store.variants.values() if v.get("sku")})[:12]
    legacy = target["legacyResourceId"]
    shop.post(f"/orders/{legacy}/edit", {"add_lines": [{"sku": sku, "quantity": 1} for sku in skus]})
    stored = shop.admin.get(f"/orders/{legacy}").json()["order"]
    assert len(nodes(stored["lineItems"])) > 5 + 5  # more than the 5 the page query asks for
    edited = parse_instant(stored["updatedAt"])
    window = OrderWindow(edited - timedelta(seconds=1), edited + timedelta(seconds=1))
    with shop.client() as client:
        [order] = client.fetch_orders(window, field="updated_at")
    assert [li["id"] for li in order["lineItems"]["nodes"]] == [li["id"] for li in nodes(stored["lineItems"])]
    for got, want in zip(
        order["fulfillmentOrders"]["nodes"], nodes(stored["fulfillmentOrders"]), strict=True
    ):
        assert got["id"] == want["id"]
        assert [x["lineItem"]["id"] for x in got["lineItems"]["nodes"]] == [
            x["lineItem"]["id"] for x in nodes(want["lineItems"])
        ]
    assert max(len(nodes(fo["lineItems"])) for fo in nodes(stored["fulfillmentOrders"])) > 5
    operations = {r["operation_name"] for r in shop.requests()}
    assert {"OrderLineItems", "FulfillmentOrderLineItems"} <= operations


def test_a_served_version_other_than_the_pinned_one_is_reported_not_fatal(shop: Shop) -> None:
    received: list[ClientEvent] = []
    window = OrderWindow(shop.clock.start - timedelta(days=3), shop.clock.start)
    with shop.client(api_version="2025-01", on_event=received.append) as client:
        orders = client.fetch_orders(window)
        warnings = client.warnings
    assert len(orders) == sum(in_window(o, window.start, window.end) for o in shop.truth())
    assert len({r["seq"] for r in shop.requests()}) > 2
    assert [w.kind for w in warnings] == ["api_version_mismatch"]
    assert warnings[0].details == {"pinned": "2025-01", "served": "2025-10"}
    assert "upgrade the pinned version" in warnings[0].message
    assert [e for e in received if e.kind == "api_version_mismatch"] == warnings  # once, not per page


def test_the_pinned_version_is_quiet(shop: Shop) -> None:
    with shop.client() as client:
        client.count_orders(everything(shop))
        assert client.warnings == []
    assert {r["api_version"] for r in shop.requests()} == {"2026-01"}


def test_an_order_changed_during_a_pull_is_kept_once_in_its_newest_form(shop: Shop) -> None:
    window = OrderWindow(shop.clock.start - timedelta(days=4), shop.clock.now() + timedelta(days=30))

    def first_in_window() -> dict[str, Any]:
        stored = sorted(
            (o for o in shop.truth() if in_window(o, window.start, window.end, "updatedAt")),
            key=lambda o: o["updatedAt"],
        )
        assert stored[0]["updatedAt"] < stored[1]["updatedAt"]
        return stored[0]

    def change_after_first_page(target: dict[str, Any], tag: str) -> Callable[[int, int], None]:
        def on_page(_seen: int, _cost: int) -> None:
            if target.get("changed") is None:  # page 1 delivered it; now it moves to the end
                target["changed"] = shop.post(f"/orders/{target['legacyResourceId']}/edit", {"tags": [tag]})

        return on_page

    target = first_in_window()
    with shop.client() as client:
        pages = list(
            client.iter_order_pages(window, field="updated_at", on_page=change_after_first_page(target, "a"))
        )
    copies = [o for page in pages for o in page if o["id"] == target["id"]]
    assert len(copies) == 2  # the streaming view yields the newer copy again…
    assert copies[0]["updatedAt"] < copies[1]["updatedAt"]
    assert copies[1]["tags"] == ["a"]

    target = first_in_window()
    with shop.client() as client:
        fetched = client.fetch_orders(
            window, field="updated_at", on_page=change_after_first_page(target, "b")
        )
    copies = [o for o in fetched if o["id"] == target["id"]]
    assert [o["tags"] for o in copies] == [["b"]]  # …and fetch_orders keeps only the newest
    expected = {o["id"] for o in shop.truth() if in_window(o, window.start, window.end, "updatedAt")}
    assert sorted(o["id"] for o in fetched) == sorted(expected)
