"""The SQLite-backed store: same orders as the in-memory one, streaming, persistence, reuse of its file."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.__main__ import build_store, parse_args
from sandbox.clock import DEFAULT_START, SandboxClock, parse_instant
from sandbox.shopify.disk_store import DiskStore
from sandbox.shopify.generator import add_generated_order, generate_store, open_or_generate
from sandbox.shopify.shopgen import shop_record
from sandbox.shopify.store import Store, child_ids

SEED, ORDERS = 11, 60


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, DiskStore]]:
    """The same generation in memory and on disk (read-only for the tests using it)."""
    memory = generate_store(SEED, orders=ORDERS)
    disk = generate_store(SEED, orders=ORDERS, path=tmp_path_factory.mktemp("disk") / "shop.db")
    assert isinstance(disk, DiskStore)
    yield memory, disk
    disk.close()


def test_disk_store_holds_the_same_orders_stock_and_ids_as_memory(pair: tuple[Store, DiskStore]) -> None:
    memory, disk = pair
    assert list(disk.orders()) == list(memory.orders())
    assert disk.order_count() == memory.order_count() == ORDERS
    assert disk.order_count(test=True) == memory.order_count(test=True) > 0
    assert disk.inventory.levels() == memory.inventory.levels()
    assert disk.ids.new("Order") == memory.ids.new("Order")  # the id factories moved in step
    assert disk.max_order_number() == memory.max_order_number() == 1000 + ORDERS
    assert disk.time_span("processedAt") == memory.time_span("processedAt")


def test_every_child_and_order_is_found_as_in_memory(pair: tuple[Store, DiskStore]) -> None:
    memory, disk = pair
    for order in memory.orders():
        assert disk.get_order(order["id"]) == order
        assert disk.find(order["id"]) == order
        for gid in child_ids(order):
            assert disk.find(gid) == memory.find(gid) is not None
            assert disk.owner_of(gid) == order
    assert disk.find("gid://shopify/LineItem/1") is None
    assert disk.owner_of("gid://shopify/Order/1") is None
    assert disk.find(memory.warehouse()[0]) == memory.locations[memory.warehouse()[0]]


@pytest.mark.parametrize("field", ["createdAt", "updatedAt", "processedAt"])
def test_orders_between_matches_a_plain_filter_in_both_stores(
    pair: tuple[Store, DiskStore], field: str
) -> None:
    memory, disk = pair
    disk.read_batch = 7  # several keyset pages
    stamps = sorted(parse_instant(o[field]) for o in memory.orders())
    for start, end in [
        (None, None),
        (stamps[10], stamps[40]),
        (stamps[10] + timedelta(seconds=1), None),
        (None, stamps[25]),
        (stamps[-1] + timedelta(seconds=1), None),
    ]:
        expected = sorted(
            (o for o in memory.orders() if (start is None or parse_instant(o[field]) >= start)
             and (end is None or parse_instant(o[field]) < end)),
            key=lambda o: parse_instant(o[field]),
        )  # fmt: skip
        assert list(memory.orders_between(field, start, end)) == expected
        assert list(disk.orders_between(field, start, end)) == expected
    with pytest.raises(ValueError, match="orders_between"):
        list(disk.orders_between("closedAt", None, None))


def test_orders_streams_in_batches(pair: tuple[Store, DiskStore]) -> None:
    _, disk = pair
    disk.read_batch = 8
    queries: list[str] = []
    disk._db.set_trace_callback(lambda sql: queries.append(sql) if "FROM orders WHERE seq" in sql else None)
    try:
        stream = disk.orders()
        assert queries == []  # nothing read before the first order is asked for
        taken = [next(stream) for _ in range(9)]
        assert len(queries) == 2  # ... then one query per 8 orders
        assert len(taken) + sum(1 for _ in stream) == ORDERS
        assert len(queries) == -(-ORDERS // 8)  # a short batch ends the stream
    finally:
        disk._db.set_trace_callback(None)


def test_streaming_holds_a_batch_not_the_store(pair: tuple[Store, DiskStore]) -> None:
    _, disk = pair
    disk.read_batch = 5
    tracemalloc.start()
    try:
        held = list(disk.orders())
        _, everything = tracemalloc.get_traced_memory()
        del held
        tracemalloc.reset_peak()
        count = sum(1 for _ in disk.orders())
        _, streaming = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == ORDERS
    assert streaming < everything / 4


def test_mutate_and_put_persist_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    store = generate_store(SEED, orders=25, path=path)
    assert isinstance(store, DiskStore)
    assert store.meta()["pristine"] == "1"
    first = next(store.orders())
    store.mutate(first["id"], lambda order: order["tags"].append("checked"))
    with pytest.raises(RuntimeError):
        store.mutate(first["id"], _fails)
    added = add_generated_order(store, DEFAULT_START)
    assert store.meta()["pristine"] == "0"
    store.close()

    again = DiskStore.open(path)
    try:
        kept = again.get_order(first["id"])
        assert kept is not None
        assert kept["tags"] == [*first["tags"], "checked"]
        assert "broken" not in kept
        assert next(again.orders())["id"] == first["id"]  # replaced in place, not appended
        assert again.get_order(added["id"]) == added
        assert again.order_count() == 26
        assert added["name"] == "#1026"
        with pytest.raises(KeyError):
            again.mutate("gid://shopify/Order/1", lambda order: None)
    finally:
        again.close()


def _fails(order: dict[str, Any]) -> None:
    order["broken"] = True
    raise RuntimeError("change refused")


def test_store_file_is_reused_only_for_the_same_untouched_generation(tmp_path: Path) -> None:
    path, clock = tmp_path / "shop.db", SandboxClock()
    made = open_or_generate(path, SEED, 20, clock)
    token = made.meta()["made"]
    made.close()
    reused = open_or_generate(path, SEED, 20, clock)
    assert reused.meta()["made"] == token
    assert reused.order_count() == 20
    reused.put_order(next(reused.orders()))  # any write: the file no longer is what the seed made
    reused.close()
    for orders, start in [(20, clock.start), (21, clock.start), (21, clock.start + timedelta(days=1))]:
        fresh = open_or_generate(path, SEED, orders, SandboxClock(start))
        assert fresh.meta()["made"] != token
        assert fresh.order_count() == orders
        token = fresh.meta()["made"]
        fresh.close()
    path.write_bytes(b"not a database")
    fresh = open_or_generate(path, SEED, 5, clock)
    assert fresh.order_count() == 5
    fresh.close()


def test_serve_disk_option_generates_once_then_reuses(tmp_path: Path) -> None:
    argv = ["serve", "--home", str(tmp_path), "--orders", "40", "--disk", str(tmp_path / "s.db")]
    store, clock = build_store(parse_args([*argv, "--days", "3"]))
    assert isinstance(store, DiskStore)
    token = store.meta()["made"]
    ages = [clock.start - parse_instant(o["createdAt"]) for o in store.orders()]
    store.close()
    # --days 3: every order is from the last 3 days (midnight ones up to 10 minutes more) or an old one
    recent = [age for age in ages if age <= timedelta(days=3, minutes=10)]
    assert len(recent) + sum(age > timedelta(days=60) for age in ages) == 40
    assert max(recent) > timedelta(days=2)
    again, _ = build_store(parse_args([*argv, "--days", "3"]))
    assert isinstance(again, DiskStore)
    assert again.meta()["made"] == token
    again.close()
    other, _ = build_store(parse_args(argv))  # 30 days is another generation
    assert isinstance(other, DiskStore)
    assert other.meta()["made"] != token
    assert max(clock.start - parse_instant(o["createdAt"]) for o in other.orders()) > timedelta(days=3)
    other.close()
    with pytest.raises(ValueError, match="orders-file"):
        build_store(parse_args([*argv[:3], "--disk", "s.db", "--orders-file", str(tmp_path / "x.jsonl")]))


def test_generate_store_refuses_a_filled_store(tmp_path: Path) -> None:
    store = Store(shop_record(), SEED)
    generate_store(SEED, orders=3, store=store)
    with pytest.raises(ValueError, match="empty store"):
        generate_store(SEED, orders=3, store=store)
    with pytest.raises(ValueError, match="empty store"):
        generate_store(SEED, orders=3, store=Store(shop_record(), SEED), path=tmp_path / "x.db")
