"""Pull Shopify's inventory levels into our copy: a full snapshot, or what changed since our newest level per
location (less an overlap). Levels that fail their checks are quarantined with the reason, never dropped; a
snapshot far smaller than the copy it would replace is refused, not believed (a full refresh that returns a
fraction of the rows is a known failure of other connectors)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from clients.shopify import ShopifyClient
from shoplines.errors import ShoplinesError
from shoplines.state.records import LevelRecord, QuarantineRow
from shoplines.state.store import StateStore
from tasks.compare_stock import rows_of
from tasks.transform_inventory import SET_ASIDE, flatten_inventory, validate_inventory

QUANTITY_COLUMNS = ("available", "on_hand", "committed", *SET_ASIDE)
MIN_TO_JUDGE = 20  # a snapshot is only judged against a copy this large


class SnapshotTooSmall(ShoplinesError):
    """A full snapshot returned far fewer levels than we hold: something hid them; nothing was replaced."""


@dataclass(frozen=True)
class Pulled:
    """What one pull read and kept."""

    levels: int
    quarantined: int
    locations: int
    full: bool


@task(name="pull-inventory-levels", cache_policy=NO_CACHE)
def pull_levels(
    shopify: ShopifyClient, state: StateStore, *, shop_id: str, line: str, run_id: str, full: bool,
    overlap: timedelta,
) -> Pulled:  # fmt: skip
    """Read levels from Shopify (full, or since our newest per location) and store them in our copy."""
    newest = state.newest_levels(shop_id)
    full = full or not newest
    since = None if full else {location: moment - overlap for location, moment in newest.items()}
    pull = shopify.fetch_inventory_levels(since=since)
    frames = validate_inventory.fn(flatten_inventory.fn(pull.levels))
    if frames.rejected:
        rows = [QuarantineRow(r.entity_id, r.entity_name, r.reason, r.payload) for r in frames.rejected]
        state.quarantine_rows(shop_id, line, run_id, rows)
    read_at = state.now()
    records = [_record(row, read_at) for row in rows_of(frames.levels)]
    locations = [str(loc["id"]) for loc in pull.locations]
    if full:
        _check_snapshot(state, shop_id, records, locations)
    quarantined = [pair for r in frames.rejected if (pair := _level_key(r.entity_id))]
    state.store_levels(shop_id, records, replace_locations=locations if full else (), keep=quarantined)
    return Pulled(len(records), len(frames.rejected), len(locations), full)


def _level_key(level_id: str | None) -> tuple[str, str] | None:
    """(location gid, item gid) of `gid://shopify/InventoryLevel/{location}?inventory_item_id={item}`."""
    found = re.match(r"^gid://shopify/InventoryLevel/(\d+)\?inventory_item_id=(\d+)$", level_id or "")
    if found is None:
        return None
    return f"gid://shopify/Location/{found[1]}", f"gid://shopify/InventoryItem/{found[2]}"


def _record(row: dict[str, object], read_at: datetime) -> LevelRecord:
    quantities = {name: None if row[name] is None else int(str(row[name])) for name in QUANTITY_COLUMNS}
    sku = row["sku"]
    updated = pd.Timestamp(str(row["updated_at"])).to_pydatetime()
    return LevelRecord(str(row["location_id"]), str(row["inventory_item_id"]),
                       sku if isinstance(sku, str) else None, quantities, updated, read_at)  # fmt: skip


def _check_snapshot(
    state: StateStore, shop_id: str, records: list[LevelRecord], locations: list[str]
) -> None:
    for location in locations:
        held = state.count_levels(shop_id, location)
        got = sum(1 for r in records if r.location_id == location)
        if held >= MIN_TO_JUDGE and got < held / 2:
            raise SnapshotTooSmall(
                f"Shopify listed {got} inventory levels at {location} where we hold {held}: not replacing "
                "our copy. Check the app's access (read_inventory, locations) and run a full pull again."
            )


def levels_frame(records: list[LevelRecord]) -> pd.DataFrame:
    """Our copy as a frame: location, item, sku, on_hand, committed, updated_at."""
    rows = [
        {"location_id": r.location_id, "inventory_item_id": r.inventory_item_id, "sku": r.sku,
         "on_hand": r.quantities.get("on_hand"), "committed": r.quantities.get("committed"),
         "available": r.quantities.get("available"), "updated_at": r.updated_at}
        for r in records
    ]  # fmt: skip
    columns = ["location_id", "inventory_item_id", "sku", "on_hand", "committed", "available", "updated_at"]
    return pd.DataFrame(rows, columns=columns)
