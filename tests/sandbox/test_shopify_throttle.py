"""Cost-based throttle: requested cost charged up front, refund to actual, THROTTLED, restore, max cost."""

from __future__ import annotations

import time

import pytest

from sandbox.clock import SandboxClock
from sandbox.shopify.throttle import LeakyBucket
from tests.sandbox.conftest import Shop

# 2 + 10 × (order 1 + totalPriceSet 1 + shopMoney 1 + lineItems(2 + 5 × (1 + 0))) = 2 + 10 × 10
QUERY = """
query Cost($q: String) { orders(first: 10, query: $q) { nodes { id totalPriceSet { shopMoney { amount } }
  lineItems(first: 5) { nodes { sku } } } } }
"""


def cost(body: dict) -> dict:
    return body["extensions"]["cost"]


def test_cost_extension_shape_and_the_documented_model(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})
    body = shop.gql(QUERY)
    ext = cost(body)
    assert ext["requestedQueryCost"] == 102
    nodes = body["data"]["orders"]["nodes"]
    expected_actual = 2 + sum(1 + 2 + 2 + len(n["lineItems"]["nodes"]) for n in nodes)
    assert ext["actualQueryCost"] == expected_actual < 102
    status = ext["throttleStatus"]
    assert status == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 2000 - expected_actual,
        "restoreRate": 100.0,
    }
    assert isinstance(status["maximumAvailable"], float)
    assert isinstance(status["currentlyAvailable"], int)


def test_requested_is_charged_up_front_and_refunded_to_actual(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})
    none = cost(shop.gql(QUERY, {"q": "name:#99999"}))
    assert none == {
        "requestedQueryCost": 102,
        "actualQueryCost": 2,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1998, "restoreRate": 100.0},
    }
    shop.admin("POST", "/plan", {"currently_available": 101})
    short = shop.gql(QUERY, {"q": "name:#99999"})
    assert short["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    assert "data" not in short
    assert cost(short)["actualQueryCost"] is None
    assert cost(short)["throttleStatus"]["currentlyAvailable"] == 101
    shop.admin("POST", "/plan", {"currently_available": 102})
    enough = shop.gql(QUERY, {"q": "name:#99999"})
    assert "errors" not in enough
    assert cost(enough)["throttleStatus"]["currentlyAvailable"] == 100


def test_bucket_restores_on_the_fast_sandbox_clock(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})  # frozen: at 100x a few ms would refill a small query's cost
    shop.admin("POST", "/plan", {"currently_available": 0})
    assert shop.gql(QUERY)["errors"][0]["extensions"]["code"] == "THROTTLED"
    shop.admin("POST", "/clock", {"scale": 100})
    time.sleep(0.2)  # 0.2 s × 100 = 20 sandbox seconds × 100 points/s: the bucket is full again
    body = shop.gql(QUERY)
    assert "errors" not in body
    assert cost(body)["throttleStatus"]["currentlyAvailable"] > 1800


def test_plans_change_rate_and_size(shop: Shop) -> None:
    state = shop.admin("POST", "/plan", {"plan": "plus"})
    assert state["bucket"]["maximumAvailable"] == 20000.0
    assert state["bucket"]["restoreRate"] == 1000.0
    assert cost(shop.gql("{ shop { name } }"))["throttleStatus"]["restoreRate"] == 1000.0
    shop.admin("POST", "/plan", {"plan": "nope"}, status=400)


def test_requests_costing_over_1000_are_refused_without_charge(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})
    body = shop.gql("{ orders(first: 250) { nodes { id lineItems(first: 5) { nodes { id } } } } }")
    (error,) = body["errors"]
    requested = 2 + 250 * (1 + 2 + 5)
    assert error["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "cost": requested,
        "maxCost": 1000,
        "documentation": "https://shopify.dev/api/usage/rate-limits",
    }
    assert error["message"].startswith(
        f"Query cost is {requested}, which exceeds the single query max cost limit (1000)."
    )
    assert cost(body)["requestedQueryCost"] == requested
    assert cost(body)["actualQueryCost"] is None
    assert cost(body)["throttleStatus"]["currentlyAvailable"] == 2000


def test_lists_fragments_and_mutations_in_the_cost_model(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})
    listed = cost(
        shop.gql(
            "{ orders(first: 1) { nodes { refunds { id } "
            "transactions { amountSet { shopMoney { amount } } } } } }"
        )
    )
    assert listed["requestedQueryCost"] == 2 + 1 * (1 + 1 + (1 + 1 + 1))
    token = shop.admin("POST", "/tokens", {"scopes": ["write_orders"]})["token"]
    target = shop.orders_truth()[-1]
    body = shop.gql(
        'mutation($id: ID!) { tagsAdd(id: $id, tags: ["wholesale"]) { '
        "node { id tags } userErrors { message } } }",
        {"id": target["id"]},
        token=token,
    )
    assert "wholesale" in body["data"]["tagsAdd"]["node"]["tags"]
    assert cost(body)["requestedQueryCost"] == 10 == cost(body)["actualQueryCost"]
    denied = shop.gql(
        'mutation($id: ID!) { tagsAdd(id: $id, tags: ["x"]) { userErrors { message } } }',
        {"id": target["id"]},
    )
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


@pytest.mark.parametrize(
    ("plan", "rate", "size"),
    [("standard", 100, 2000), ("advanced", 200, 4000), ("plus", 1000, 20000), ("enterprise", 2000, 40000)],
)
def test_leaky_bucket_arithmetic(plan: str, rate: float, size: float) -> None:
    clock = SandboxClock(scale=0)
    bucket = LeakyBucket(clock, plan)
    assert bucket.try_charge(int(size))
    assert not bucket.try_charge(1)
    clock.advance(1.5)
    assert bucket.status().currently_available == int(1.5 * rate)
    bucket.refund(10**9)
    assert bucket.status().currently_available == int(size)
