"""Deterministic seeded store for a South African shop (same seed → identical store)."""

from __future__ import annotations

import json
import random
import sqlite3
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.clock import DEFAULT_START, SandboxClock, iso, parse_instant
from sandbox.shopify.disk_store import DiskStore
from sandbox.shopify.history import play
from sandbox.shopify.loader import load_orders_jsonl
from sandbox.shopify.ordergen import new_order
from sandbox.shopify.scenarios import Scenario, pick
from sandbox.shopify.shopgen import DEFAULT_SHOP, add_inventory, add_locations, add_products, shop_record
from sandbox.shopify.store import Order, Store

__all__ = ["add_generated_order", "generate_store", "load_orders_jsonl", "open_or_generate"]

SHOP_TZ = ZoneInfo("Africa/Johannesburg")
FIRST_NUMBER = 1001
# Bump whenever generation changes what a seed makes: store files of another version are regenerated.
GENERATOR_VERSION = 1


def generate_store(
    seed: int,
    orders: int = 200,
    clock: SandboxClock | None = None,
    *,
    shop: str = DEFAULT_SHOP,
    store: Store | None = None,
    path: Path | str | None = None,
    days: int = 30,
) -> Store:
    """Generate a store: catalogue, three locations, stock, and ``orders`` orders with their history.

    Orders are spread over the ``days`` days before the clock's start (a few older than 60 days, some
    near midnight shop time); every later event happens before the start. Memory stays flat however
    many orders: each is written as soon as it is made (in ``store.batch()``) and only its planned
    time and scenario are kept until then.

    Args:
        seed: the only source of randomness.
        orders: how many orders to create.
        clock: its ``start`` anchors the data (default 2026-11-02T06:00:00Z).
        shop: the myshopify domain.
        store: an empty store to fill (made with ``shop_record(shop)`` and the same ``seed`` to get the
            same orders as an in-memory one); default a new in-memory ``Store``.
        path: instead of ``store``, write a new ``DiskStore`` file there (replacing any) and checkpoint it.
        days: how many days before the start the (non-old) orders spread over (at least 2).

    Returns:
        The populated store.
    """
    start = clock.start if clock is not None else DEFAULT_START
    if store is None:
        store = Store(shop_record(shop), seed) if path is None else DiskStore(path, shop_record(shop), seed)
    elif path is not None or store.order_count():
        raise ValueError("give either an empty store or a path")
    rng = random.Random(seed)
    setup = start - timedelta(days=400)
    add_locations(store, setup)
    add_products(store, setup)
    add_inventory(store, rng, setup)
    times, scenarios = _plans(rng, start, orders, days)
    with store.batch():
        for number, index in enumerate(sorted(range(orders), key=times.__getitem__), start=FIRST_NUMBER):
            at = datetime.fromtimestamp(times[index], UTC)
            order, movements = new_order(store, rng, at, number, scenarios[index])
            movements += play(store, rng, order, scenarios[index], start)
            store.put_order(order)
            store.apply_movements(order, movements, parse_instant(order["updatedAt"]))
    if isinstance(store, DiskStore):
        store.checkpoint(recipe(seed, orders, start, shop=shop, days=days))
    return store


def recipe(
    seed: int, orders: int, start: datetime, *, shop: str = DEFAULT_SHOP, days: int = 30
) -> dict[str, Any]:
    """What a generated store file is made from (kept in its meta table to decide whether to reuse it)."""
    return {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "orders": orders,
        "start": iso(start),
        "shop": shop,
        "days": days,
    }


def open_or_generate(
    path: Path | str,
    seed: int,
    orders: int,
    clock: SandboxClock | None = None,
    *,
    shop: str = DEFAULT_SHOP,
    days: int = 30,
) -> DiskStore:
    """The store file at ``path`` if it holds exactly this generation, untouched; else generate it there."""
    start = clock.start if clock is not None else DEFAULT_START
    wanted = json.dumps(recipe(seed, orders, start, shop=shop, days=days), sort_keys=True)
    if Path(path).exists():
        try:
            found = DiskStore.open(path)
        except (ValueError, sqlite3.DatabaseError):
            found = None
        if found is not None:
            meta = found.meta()
            if meta.get("pristine") == "1" and meta.get("recipe") == wanted:
                return found
            found.close()
    made = generate_store(seed, orders, clock, shop=shop, path=path, days=days)
    assert isinstance(made, DiskStore)
    return made


def _plans(rng: random.Random, start: datetime, orders: int, days: int) -> tuple[array[int], list[Scenario]]:
    """Each order's creation instant (POSIX seconds) and scenario, in draw order; equal scenarios share
    one object, so a million plans take ~16 MB."""
    if days < 2:
        raise ValueError("days must be at least 2")
    times: array[int] = array("q")
    scenarios: list[Scenario] = []
    shared: dict[Scenario, Scenario] = {}
    for index in range(orders):
        scenario = pick(rng, index)
        times.append(int(_created_at(rng, start, scenario, days).timestamp()))
        scenarios.append(shared.setdefault(scenario, scenario))
    return times, scenarios


def _created_at(rng: random.Random, start: datetime, scenario: Scenario, days: int) -> datetime:
    if scenario.old:
        moment = start - timedelta(days=rng.uniform(61, 120))
    elif scenario.midnight:
        day = (start - timedelta(days=rng.randint(1, days - 1))).astimezone(SHOP_TZ).date()
        local_midnight = datetime(day.year, day.month, day.day, tzinfo=SHOP_TZ)
        moment = local_midnight + timedelta(seconds=rng.choice((-1, 1)) * rng.randint(5, 600))
    else:
        moment = start - timedelta(seconds=rng.uniform(3_600, days * 86_400))
    return moment.astimezone(UTC).replace(microsecond=0)


def add_generated_order(store: Store, at: datetime, scenario: Scenario | None = None) -> Order:
    """Place one more generated order at sandbox instant ``at`` (admin ``POST /_sandbox/orders``).

    The scenario's payment, discount, export, digital and test choices apply; its history does not.
    """
    found = store.max_order_number()
    number = (FIRST_NUMBER - 1 if found is None else found) + 1
    order, movements = new_order(store, store.rng, at.replace(microsecond=0), number, scenario or Scenario())
    store.put_order(order)
    store.apply_movements(order, movements, at)
    return order
