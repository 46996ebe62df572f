"""Deterministic seeded store for a South African shop (same seed → identical store)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.clock import DEFAULT_START, SandboxClock, parse_instant
from sandbox.shopify.history import play
from sandbox.shopify.loader import load_orders_jsonl
from sandbox.shopify.ordergen import new_order
from sandbox.shopify.scenarios import Scenario, pick
from sandbox.shopify.shopgen import DEFAULT_SHOP, add_inventory, add_locations, add_products, shop_record
from sandbox.shopify.store import Order, Store

__all__ = ["add_generated_order", "generate_store", "load_orders_jsonl"]

SHOP_TZ = ZoneInfo("Africa/Johannesburg")
FIRST_NUMBER = 1001


def generate_store(
    seed: int, orders: int = 200, clock: SandboxClock | None = None, *, shop: str = DEFAULT_SHOP
) -> Store:
    """Generate a store: catalogue, three locations, stock, and ``orders`` orders with their history.

    Orders are spread over the 30 days before the clock's start (a few older than 60 days, some
    near midnight shop time); every later event happens before the start.

    Args:
        seed: the only source of randomness.
        orders: how many orders to create.
        clock: its ``start`` anchors the data (default 2026-11-02T06:00:00Z).
        shop: the myshopify domain.

    Returns:
        The populated store.
    """
    start = clock.start if clock is not None else DEFAULT_START
    store = Store(shop_record(shop), seed)
    rng = random.Random(seed)
    setup = start - timedelta(days=400)
    add_locations(store, setup)
    add_products(store, setup)
    add_inventory(store, rng, setup)
    plans = []
    for index in range(orders):
        scenario = pick(rng, index)
        plans.append((_created_at(rng, start, scenario), scenario))
    plans.sort(key=lambda plan: plan[0])
    for number, (at, scenario) in enumerate(plans, start=FIRST_NUMBER):
        order, movements = new_order(store, rng, at, number, scenario)
        movements += play(store, rng, order, scenario, start)
        store.put_order(order)
        store.apply_movements(order, movements, parse_instant(order["updatedAt"]))
    return store


def _created_at(rng: random.Random, start: datetime, scenario: Scenario) -> datetime:
    if scenario.old:
        moment = start - timedelta(days=rng.uniform(61, 120))
    elif scenario.midnight:
        day = (start - timedelta(days=rng.randint(1, 29))).astimezone(SHOP_TZ).date()
        local_midnight = datetime(day.year, day.month, day.day, tzinfo=SHOP_TZ)
        moment = local_midnight + timedelta(seconds=rng.choice((-1, 1)) * rng.randint(5, 600))
    else:
        moment = start - timedelta(seconds=rng.uniform(3_600, 30 * 86_400))
    return moment.astimezone(UTC).replace(microsecond=0)


def add_generated_order(store: Store, at: datetime, scenario: Scenario | None = None) -> Order:
    """Place one more generated order at sandbox instant ``at`` (admin ``POST /_sandbox/orders``).

    The scenario's payment, discount, export, digital and test choices apply; its history does not.
    """
    numbers = [int(o["name"].lstrip("#")) for o in store.orders() if o["name"].lstrip("#").isdigit()]
    number = max(numbers, default=FIRST_NUMBER - 1) + 1
    order, movements = new_order(store, store.rng, at.replace(microsecond=0), number, scenario or Scenario())
    store.put_order(order)
    store.apply_movements(order, movements, at)
    return order
