"""Regression: a refund line's restock location is a real location or null, never ``{"id": null}``.

Shopify's ``RefundLineItem.location`` is nullable (null when nothing goes back to stock) but ``Location.id``
is not, so a stored ``{"id": null}`` made any query selecting ``location { id }`` fail with an internal error.
The generator produced one for a gift-card line (never on a fulfilment order) refunded by a cancellation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.clock import SandboxClock
from sandbox.shopify.generator import generate_store, load_orders_jsonl
from sandbox.shopify.server import start_shopify_sandbox
from sandbox.shopify.statuses import nodes
from sandbox.shopify.store import Store
from tests.sandbox.conftest import Shop

REFUNDS = """
query Refunds($id: ID!) {
  order(id: $id) {
    name
    refunds(first: 20) {
      id
      refundLineItems(first: 50) { nodes { restockType restocked quantity lineItem { id } location { id } } }
    }
  }
}
"""


def refund_lines(store: Store) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for order in store.orders():
        for refund in nodes(order.get("refunds")):
            for item in nodes(refund.get("refundLineItems")):
                yield order, item


@pytest.mark.parametrize("seed", [5, 7, 42])
def test_generated_refund_lines_never_hold_a_location_without_an_id(seed: int) -> None:
    store = generate_store(seed, orders=60, clock=SandboxClock(scale=0.0))
    items = list(refund_lines(store))
    assert items
    for order, item in items:
        location = item.get("location")
        assert location is None or location.get("id") in store.locations, (order["name"], item)
        assert (location is None) == (item["restockType"] == "NO_RESTOCK") == (not item["restocked"])


def test_every_orders_refund_lines_can_select_the_location_id() -> None:
    clock = SandboxClock(scale=0.0)
    store = generate_store(5, orders=60, clock=clock)
    ids = [order["id"] for order in store.orders()]
    kinds: set[tuple[str, bool]] = set()
    with start_shopify_sandbox(store, clock, plan="enterprise", seed=5) as running:
        shop = Shop(running, clock)
        try:
            for gid in ids:
                order = shop.data(REFUNDS, {"id": gid})["order"]
                for refund in order["refunds"]:
                    for item in refund["refundLineItems"]["nodes"]:
                        location = item["location"]
                        assert location is None or location["id"].startswith("gid://shopify/Location/")
                        kinds.add((item["restockType"], location is None))
        finally:
            shop.close()
    # seed 5 has a cancelled gift card: nothing to restock, so NO_RESTOCK with a null location
    assert ("NO_RESTOCK", True) in kinds
    assert ("CANCEL", False) in kinds


def test_recorded_orders_with_a_null_location_id_load_as_a_null_location(tmp_path: Path) -> None:
    store = generate_store(5, orders=60, clock=SandboxClock(scale=0.0))
    order = next(o for o, item in refund_lines(store) if item["location"] is None)
    recorded = json.loads(json.dumps(order))
    for refund in recorded["refunds"]:
        for item in refund["refundLineItems"]["nodes"]:
            if item["location"] is None:
                item["location"] = {"id": None}  # as an older sandbox wrote it
    path = tmp_path / "recorded.jsonl"
    path.write_text(json.dumps(recorded) + "\n", encoding="utf-8")
    loaded = load_orders_jsonl(path)
    assert [item["location"] for _, item in refund_lines(loaded) if not item["restocked"]] == [None]
