"""Pulling Shopify's levels into our copy, against the sandbox over HTTP: a change made at one location while
another is being read is never lost (one cursor per location), a snapshot replaces, a tiny one is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from shoplines.state.records import LevelRecord
from shoplines.state.store import StateStore
from tasks.inventory_levels import SnapshotTooSmall, pull_levels
from tests.clients.shopify_sandbox import Shop, running_shop

SHOP_ID = "inventory-test.myshopify.com"


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running_shop(seed=3, orders=6) as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


def tick(shop: Shop, seconds: int = 60) -> None:
    """Move the sandbox clock `seconds` on: the next changes carry a later time."""
    shop.admin.post("/clock", json={"advance_seconds": seconds}).raise_for_status()


def adjust(shop: Shop, sku: str, location: str, delta: int) -> None:
    body = {"sku": sku, "location_id": location, "name": "on_hand", "delta": delta, "reason": "correction"}
    shop.admin.post("/inventory/adjust", json=body).raise_for_status()


def copy(store: StateStore) -> dict[tuple[str, str | None], int]:
    return {(r.location_id, r.sku): int(r.quantities["on_hand"]) for r in store.inventory_levels(SHOP_ID)}


def served(shop: Shop) -> dict[tuple[str, str | None], int]:
    store = shop.running.state.store
    return {
        (lvl["location"]["id"], store.inventory_items[lvl["item"]["id"]].get("sku")): lvl["quantities"][
            "on_hand"
        ]
        for lvl in store.inventory.levels()
    }


def pull(shop: Shop, store: StateStore, *, full: bool = False, **client: Any) -> int:
    run_id = store.start_run(SHOP_ID, "inventory", "changes", *[store.now()] * 2, {})
    with shop.client(**client) as shopify:
        pulled = pull_levels.fn(shopify, store, shop_id=SHOP_ID, line="inventory", run_id=run_id, full=full,
                                overlap=timedelta(0))  # fmt: skip
    return pulled.levels


class ChangeWhileReading(httpx.HTTPTransport):
    """After the last page of location `first`, two changes land: one at `first` (already read), then a
    later one at `second` (not read yet) — the interleaving that loses changes under one shared cursor."""

    def __init__(self, shop: Shop, first: str, second: tuple[str, str], changed: tuple[str, str]) -> None:
        super().__init__()
        self.shop, self.first, self.second, self.changed, self.done = shop, first, second, changed, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        body = request.content.decode()
        if self.done or "LocationInventoryLevels" not in body or self.first not in body:
            return response
        response.read()
        if not response.json()["data"]["location"]["inventoryLevels"]["pageInfo"]["hasNextPage"]:
            self.done = True
            tick(self.shop)
            adjust(self.shop, self.changed[1], self.changed[0], -2)
            tick(self.shop)
            adjust(self.shop, self.second[1], self.second[0], +4)
        return response


def test_changes_interleaved_across_two_locations_are_all_pulled(shop: Shop, store: StateStore) -> None:
    tick(shop)
    first_pull = pull(shop, store)  # no copy yet: a full read
    assert copy(store) == served(shop)
    assert first_pull == len(served(shop))
    warehouse, retail = list(shop.running.state.store.locations)[:2]
    sku_a, sku_b = sorted({sku for loc, sku in served(shop) if loc == warehouse and sku})[:2]
    sku_c = sorted({sku for loc, sku in served(shop) if loc == retail and sku})[0]
    tick(shop)
    adjust(shop, sku_a, warehouse, -1)  # before the pull: seen by it
    hook = ChangeWhileReading(shop, warehouse, (retail, sku_c), (warehouse, sku_b))
    pull(shop, store, transport=hook)
    assert hook.done
    assert copy(store)[(warehouse, sku_a)] == served(shop)[(warehouse, sku_a)]
    assert copy(store)[(retail, sku_c)] == served(shop)[(retail, sku_c)]  # read after it changed
    assert copy(store)[(warehouse, sku_b)] != served(shop)[(warehouse, sku_b)]  # changed after its read
    changed = pull(shop, store)  # the next increment starts at the warehouse's own newest time
    assert copy(store) == served(shop)
    assert 0 < changed < len(served(shop))


def test_a_snapshot_replaces_and_a_snapshot_far_too_small_is_refused(shop: Shop, store: StateStore) -> None:
    pull(shop, store, full=True)
    held = len(copy(store))
    assert pull(shop, store, full=True) == held
    warehouse = next(iter(shop.running.state.store.locations))
    now = store.now()
    gone = [LevelRecord(warehouse, f"gid://shopify/InventoryItem/{900000 + n}", f"GONE-{n}", {"on_hand": 1},
                        now, now) for n in range(200)]  # fmt: skip
    store.store_levels(SHOP_ID, gone)  # our copy holds far more than Shopify will list
    with pytest.raises(SnapshotTooSmall, match="not replacing our copy"):
        pull(shop, store, full=True)
    assert len(copy(store)) == held + 200
