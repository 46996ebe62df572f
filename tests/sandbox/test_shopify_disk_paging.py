"""The real HTTP sandbox over a DiskStore answers exactly as over the in-memory store; date windows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from sandbox.clock import SandboxClock, iso, parse_instant
from sandbox.shopify.disk_store import DiskStore
from sandbox.shopify.filters import compile_orders
from sandbox.shopify.generator import generate_store
from sandbox.shopify.server import start_shopify_sandbox
from sandbox.shopify.store import Store
from sandbox.shopify.windows import order_window
from tests.sandbox.conftest import Shop

SEED, ORDERS, ZONE = 5, 60, "Africa/Johannesburg"
PAGE = """
query Page($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys, $reverse: Boolean) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) {
    edges { cursor node { id name processedAt updatedAt displayFinancialStatus
      totalPriceSet { shopMoney { amount } }
      lineItems(first: 5) { nodes { id sku quantity } }
      fulfillmentOrders(first: 3) { nodes { id status } } } }
    pageInfo { hasNextPage hasPreviousPage endCursor } }
  ordersCount(query: $query, limit: null) { count precision }
}"""
COUNT = "ordersCount(query: $query, limit: null) { count precision }"


@contextmanager
def _serve(store: Store, clock: SandboxClock) -> Iterator[Shop]:
    running = start_shopify_sandbox(store, clock, plan="enterprise", seed=SEED)
    handle = Shop(running, clock)
    try:
        yield handle
    finally:
        handle.close()
        running.stop()


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Shop, Shop, Store]]:
    """The same generation served from memory and from a store file (one clock, stopped)."""
    clock = SandboxClock(scale=0.0)
    truth = generate_store(SEED, orders=ORDERS, clock=clock)
    path = tmp_path_factory.mktemp("paging") / "shop.db"
    with ExitStack() as stack:
        disk_store = generate_store(SEED, orders=ORDERS, clock=clock, path=path)
        stack.callback(disk_store.close)
        memory = stack.enter_context(_serve(generate_store(SEED, orders=ORDERS, clock=clock), clock))
        yield memory, stack.enter_context(_serve(disk_store, clock)), truth


def _all_pages(shop: Shop, **variables: Any) -> list[dict[str, Any]]:
    pages, after = [], None
    while True:
        data = shop.data(PAGE, {"first": 7, "after": after, **variables})
        pages.append(data)
        if not data["orders"]["pageInfo"]["hasNextPage"]:
            return pages
        after = data["orders"]["pageInfo"]["endCursor"]


def _day_window(truth: Store, field: str) -> str:
    stamps = sorted(parse_instant(o[field]) for o in truth.orders())
    low, high = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    name = {"processedAt": "processed_at", "updatedAt": "updated_at"}[field]
    return f"{name}:>='{iso(low)}' {name}:<'{iso(high)}'"


@pytest.mark.parametrize(
    ("sort_key", "field", "reverse"),
    [("PROCESSED_AT", "processedAt", False), ("UPDATED_AT", "updatedAt", True), ("ID", None, False)],
)
def test_pages_over_a_disk_store_equal_pages_over_memory(
    shops: tuple[Shop, Shop, Store], sort_key: str, field: str | None, reverse: bool
) -> None:
    memory, disk, truth = shops
    query = _day_window(truth, field) if field else None
    expected = _all_pages(memory, query=query, sortKey=sort_key, reverse=reverse)
    assert len(expected) > 2
    assert _all_pages(disk, query=query, sortKey=sort_key, reverse=reverse) == expected
    ids = [edge["node"]["id"] for page in expected for edge in page["orders"]["edges"]]
    predicate = compile_orders(query, ZONE).predicate
    assert sorted(ids) == sorted(o["id"] for o in truth.orders() if predicate(o))
    assert expected[0]["ordersCount"]["count"] == len(ids)


def test_lookups_and_a_mutation_through_http_persist_on_disk(shops: tuple[Shop, Shop, Store]) -> None:
    _, disk, truth = shops
    order = next(o for o in truth.orders() if o["fulfillmentOrders"]["nodes"])
    fo_id = order["fulfillmentOrders"]["nodes"][0]["id"]
    found = disk.data("query($id: ID!) { fulfillmentOrder(id: $id) { id orderId } }", {"id": fo_id})
    assert found["fulfillmentOrder"] == {"id": fo_id, "orderId": order["id"]}
    scopes = ["read_orders", "read_all_orders", "write_orders"]
    token = disk.admin("POST", "/tokens", {"scopes": scopes})["token"]
    added = disk.data(
        'mutation($id: ID!) { tagsAdd(id: $id, tags: ["disk-checked"]) { userErrors { message } } }',
        {"id": order["id"]},
        token=token,
    )
    assert added["tagsAdd"]["userErrors"] == []
    stored = disk.admin("GET", f"/orders/{order['legacyResourceId']}")["order"]
    assert "disk-checked" in stored["tags"]
    assert disk.admin("GET", "/state")["counts"]["orders"] == ORDERS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("status:open", None),
        ("updated_at:>='2026-10-01T00:00:00Z'", ("updatedAt", "2026-10-01T00:00:00+00:00", None)),
        (
            "processed_at:>'2026-10-01T00:00:00Z' AND processed_at:<='2026-10-02T00:00:00Z' test:false",
            ("processedAt", "2026-10-01T00:00:00+00:00", "2026-10-02T00:00:00.000001+00:00"),
        ),
        ("created_at:2026-10-01", ("createdAt", "2026-09-30T22:00:00+00:00", "2026-10-01T22:00:00+00:00")),
        ("updated_at:>'2026-10-01' OR tag:x", None),
        ("NOT updated_at:>'2026-10-01'", None),
        ("-updated_at:>'2026-10-01'", None),
        ("(updated_at:>'2026-10-01' OR tag:x)", None),
        ("tag:x ) updated_at:>'2026-10-01'", None),
        ("updated_at:<'2026-10-03' created_at:>='2026-10-01' created_at:<'2026-10-02'", (
            "createdAt", "2026-09-30T22:00:00+00:00", "2026-10-01T22:00:00+00:00")),  # shop-time days
    ],
)  # fmt: skip
def test_order_window_is_what_the_query_pins(text: str | None, expected: tuple[str, ...] | None) -> None:
    window = order_window(text, ZONE)
    utc = None if window is None else [w and w.astimezone(UTC).isoformat() for w in window[1:]]
    shown = None if window is None or utc is None else (window[0], *utc)
    assert shown == expected


def test_windowed_reads_find_every_match() -> None:
    store = generate_store(SEED, orders=ORDERS)
    stamps = sorted(o["updatedAt"] for o in store.orders())
    for text in [
        f"updated_at:>='{stamps[5]}' updated_at:<'{stamps[30]}'",
        f"updated_at:>'{stamps[5]}' updated_at:<='{stamps[30]}' financial_status:paid",
        f"updated_at:'{stamps[17]}'",
        f"updated_at:{stamps[17][:10]}",
        f"updated_at:<{stamps[20]}",
    ]:
        window = order_window(text, ZONE)
        assert window is not None
        predicate = compile_orders(text, ZONE).predicate
        everything = [o["id"] for o in store.orders() if predicate(o)]
        assert everything
        assert sorted(o["id"] for o in store.orders_between(*window) if predicate(o)) == sorted(everything)


def _walk(shop: Shop, query: str, first: int, reads: list[str]) -> list[tuple[dict[str, Any], int]]:
    """Every page of a PROCESSED_AT walk with how many windowed reads each one made."""
    pages, after = [], None
    while True:
        reads.clear()
        variables = {"first": first, "after": after, "query": query, "sortKey": "PROCESSED_AT"}
        page = shop.data(PAGE.replace(COUNT, ""), variables)["orders"]
        pages.append((page, len(reads)))
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


def test_forward_pages_seek_to_the_cursor_and_keep_ties_in_id_order(tmp_path: Path) -> None:
    clock = SandboxClock(scale=0.0)
    store = generate_store(SEED, orders=ORDERS, clock=clock, path=tmp_path / "shop.db")
    assert isinstance(store, DiskStore)
    tied = sorted(store.orders(), key=lambda o: o["processedAt"])[20:32]
    for order in tied:  # twelve orders processed in the same second
        store.mutate(order["id"], lambda o: o.update(processedAt=tied[0]["processedAt"]))
    query = _day_window(store, "processedAt")
    predicate = compile_orders(query, ZONE).predicate
    expected = sorted(
        (o for o in store.orders() if predicate(o)),
        key=lambda o: (o["processedAt"], int(o["legacyResourceId"])),
    )
    store.read_batch = 4
    reads: list[str] = []
    store._db.set_trace_callback(lambda sql: reads.append(sql) if "ORDER BY processed_at" in sql else None)
    with _serve(store, clock) as shop:
        pages = _walk(shop, query, 3, reads)
        reads.clear()
        variables = {"first": 3, "query": query, "sortKey": "PROCESSED_AT", "reverse": True}
        shop.data(PAGE.replace(COUNT, ""), variables)  # not a forward page: reads the whole window
        whole_window = len(reads)
    store.close()
    assert [e["node"]["id"] for page, _ in pages for e in page["edges"]] == [o["id"] for o in expected]
    assert [page["pageInfo"]["hasPreviousPage"] for page, _ in pages] == [False] + [True] * (len(pages) - 1)
    assert len(pages) == -(-len(expected) // 3) > 5
    # each forward page reads from its cursor: a batch or two (ties), not the whole window
    assert whole_window == -(-len(expected) // 4)
    assert max(count for _, count in pages) <= 4 < whole_window  # 4: the twelve tied orders
