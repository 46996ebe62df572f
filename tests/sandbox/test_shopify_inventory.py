"""Inventory over real HTTP: levels move with orders, fulfilments, cancellations and refunds; updated_at
windows page every level once; the admin inventory routes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.shopify.inventory import QUANTITY_NAMES, UNAVAILABLE, level_id
from tests.sandbox.conftest import Shop
from tests.sandbox.test_shopify_fulfilment_create import create, open_order, writer

Node = dict[str, Any]
LEVEL = """query Level($id: ID!) { inventoryLevel(id: $id) { id updatedAt
  quantities(names: NAMES) { name quantity updatedAt } } }""".replace("NAMES", json.dumps(QUANTITY_NAMES))
PAGE = """query Page($id: ID, $q: String, $after: String) { location(id: $id) {
  inventoryLevels(first: 3, after: $after, query: $q) {
    pageInfo { hasNextPage endCursor } nodes { id updatedAt item { id sku } } } } }"""
ITEM_LEVELS = """query Item($id: ID!) { inventoryItem(id: $id) { sku
  inventoryLevels(first: 10) { nodes { id location { id name }
    quantities(names: ["on_hand"]) { quantity } } } } }"""


def read(shop: Shop, location: str, item: str) -> Node:
    """A level as served: ``updatedAt``, quantities by name and each quantity's ``updatedAt``."""
    data = shop.data(LEVEL, {"id": level_id(location, item)})["inventoryLevel"]
    return {
        "updatedAt": data["updatedAt"],
        "q": {q["name"]: q["quantity"] for q in data["quantities"]},
        "at": {q["name"]: q["updatedAt"] for q in data["quantities"]},
    }


def number(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1].split("?", maxsplit=1)[0])


def item_of(shop: Shop, line: Node) -> str:
    return str(shop.running.state.store.variants[line["variant"]["id"]]["inventoryItem"]["id"])


def tick(shop: Shop, seconds: int = 60) -> str:
    """Stop the sandbox clock ``seconds`` later, so the next changes are stamped with the returned now."""
    return str(shop.admin("POST", "/clock", {"scale": 0, "advance_seconds": seconds})["now"])


def moved(before: Node, after: Node) -> dict[str, int]:
    """Quantities that changed, by how much."""
    return {n: after["q"][n] - before["q"][n] for n in QUANTITY_NAMES if after["q"][n] != before["q"][n]}


def assert_stamped(before: Node, after: Node, at: str) -> None:
    """The level and each changed quantity carry ``at``; the others keep their time."""
    assert after["updatedAt"] == at > before["updatedAt"]
    for name in QUANTITY_NAMES:
        assert after["at"][name] == (at if name in moved(before, after) else before["at"][name]), name


def assert_on_hand_adds_up(level: Node) -> None:
    q = level["q"]
    assert q["on_hand"] == q["available"] + q["committed"] + sum(q[n] for n in UNAVAILABLE)


def test_every_generated_level_adds_up(shop: Shop) -> None:
    store = shop.running.state.store
    for level in store.inventory.levels():
        served = read(shop, level["location"]["id"], level["item"]["id"])
        assert_on_hand_adds_up(served)
        assert served["updatedAt"] == max(served["at"].values())


def test_a_new_order_commits_at_its_fulfilment_orders_location(shop: Shop) -> None:
    store = shop.running.state.store
    before = {
        lvl["id"]: read(shop, lvl["location"]["id"], lvl["item"]["id"]) for lvl in store.inventory.levels()
    }
    now = tick(shop)
    order = shop.admin("POST", "/orders", {"scenario": {"payment": "paid"}})["order"]
    expected: dict[str, int] = {}
    for fo in order["fulfillmentOrders"]["nodes"]:
        location = fo["assignedLocation"]["location"]["id"]
        for item in fo["lineItems"]["nodes"]:
            line = next(li for li in order["lineItems"]["nodes"] if li["id"] == item["lineItem"]["id"])
            key = level_id(location, item_of(shop, line))
            expected[key] = expected.get(key, 0) + item["totalQuantity"]
    assert expected
    for lvl in store.inventory.levels():
        after = read(shop, lvl["location"]["id"], lvl["item"]["id"])
        units = expected.get(lvl["id"], 0)
        assert moved(before[lvl["id"]], after) == ({"available": -units, "committed": units} if units else {})
        if units:
            assert_stamped(before[lvl["id"]], after, now)


def test_fulfillment_create_ships_from_the_fulfilment_orders_location(shop: Shop) -> None:
    order, fo = open_order(shop)
    location = fo["assignedLocation"]["location"]["id"]
    item = fo["lineItems"]["nodes"][0]
    line = next(li for li in order["lineItems"]["nodes"] if li["id"] == item["lineItem"]["id"])
    before = read(shop, location, item_of(shop, line))
    now = tick(shop)
    made = create(shop, writer(shop), fo, [{"id": item["id"], "quantity": item["remainingQuantity"]}])
    assert made["userErrors"] == []
    after = read(shop, location, item_of(shop, line))
    units = item["remainingQuantity"]
    assert moved(before, after) == {"committed": -units, "on_hand": -units}
    assert_stamped(before, after, now)
    assert_on_hand_adds_up(after)


def test_cancelling_releases_what_was_committed(shop: Shop) -> None:
    order, fo = open_order(shop, skip=1)
    location = fo["assignedLocation"]["location"]["id"]
    lines = {li["id"]: li for li in order["lineItems"]["nodes"]}
    units: dict[str, int] = {}
    for item in fo["lineItems"]["nodes"]:
        key = item_of(shop, lines[item["lineItem"]["id"]])
        units[key] = units.get(key, 0) + item["remainingQuantity"]
    before = {item: read(shop, location, item) for item in units}
    now = tick(shop)
    shop.admin("POST", f"/orders/{order['legacyResourceId']}/cancel", {"reason": "CUSTOMER", "restock": True})
    for item, released in units.items():
        after = read(shop, location, item)
        assert moved(before[item], after) == (
            {"available": released, "committed": -released} if released else {}
        )
        if released:
            assert_stamped(before[item], after, now)


def _shipped_elsewhere(shop: Shop) -> tuple[Node, Node, str]:
    """A plain order with a line shipped from a location other than the warehouse, still refundable."""
    store = shop.running.state.store
    for order in shop.orders_truth():
        for fulfillment in order.get("fulfillments", []):
            where = fulfillment["location"]["id"]
            for shipped in fulfillment["fulfillmentLineItems"]["nodes"]:
                line = next(li for li in order["lineItems"]["nodes"] if li["id"] == shipped["lineItem"]["id"])
                shipped_only = line["refundableQuantity"] and not line["unfulfilledQuantity"]
                if where != store.warehouse_location_id and shipped_only and not order["test"]:
                    return order, line, where
    raise AssertionError("no order shipped from the retail store or the pop-up")


def test_a_restocking_refund_restocks_at_the_refund_lines_location(shop: Shop) -> None:
    order, line, where = _shipped_elsewhere(shop)
    before = read(shop, where, item_of(shop, line))
    now = tick(shop)
    refund = shop.admin(
        "POST",
        f"/orders/{order['legacyResourceId']}/refund",
        {"lines": [{"id": line["id"], "quantity": 1, "restock": True}]},
    )["refund"]
    (refunded,) = refund["refundLineItems"]["nodes"]
    assert (refunded["restockType"], refunded["location"]) == ("RETURN", {"id": where})
    after = read(shop, where, item_of(shop, line))
    assert moved(before, after) == {"available": 1, "on_hand": 1}
    assert_stamped(before, after, now)


def test_a_refund_without_restock_leaves_shipped_stock_alone(shop: Shop) -> None:
    order, line, where = _shipped_elsewhere(shop)
    before = read(shop, where, item_of(shop, line))
    tick(shop)
    shop.admin(
        "POST",
        f"/orders/{order['legacyResourceId']}/refund",
        {"lines": [{"id": line["id"], "quantity": 1, "restock": False}]},
    )
    assert read(shop, where, item_of(shop, line)) == before


# --- updated_at windows and paging -----------------------------------------------------------------------


def adjust(shop: Shop, sku: str, location: str, delta: int = 1, name: str = "available") -> Node:
    payload = {"sku": sku, "location_id": location, "name": name, "delta": delta, "reason": "correction"}
    return shop.admin("POST", "/inventory/adjust", payload)


def page_all(shop: Shop, location: str, query: str | None, between: Any = None) -> list[str]:
    """Every level id of ``location`` matching ``query``, page by page (``between(n)`` runs after page n)."""
    seen: list[str] = []
    after = None
    for number in range(100):
        data = shop.data(PAGE, {"id": location, "q": query, "after": after})
        connection = data["location"]["inventoryLevels"]
        seen += [node["id"] for node in connection["nodes"]]
        if between is not None:
            between(number)
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("paging never ended")


def interleave(shop: Shop, skus: list[str], locations: list[str]) -> list[tuple[str, str, str]]:
    """Changes alternating between the locations, one a minute: (time, location, sku) of each."""
    stamped = []
    for index in range(2 * len(skus)):
        location, sku = locations[index % 2], skus[index // 2]
        now = tick(shop)
        adjust(shop, sku, location)
        stamped.append((now, location, sku))
    return stamped


def expected_ids(shop: Shop, stamped: list[tuple[str, str, str]], location: str, keep: Any) -> list[str]:
    store = shop.running.state.store
    return sorted(
        level_id(loc, store.item_by_sku(sku)["id"])
        for at, loc, sku in stamped
        if loc == location and keep(at)
    )


@pytest.mark.parametrize(
    ("template", "keep"),
    [
        ("updated_at:>='{a}' AND updated_at:<'{b}'", lambda at, a, b: a <= at < b),
        ("updated_at:>'{a}' updated_at:<='{b}'", lambda at, a, b: a < at <= b),
        ('updated_at:>="{a}" AND updated_at:<="{b}"', lambda at, a, b: a <= at <= b),
    ],
    ids=[">= AND <", "> <= (implicit AND)", "double quotes"],
)
def test_updated_at_windows_page_each_level_exactly_once(shop: Shop, template: str, keep: Any) -> None:
    store = shop.running.state.store
    warehouse = str(store.warehouse_location_id)
    retail = next(gid for gid in store.locations if gid != warehouse)
    skus = sorted(str(i["sku"]) for i in store.inventory_items.values() if i["tracked"])[:8]
    stamped = interleave(shop, skus, [warehouse, retail])
    a, b = stamped[3][0], stamped[12][0]
    query = template.format(a=a, b=b)
    for location in (warehouse, retail):
        seen = page_all(shop, location, query)
        assert len(seen) == len(set(seen))
        assert sorted(seen) == expected_ids(shop, stamped, location, lambda at: keep(at, a, b))


def test_levels_changing_between_pages_are_neither_repeated_nor_skipped(shop: Shop) -> None:
    store = shop.running.state.store
    warehouse = str(store.warehouse_location_id)
    items = sorted((i for i in store.inventory_items.values() if i["tracked"]), key=lambda i: number(i["id"]))
    skus = [str(i["sku"]) for i in items]
    since = tick(shop)
    for sku in skus[1::2]:
        adjust(shop, sku, warehouse)

    def meanwhile(page: int) -> None:
        if page == 0:  # under the reader's feet: one served level, one before and one after the cursor
            tick(shop)
            for sku in (skus[1], skus[0], skus[-2]):
                adjust(shop, sku, warehouse)

    seen = page_all(shop, warehouse, f"updated_at:>='{since}'", meanwhile)
    assert len(seen) == len(set(seen))
    # skus[0] entered the window behind the cursor: the next run's window (from its new updatedAt) has it
    wanted = [level_id(warehouse, i["id"]) for i in [*items[1::2], items[-2]]]
    assert sorted(seen) == sorted(wanted)


def test_an_unquoted_instant_means_that_whole_shop_day(shop: Shop) -> None:
    store = shop.running.state.store
    warehouse = str(store.warehouse_location_id)
    sku = next(str(i["sku"]) for i in store.inventory_items.values() if i["tracked"])
    now = tick(shop, 3600)
    adjust(shop, sku, warehouse)
    exact = page_all(shop, warehouse, f"updated_at:>='{now}'")
    assert exact == [level_id(warehouse, store.item_by_sku(sku)["id"])]
    # Shopify drops the time of an unquoted timestamp: ">= midnight (shop time) of that day"
    assert set(exact) <= set(page_all(shop, warehouse, f"updated_at:>={now}"))


def test_inventory_item_levels_and_level_by_id(shop: Shop) -> None:
    store = shop.running.state.store
    item = next(i for i in store.inventory_items.values() if i["tracked"])
    served = shop.data(ITEM_LEVELS, {"id": item["id"]})["inventoryItem"]
    locations = [n["location"]["id"] for n in served["inventoryLevels"]["nodes"]]
    assert locations == sorted(store.locations, key=number)
    for node in served["inventoryLevels"]["nodes"]:
        assert node["id"] == level_id(node["location"]["id"], item["id"])
        assert (
            read(shop, node["location"]["id"], item["id"])["q"]["on_hand"]
            == node["quantities"][0]["quantity"]
        )
    body = shop.gql(LEVEL, {"id": "12345"})
    assert body["errors"][0]["message"] == "Invalid global id '12345'"
    unknown = level_id(next(iter(store.locations)), "gid://shopify/InventoryItem/1")
    assert shop.data(LEVEL, {"id": unknown})["inventoryLevel"] is None


# --- admin routes ---------------------------------------------------------------------------------------


def test_admin_reads_a_level_by_sku_and_location(shop: Shop) -> None:
    store = shop.running.state.store
    warehouse = str(store.warehouse_location_id)
    item = next(i for i in store.inventory_items.values() if i["tracked"])
    legacy = warehouse.rsplit("/", 1)[1]
    (level,) = shop.admin("GET", f"/inventory/levels?sku={item['sku']}&location_id={legacy}")["levels"]
    assert (level["sku"], level["location"]["id"], level["id"]) == (
        item["sku"],
        warehouse,
        level_id(warehouse, item["id"]),
    )
    assert level["quantities"] == read(shop, warehouse, item["id"])["q"]
    assert len(shop.admin("GET", f"/inventory/levels?sku={item['sku']}")["levels"]) == 3
    shop.admin("GET", "/inventory/levels?sku=NO-SUCH-SKU", status=404)
    shop.admin("GET", "/inventory/levels?location_id=1", status=404)


def test_admin_adjust_a_till_sale_a_count_and_damage(shop: Shop) -> None:
    store = shop.running.state.store
    retail = next(gid for gid in store.locations if gid != store.warehouse_location_id)
    item = next(i for i in store.inventory_items.values() if i["tracked"])
    before = read(shop, retail, item["id"])
    now = tick(shop)
    sale = adjust(shop, str(item["sku"]), retail, -1, "on_hand")
    assert [(c["name"], c["delta"]) for c in sale["adjustment_group"]["changes"]] == [
        ("on_hand", -1),
        ("available", -1),
    ]
    after = read(shop, retail, item["id"])
    assert moved(before, after) == {"available": -1, "on_hand": -1}
    assert_stamped(before, after, now)
    assert sale["level"]["quantities"] == after["q"]
    adjust(shop, str(item["sku"]), retail, 2, "damaged")
    damaged = read(shop, retail, item["id"])
    assert moved(after, damaged) == {"damaged": 2, "on_hand": 2}
    assert_on_hand_adds_up(damaged)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"name": "committed"}, 400),
        ({"delta": 0}, 400),
        ({"delta": "1"}, 400),
        ({"reason": "stocktake"}, 400),
        ({"sku": "NO-SUCH-SKU"}, 404),
        ({"location_id": "gid://shopify/Location/1"}, 404),
        ({"sku": "GC-500"}, 404),  # a gift card is not stocked anywhere
    ],
)
def test_admin_adjust_refuses_bad_input(shop: Shop, change: Node, status: int) -> None:
    store = shop.running.state.store
    payload = {"sku": "RB-TEA-250", "location_id": store.warehouse_location_id, "delta": 1, **change}
    shop.admin("POST", "/inventory/adjust", payload, status=status)
