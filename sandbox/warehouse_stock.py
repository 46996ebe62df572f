"""The served 3PL's opening stock: the Shopify store's warehouse levels, seeded reorder levels, miscounts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sandbox.sftp.stock import DEFAULT_SITE, StockLine
from sandbox.shopify.store import Store

ABOVE_STOCK_SHARE = 0.1  # this share of SKUs gets a reorder level above its stock: a low-stock alert
LOWER_LEVEL_SHARE = 0.5  # this share a level below its stock; the rest none
MAX_MISCOUNT = 5


@dataclass(frozen=True)
class OpeningStock:
    """What the served 3PL starts from, and the ground truth `sandbox.json` records about it."""

    site: str
    lines: list[StockLine]
    mismatches: list[dict[str, Any]]  # [{"sku", "delta"}]: the 3PL's count minus Shopify's on_hand

    def truth(self, every: float | None) -> dict[str, Any]:
        """The `sftp.stock` section of `sandbox.json`."""
        levels = {line.sku: line.reorder_level for line in self.lines if line.reorder_level is not None}
        return {"site": self.site, "every": every, "mismatches": self.mismatches, "reorder_levels": levels}


def warehouse_on_hand(store: Store) -> dict[str, int]:
    """`on_hand` per SKU at the store's warehouse location (tracked items with a SKU only)."""
    on_hand: dict[str, int] = {}
    for level in store.inventory.levels():
        if level["location"]["id"] != store.warehouse_location_id:
            continue
        sku = store.inventory_items[level["item"]["id"]].get("sku")
        if sku:
            on_hand[sku] = on_hand.get(sku, 0) + int(level["quantities"]["on_hand"])
    return on_hand


def opening_stock(store: Store, *, seed: int, mismatches: int, site: str = DEFAULT_SITE) -> OpeningStock:
    """The 3PL's opening count: Shopify's warehouse on_hand, off by a seeded miscount for `mismatches` SKUs.

    Every draw comes from `Random(f"stock:{seed}")`, so the same seed and store give the same stock.
    """
    on_hand = warehouse_on_hand(store)
    rng = random.Random(f"stock:{seed}")
    planted = _miscounts(on_hand, rng, mismatches)
    counted = {sku: quantity + planted.get(sku, 0) for sku, quantity in on_hand.items()}
    levels = _reorder_levels(counted, rng)
    lines = [StockLine(sku, counted[sku], site, levels.get(sku)) for sku in sorted(counted)]
    return OpeningStock(site, lines, [{"sku": sku, "delta": delta} for sku, delta in sorted(planted.items())])


def _miscounts(on_hand: dict[str, int], rng: random.Random, count: int) -> dict[str, int]:
    if count < 0:
        raise ValueError("--stock-mismatches cannot be negative")
    planted = {}
    for sku in rng.sample(sorted(on_hand), min(count, len(on_hand))):
        delta = rng.choice((-1, 1)) * rng.randint(1, MAX_MISCOUNT)
        planted[sku] = delta if on_hand[sku] + delta >= 0 else -delta  # a miscount, never negative stock
    return planted


def _reorder_levels(counted: dict[str, int], rng: random.Random) -> dict[str, int]:
    levels: dict[str, int] = {}
    for sku in sorted(counted):
        draw = rng.random()
        if draw < ABOVE_STOCK_SHARE:
            levels[sku] = counted[sku] + rng.randint(1, 20)
        elif draw < ABOVE_STOCK_SHARE + LOWER_LEVEL_SHARE and counted[sku] > 0:
            levels[sku] = rng.randint(0, counted[sku] - 1)
    low = [sku for sku, level in levels.items() if level > counted[sku]]
    if counted and not low:  # the demo always has one low-stock SKU to alert on
        sku = rng.choice(sorted(counted))
        levels[sku] = counted[sku] + rng.randint(1, 20)
    return levels
