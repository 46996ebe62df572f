"""inventorySetQuantities over real HTTP, with Shopify's 2026-04 rules: changeFromQuantity on every quantity,
the @idempotent key, userError codes, all or nothing, ACCESS_DENIED and ghost writes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.shopify.idempotency import MISMATCH, MISSING
from sandbox.shopify.inventory_mutations import MISSING_CHANGE_FROM
from sandbox.shopify.inventory_set import MESSAGES
from tests.sandbox.conftest import Shop
from tests.sandbox.test_shopify_inventory import moved, read, tick

Node = dict[str, Any]
SCOPES = ["read_inventory", "write_inventory", "read_locations"]
SET = """mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id createdAt reason referenceDocumentUri
      changes(quantityNames: ["available", "on_hand"]) {
        name delta quantityAfterChange item { id sku } location { id name } } }
    userErrors { code field message } } }"""
URI = "gid://shoplines/StockCount/2026-11-02-CPT"


def writer(shop: Shop, scopes: list[str] = SCOPES) -> str:
    return str(shop.admin("POST", "/tokens", {"scopes": scopes})["token"])


def spot(shop: Shop, index: int = 0, where: str = "warehouse") -> tuple[str, str, str]:
    """(item gid, sku, location gid) of a tracked item stocked at the warehouse (or the retail store)."""
    store = shop.running.state.store
    items = sorted((i for i in store.inventory_items.values() if i["tracked"]), key=lambda i: i["id"])
    warehouse = str(store.warehouse_location_id)
    location = warehouse if where == "warehouse" else next(g for g in store.locations if g != warehouse)
    return items[index]["id"], str(items[index]["sku"]), location


def entry(shop: Shop, item: str, location: str, quantity: int, name: str = "available", **more: Any) -> Node:
    """One quantity with changeFromQuantity = what the sandbox holds now (unless given)."""
    current = read(shop, location, item)["q"][name]
    return {
        "inventoryItemId": item,
        "locationId": location,
        "quantity": quantity,
        "changeFromQuantity": current,
        **more,
    }


def set_stock(
    shop: Shop,
    quantities: list[Node],
    *,
    key: str = "k-1",
    name: str = "available",
    token: str | None = None,
    **more: Any,
) -> httpx.Response:
    data = {
        "name": name,
        "reason": "correction",
        "referenceDocumentUri": URI,
        "quantities": quantities,
        **more,
    }
    return shop.post(SET, {"input": data, "key": key}, token=token or writer(shop))


def ok(response: httpx.Response) -> Node:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    return dict(body["data"]["inventorySetQuantities"])


def test_setting_available_moves_on_hand_by_the_same_delta(shop: Shop) -> None:
    item, sku, location = spot(shop)
    before = read(shop, location, item)
    now = tick(shop)
    result = ok(set_stock(shop, [entry(shop, item, location, before["q"]["available"] + 7)]))
    assert result["userErrors"] == []
    group = result["inventoryAdjustmentGroup"]
    assert group["id"].startswith("gid://shopify/InventoryAdjustmentGroup/")
    assert (group["createdAt"], group["reason"], group["referenceDocumentUri"]) == (now, "correction", URI)
    name = shop.running.state.store.locations[location]["name"]
    assert group["changes"] == [
        {
            "name": n,
            "delta": 7,
            "quantityAfterChange": before["q"][n] + 7,
            "item": {"id": item, "sku": sku},
            "location": {"id": location, "name": name},
        }
        for n in ("available", "on_hand")
    ]
    after = read(shop, location, item)
    assert moved(before, after) == {"available": 7, "on_hand": 7}
    assert after["updatedAt"] == after["at"]["available"] == after["at"]["on_hand"] == now


def test_setting_on_hand_moves_available_by_the_same_delta(shop: Shop) -> None:
    item, _, location = spot(shop, 1, "retail")
    before = read(shop, location, item)
    result = ok(set_stock(shop, [entry(shop, item, location, 0, "on_hand")], name="on_hand"))
    assert [(c["name"], c["delta"]) for c in result["inventoryAdjustmentGroup"]["changes"]] == [
        ("on_hand", -before["q"]["on_hand"]),
        ("available", -before["q"]["on_hand"]),
    ]
    after = read(shop, location, item)
    assert after["q"]["on_hand"] == 0
    assert after["q"]["available"] == before["q"]["available"] - before["q"]["on_hand"]


def test_explicit_null_change_from_quantity_skips_the_check(shop: Shop) -> None:
    item, _, location = spot(shop)
    result = ok(set_stock(shop, [entry(shop, item, location, 42, changeFromQuantity=None)]))
    assert result["userErrors"] == []
    assert read(shop, location, item)["q"]["available"] == 42


def test_a_stale_quantity_fails_the_whole_mutation(shop: Shop) -> None:
    (item, _, location), (other, _, _) = spot(shop), spot(shop, 1)
    before = {i: read(shop, location, i) for i in (item, other)}
    fresh = entry(shop, item, location, 5)
    stale = entry(shop, other, location, 5, changeFromQuantity=before[other]["q"]["available"] - 1)
    result = ok(set_stock(shop, [fresh, stale]))
    assert result == {
        "inventoryAdjustmentGroup": None,
        "userErrors": [
            {
                "code": "CHANGE_FROM_QUANTITY_STALE",
                "field": ["input", "quantities", "1", "changeFromQuantity"],
                "message": MESSAGES["CHANGE_FROM_QUANTITY_STALE"],
            }
        ],
    }
    assert {i: read(shop, location, i) for i in (item, other)} == before


def test_omitting_change_from_quantity_is_a_top_level_error(shop: Shop) -> None:
    item, _, location = spot(shop)
    before = read(shop, location, item)
    body = set_stock(shop, [{"inventoryItemId": item, "locationId": location, "quantity": 3}]).json()
    assert body["data"] == {"inventorySetQuantities": None}
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        (MISSING_CHANGE_FROM, "INVALID_FIELD_ARGUMENTS")
    ]
    assert read(shop, location, item) == before


def test_the_idempotent_directive_is_required(shop: Shop) -> None:
    item, _, location = spot(shop)
    before = read(shop, location, item)
    query = SET.replace(" @idempotent(key: $key)", "").replace(", $key: String!", "")
    data = {"name": "available", "reason": "correction", "quantities": [entry(shop, item, location, 3)]}
    body = shop.gql(query, {"input": data}, token=writer(shop))
    assert body["data"] == {"inventorySetQuantities": None}
    (error,) = body["errors"]
    assert (error["message"], error["extensions"]["code"], error["path"]) == (
        MISSING,
        "BAD_REQUEST",
        ["inventorySetQuantities"],
    )
    assert read(shop, location, item) == before


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!)",
            'mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) @idempotent(key: "k")',
            "'@idempotent' can't be applied to mutations (allowed: fields)",
        ),
        (
            "@idempotent(key: $key)",
            "@idempotent",
            "Directive 'idempotent' is missing required arguments: key",
        ),
    ],
    ids=["on the operation", "without a key"],
)
def test_a_misplaced_or_keyless_directive_fails_validation(
    shop: Shop, old: str, new: str, message: str
) -> None:
    item, _, location = spot(shop)
    query = SET.replace(old, new)
    if "$key)" not in query:
        query = query.replace(", $key: String!", "")
    data = {"name": "available", "reason": "correction", "quantities": [entry(shop, item, location, 3)]}
    body = shop.gql(
        query, {"input": data, "key": "k"} if "$key" in query else {"input": data}, token=writer(shop)
    )
    assert "data" not in body
    assert message in [e["message"] for e in body["errors"]]


def test_the_same_key_and_input_replay_the_first_answer(shop: Shop) -> None:
    item, _, location = spot(shop)
    before = read(shop, location, item)
    quantities = [entry(shop, item, location, before["q"]["available"] + 3)]
    first = ok(set_stock(shop, quantities, key="count-1"))
    tick(shop)
    again = ok(set_stock(shop, quantities, key="count-1"))
    assert again == first
    assert moved(before, read(shop, location, item)) == {"available": 3, "on_hand": 3}


def test_the_same_key_with_other_input_is_refused(shop: Shop) -> None:
    item, _, location = spot(shop)
    ok(set_stock(shop, [entry(shop, item, location, 11)], key="count-2"))
    after_first = read(shop, location, item)
    refused = ok(set_stock(shop, [entry(shop, item, location, 12)], key="count-2"))
    assert refused == {
        "inventoryAdjustmentGroup": None,
        "userErrors": [{"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "field": None, "message": MISMATCH}],
    }
    assert read(shop, location, item) == after_first


def test_without_replay_a_repeat_runs_again_and_fails_its_check(shop: Shop) -> None:
    item, _, location = spot(shop)
    assert shop.admin("POST", "/inventory/idempotency", {"replay": False})["replay"] is False
    quantities = [entry(shop, item, location, 9)]
    assert ok(set_stock(shop, quantities, key="count-3"))["userErrors"] == []
    again = ok(set_stock(shop, quantities, key="count-3"))
    assert [e["code"] for e in again["userErrors"]] == ["CHANGE_FROM_QUANTITY_STALE"]
    assert read(shop, location, item)["q"]["available"] == 9


def test_write_inventory_is_required(shop: Shop) -> None:
    item, _, location = spot(shop)
    before = read(shop, location, item)
    for token in (shop.running.token, writer(shop, ["read_inventory"])):
        body = set_stock(shop, [entry(shop, item, location, 1)], token=token).json()
        assert body["data"] == {"inventorySetQuantities": None}
        assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
        assert "`write_inventory`" in body["errors"][0]["message"]
    assert read(shop, location, item) == before


def _bad(shop: Shop, case: str) -> tuple[list[Node], dict[str, Any], str, list[str]]:
    """(quantities, other input, expected code, expected field) for one refused request."""
    item, _, location = spot(shop)
    good = entry(shop, item, location, 5)
    at = ["input", "quantities", "0"]
    gift = next(i["id"] for i in shop.running.state.store.inventory_items.values() if not i["tracked"])
    cases: dict[str, tuple[list[Node], dict[str, Any], str, list[str]]] = {
        "name": ([good], {"name": "committed"}, "INVALID_NAME", ["input", "name"]),
        "reason": ([good], {"reason": "stocktake"}, "INVALID_REASON", ["input", "reason"]),
        "uri": (
            [good],
            {"referenceDocumentUri": "no uri"},
            "INVALID_REFERENCE_DOCUMENT",
            ["input", "referenceDocumentUri"],
        ),
        "item": (
            [{**good, "inventoryItemId": "gid://shopify/InventoryItem/1"}],
            {},
            "INVALID_INVENTORY_ITEM",
            [*at, "inventoryItemId"],
        ),
        "location": (
            [{**good, "locationId": "gid://shopify/Location/1"}],
            {},
            "INVALID_LOCATION",
            [*at, "locationId"],
        ),
        "not stocked": (
            [{**good, "inventoryItemId": gift}],
            {},
            "ITEM_NOT_STOCKED_AT_LOCATION",
            [*at, "locationId"],
        ),
        "negative": ([{**good, "quantity": -1}], {}, "INVALID_QUANTITY_NEGATIVE", [*at, "quantity"]),
        "too high": (
            [{**good, "quantity": 1_000_000_001}],
            {},
            "INVALID_QUANTITY_TOO_HIGH",
            [*at, "quantity"],
        ),
        "duplicate": (
            [good, good],
            {},
            "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
            ["input", "quantities", "1"],
        ),
    }
    return cases[case]


@pytest.mark.parametrize(
    "case", ["name", "reason", "uri", "item", "location", "not stocked", "negative", "too high", "duplicate"]
)
def test_refused_input_is_a_user_error_and_writes_nothing(shop: Shop, case: str) -> None:
    quantities, more, code, field = _bad(shop, case)
    item, _, location = spot(shop)
    before = read(shop, location, item)
    result = ok(set_stock(shop, quantities, key=f"bad-{case}", **more))
    assert result["inventoryAdjustmentGroup"] is None
    (error,) = result["userErrors"]
    assert error["code"] == code
    assert error["field"] == field
    assert error["message"] == MESSAGES[code]
    assert read(shop, location, item) == before


def test_a_malformed_gid_is_the_coercion_error(shop: Shop) -> None:
    item, _, location = spot(shop)
    body = set_stock(shop, [{**entry(shop, item, location, 1), "locationId": "123"}]).json()
    assert body["data"] == {"inventorySetQuantities": None}
    assert body["errors"][0]["message"] == "Invalid global id '123'"


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "http_error", "status": 502, "commit": True},
        {"kind": "reset", "commit": True},
        {"kind": "truncated"},
    ],
    ids=["502", "reset", "truncated"],
)
def test_a_ghost_write_then_a_retry_with_the_same_key_sets_once(shop: Shop, rule: Node) -> None:
    item, _, location = spot(shop)
    before = read(shop, location, item)
    token = writer(shop)
    quantities = [entry(shop, item, location, before["q"]["available"] + 4)]
    shop.admin("POST", "/faults", {**rule, "operation": "SetStock"})
    try:
        lost = set_stock(shop, quantities, key="ghost-1", token=token)
        assert lost.status_code == 502, lost.text
    except httpx.TransportError:
        assert rule["kind"] in ("reset", "truncated")
    assert moved(before, read(shop, location, item)) == {"available": 4, "on_hand": 4}
    (logged,) = [r for r in shop.admin("GET", "/requests")["requests"] if r["operation_name"] == "SetStock"]
    assert (logged["fault"], logged["actual_cost"]) == (rule["kind"], 10)
    retry = ok(set_stock(shop, quantities, key="ghost-1", token=token))
    assert retry["userErrors"] == []
    assert moved(before, read(shop, location, item)) == {"available": 4, "on_hand": 4}


def test_a_throttled_mutation_writes_nothing(shop: Shop) -> None:
    item, sku, location = spot(shop)
    before = read(shop, location, item)
    token = writer(shop)
    quantities = [entry(shop, item, location, 1)]
    shop.admin("POST", "/plan", {"restore_rate": 0.001, "currently_available": 5})
    body = set_stock(shop, quantities, token=token).json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    (level,) = shop.admin("GET", f"/inventory/levels?location_id={location}&sku={sku}")["levels"]
    assert level["quantities"] == before["q"]
