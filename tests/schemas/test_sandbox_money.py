"""The new documents against the running sandbox, end to end: what it answers flattens and validates with
nothing set aside (the sandbox keeps refunds, payments and stock consistent, as Shopify does)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from clients import shopify_money_queries as q
from tasks.transform_inventory import flatten_inventory, validate_inventory
from tasks.transform_refunds import flatten_refunds
from tasks.validate_refunds import validate_refunds
from tests.clients.shopify_sandbox import Shop, running_shop


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    with running_shop(seed=7, orders=40) as running:
        yield running


def ask(shop: Shop, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    url = f"{shop.running.url}/admin/api/2026-01/graphql.json"
    headers = {"X-Shopify-Access-Token": shop.running.token}
    for _ in range(50):
        reply = httpx.post(url, json={"query": document, "variables": variables}, headers=headers, timeout=10)
        reply.raise_for_status()
        body = reply.json()
        if not any(e.get("extensions", {}).get("code") == "THROTTLED" for e in body.get("errors", [])):
            assert "errors" not in body, body["errors"]
            return dict(body["data"])
        time.sleep(0.05)
    raise AssertionError("still throttled")


def pages(shop: Shop, document: str, path: tuple[str, ...], variables: dict[str, Any]) -> list[Any]:
    found, after = [], None
    while True:
        data: Any = ask(shop, document, {**variables, "after": after})
        for key in path:
            data = data[key]
        found.extend(data["nodes"])
        if not data["pageInfo"]["hasNextPage"]:
            return found
        after = data["pageInfo"]["endCursor"]


def test_sandbox_refunds_and_payments_pass_whole(shop: Shop) -> None:
    orders = pages(shop, q.ORDERS_MONEY_PAGE, ("orders",), {"first": 10})
    got = validate_refunds.fn(flatten_refunds.fn(orders), "ZAR")
    assert got.rejected == []
    assert got.unchecked == []
    assert len(got.refunds) > 0
    assert len(got.transactions) >= len(orders) - 5  # nearly every order was paid
    paid_back = got.transactions.query("kind == 'REFUND' and status == 'SUCCESS'")["amount_cents"].sum()
    assert paid_back == got.refunds["total_refunded_cents"].sum()
    assert {n.detail for n in got.unmapped_gateways} <= {
        "gateway 'bogus' is not one of Ozow, PayFast, Peach Payments, Yoco"  # the sandbox's test gateway
    }


def test_sandbox_inventory_levels_pass_whole(shop: Shop) -> None:
    locations = pages(shop, q.LOCATIONS_PAGE, ("locations",), {"first": 10})
    levels = [
        level
        for location in locations
        for level in pages(
            shop,
            q.LOCATION_INVENTORY_LEVELS,
            ("location", "inventoryLevels"),
            {"id": location["id"], "first": 100},
        )
    ]
    got = validate_inventory.fn(flatten_inventory.fn(levels))
    assert got.rejected == []
    assert len(got.levels) == len(levels) > 0
