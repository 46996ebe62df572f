"""Inventory state on SQLite and PostgreSQL: our copy of Shopify's levels (snapshots replace, increments
upsert, an older repeat never wins), stock files recorded once, correction batches applied once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shoplines.state.records import LevelRecord
from shoplines.state.store import StateStore
from tests.state.factories import SHOP, start

T0 = datetime(2026, 11, 27, 8, tzinfo=UTC)
A, B = "gid://shopify/Location/1", "gid://shopify/Location/2"


def level(location: str, item: int, on_hand: int, at: datetime) -> LevelRecord:
    return LevelRecord(location, f"gid://shopify/InventoryItem/{item}", f"SKU-{item}", {"on_hand": on_hand},
                       at, at)  # fmt: skip


def hands(store: StateStore) -> dict[tuple[str, int], int]:
    return {
        (r.location_id, int(r.inventory_item_id.rsplit("/", 1)[1])): r.quantities["on_hand"]
        for r in store.inventory_levels(SHOP)
    }


def test_increments_upsert_per_location_and_a_snapshot_replaces_its_locations(store: StateStore) -> None:
    store.store_levels(
        SHOP, [level(A, 1, 5, T0), level(A, 2, 6, T0), level(B, 1, 7, T0)], replace_locations=[A, B]
    )
    later = T0 + timedelta(minutes=5)
    store.store_levels(SHOP, [level(A, 1, 4, later), level(B, 1, 9, T0 - timedelta(minutes=1))])
    assert hands(store) == {(A, 1): 4, (A, 2): 6, (B, 1): 7}  # the older repeat of B/1 did not win
    assert store.newest_levels(SHOP) == {A: later, B: T0}
    store.store_levels(SHOP, [level(A, 2, 3, later)], replace_locations=[A])  # A/1 is gone from Shopify
    assert hands(store) == {(A, 2): 3, (B, 1): 7}
    store.store_levels(SHOP, [], replace_locations=[B], keep=[(B, "gid://shopify/InventoryItem/1")])
    assert hands(store) == {(A, 2): 3, (B, 1): 7}  # read but quarantined: still there in Shopify
    store.store_levels(SHOP, [], replace_locations=[B])
    assert hands(store) == {(A, 2): 3}
    assert store.count_levels(SHOP, A) == 1


def test_a_stock_file_is_recorded_once_per_name_and_content(store: StateStore) -> None:
    run_id = start(store)
    fields = {"file_name": "STOCK_1.csv", "sha256": "a" * 64, "size": 10, "as_of": T0, "rows": 3,
              "set_aside": 0, "mismatches": 0, "reason": None, "run_id": run_id}  # fmt: skip
    first = store.record_stock_file(SHOP, status="unreadable", **fields)
    again = store.record_stock_file(SHOP, status="compared", **{**fields, "mismatches": 2})
    assert again.id == first.id
    assert again.status == "compared"
    assert again.mismatches == 2
    other = store.record_stock_file(SHOP, status="compared", **{**fields, "sha256": "b" * 64})
    assert other.id != first.id
    store.stock_file_archived(first.id, "archive/stock/STOCK_1.csv")
    found = store.stock_file(SHOP, "STOCK_1.csv", "a" * 64)
    assert found is not None
    assert found.archived_as == "archive/stock/STOCK_1.csv"
    assert [f.id for f in store.stock_files(SHOP)] == [other.id, first.id]


def test_a_correction_batch_has_one_application_record(store: StateStore) -> None:
    run_id = start(store)
    approval, _ = store.request_approval(
        SHOP, line="inventory", kind="stock-correction", entity_id="stock:S.csv", entity_name="S.csv",
        subject="abc", summary="set on_hand", detail={"changes": []}, run_id=run_id,
    )  # fmt: skip
    first = store.begin_stock_correction(SHOP, approval.id, key="k-1", run_id=run_id)
    again = store.begin_stock_correction(SHOP, approval.id, key="k-2", run_id=run_id)
    assert again.id == first.id
    assert again.idempotency_key == "k-1"
    assert again.status == "intent"
    store.finish_stock_correction(first.id, status="applied", group_id="gid://shopify/X/1", message="ok")
    done = store.stock_correction(SHOP, approval.id)
    assert done is not None
    assert done.status == "applied"
    assert done.group_id == "gid://shopify/X/1"
