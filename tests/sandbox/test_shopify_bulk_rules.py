"""Bulk queries: Shopify's rules as INVALID userErrors, the concurrency limit per version, scopes, listing."""

from __future__ import annotations

import pytest

from tests.sandbox.bulk_helpers import CANCEL, ORDERS_WITH_LINES, fast, poll, run, started, wait
from tests.sandbox.conftest import Shop

LEVELS = "inventoryLevels {{ edges {{ node {{ id {inner} }} }} }}"
DEEP = (
    "{ locations { edges { node { id "
    + LEVELS.format(
        inner="item { id " + LEVELS.format(inner="location { id " + LEVELS.format(inner="") + " }") + " }"
    )
    + " } } } }"
)
SIX = (
    "{ orders { edges { node { id "
    + " ".join(f"l{i}: lineItems {{ edges {{ node {{ id }} }} }}" for i in range(5))
    + " } } } }"
)

RULES = [
    ("{ orders { edges { node { id } } }", "Invalid bulk query: Parse error on"),
    ("{ orders { edges { node { id foo } } } }", "Invalid bulk query: Field 'foo' doesn't exist on type"),
    ("{ shop { name } }", "Bulk queries must contain at least one connection."),
    ('{ node(id: "gid://shopify/Order/1") { id } }', "Bulk queries cannot contain a top level `node` field."),
    (SIX, "Bulk queries cannot contain more than 5 connections."),
    (DEEP, "Bulk queries cannot contain connections with a nesting depth greater than 2."),
    ("{ orders { nodes { id } } }", "Selecting via 'nodes' is not supported."),
    (
        "{ orders { edges { node { id refunds { refundLineItems { edges { node { id } } } } } } } }",
        "Queries that contain a connection field within a list field are not currently supported.",
    ),
    (
        "{ orders { edges { node { name lineItems { edges { node { id } } } } } } }",
        "The parent 'node' field for a nested connection must select the 'id' field",
    ),
    (
        'mutation { tagsAdd(id: "gid://shopify/Order/1", tags: ["x"]) { userErrors { message } } }',
        "Invalid operation type. Only `query` operations are supported.",
    ),
]


@pytest.mark.parametrize(("query", "message"), RULES)
def test_rule_breaking_queries_are_refused_with_invalid_user_errors(
    shared_shop: Shop, query: str, message: str
) -> None:
    payload = run(shared_shop, query)
    assert payload["bulkOperation"] is None
    assert payload["userErrors"], payload
    assert all(e["field"] == ["query"] and e["code"] == "INVALID" for e in payload["userErrors"])
    messages = [e["message"] for e in payload["userErrors"]]
    assert any(m.startswith(message) or message in m for m in messages)
    assert len(messages) == len(set(messages))
    assert shared_shop.admin("GET", "/bulk")["operations"] == []


def test_five_running_operations_from_2026_01_and_one_before(shop: Shop) -> None:
    shop.admin("POST", "/bulk", {"rate": 2.0})  # slow: every operation stays RUNNING during the test
    ids = [started(shop, ORDERS_WITH_LINES) for _ in range(5)]
    refused = run(shop, ORDERS_WITH_LINES)
    assert refused["bulkOperation"] is None
    assert refused["userErrors"] == [
        {
            "field": None,
            "code": "OPERATION_IN_PROGRESS",
            "message": f"A bulk query operation for this app and shop is already in progress: {ids[-1]}.",
        }
    ]
    for gid in ids:
        assert shop.data(CANCEL, {"id": gid})["bulkOperationCancel"]["bulkOperation"]["status"] == "CANCELING"
    assert all(wait(shop, gid)["status"] == "CANCELED" for gid in ids)
    old = started(shop, ORDERS_WITH_LINES, version="2025-10")
    again = run(shop, ORDERS_WITH_LINES, version="2025-10")
    assert again["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    assert again["userErrors"][0]["message"].endswith(f"{old}.")
    listed = {op["id"]: op for op in shop.admin("GET", "/bulk")["operations"]}
    assert listed[old]["group_objects"] is True  # default before 2026-01
    assert listed[ids[0]]["group_objects"] is False  # default from 2026-01
    assert len(listed) == 6  # refused requests created nothing


def test_missing_scope_fails_the_operation_with_access_denied(shop: Shop) -> None:
    fast(shop)
    token = shop.admin("POST", "/tokens", {"scopes": ["read_locations"]})["token"]
    gid = run(shop, ORDERS_WITH_LINES, token=token)["bulkOperation"]["id"]
    op = wait(shop, gid)
    assert (op["status"], op["errorCode"], op["objectCount"]) == ("FAILED", "ACCESS_DENIED", "0")
    assert op["url"] is None


def test_current_and_listed_operations(shop: Shop) -> None:
    fast(shop)
    assert shop.data("{ currentBulkOperation { id } }")["currentBulkOperation"] is None
    first = started(shop, ORDERS_WITH_LINES)
    wait(shop, first)
    second = started(shop, '{ orders(query: "name:nothing-matches") { edges { node { id } } } }')
    empty = wait(shop, second)
    assert (empty["status"], empty["objectCount"]) == ("COMPLETED", "0")
    assert (empty["url"], empty["fileSize"]) == (None, None)
    current = shop.data("{ currentBulkOperation(type: QUERY) { id status } }")["currentBulkOperation"]
    assert current == {"id": second, "status": "COMPLETED"}
    listed = shop.data(
        '{ bulkOperations(first: 10, query: "status:completed", sortKey: CREATED_AT, reverse: true) '
        "{ nodes { id } } }"
    )["bulkOperations"]["nodes"]
    assert [n["id"] for n in listed] == [second, first]
    assert shop.data("query($id: ID!) { bulkOperation(id: $id) { id query type } }", {"id": first})[
        "bulkOperation"
    ] == {"id": first, "query": ORDERS_WITH_LINES, "type": "QUERY"}
    assert poll(shop, first)["rootObjectCount"] == str(len(shop.orders_truth()))
