"""Inventory levels from Shopify payloads: flattened into a typed frame, then checked. A level that cannot be
read or fails a check is set aside with the reason, never dropped; negative `available` goes on, reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from prefect import task

from schemas.inventory import ShopifyInventoryLevel
from tasks import received as rd
from tasks.caching import PER_RUN
from tasks.received import NEGATIVE_AVAILABLE, Notice, Payload
from tasks.transform_orders import Rejected

QUANTITIES = ("available", "on_hand", "committed")
SET_ASIDE = ("incoming", "reserved", "damaged", "quality_control", "safety_stock")  # optional


@dataclass(frozen=True)
class InventoryFrames:
    """Inventory levels, what was set aside, and the levels selling stock that is not there."""

    levels: pd.DataFrame
    rejected: list[Rejected]
    negative_available: list[Notice] = field(default_factory=list)
    payloads: dict[str, Payload] = field(default_factory=dict, repr=False)  # level id -> as received


def _quantities(listed: Any) -> dict[str, int]:
    if not isinstance(listed, list):
        raise ValueError("quantities is missing" if listed is None else "quantities is not a list")
    found: dict[str, int] = {}
    for q in listed:
        if not isinstance(q, dict):
            raise ValueError("a quantity is not an object")
        name = str(rd.text(q.get("name"), "quantity name"))
        if name in found:
            raise ValueError(f"quantity {rd.show(name)} is given twice")
        found[name] = rd.integer(q.get("quantity"), f"quantity {name}")
    missing = [n for n in QUANTITIES if n not in found]
    if missing:
        raise ValueError(f"quantity {missing[0]!r} is missing")
    return found


def _level_row(level: Any) -> Payload:
    if not isinstance(level, dict):
        raise ValueError("inventory level is not an object")
    item = level.get("item")
    quantities = _quantities(level.get("quantities"))
    return {
        "inventory_level_id": rd.text(level.get("id"), "inventory level id"),
        "location_id": rd.gid_of(level.get("location"), "location"),
        "inventory_item_id": rd.gid_of(item, "item"),
        "sku": (rd.text(item.get("sku"), "item sku", nullable=True) or None)
        if isinstance(item, dict)
        else None,
        **{name: quantities[name] for name in QUANTITIES},
        **{name: quantities.get(name) for name in SET_ASIDE},
        "updated_at": rd.timestamp(level.get("updatedAt"), "updatedAt"),
    }


def _ident(level: object) -> tuple[str | None, str | None]:
    if not isinstance(level, dict):
        return None, None
    ident, item = level.get("id"), level.get("item")
    sku = item.get("sku") if isinstance(item, dict) else None
    return (str(ident) if ident is not None else None), (sku if isinstance(sku, str) else None)


@task(name="flatten-inventory", **PER_RUN)
def flatten_inventory(raw: list[Any]) -> InventoryFrames:
    """InventoryLevel nodes (`LOCATION_INVENTORY_LEVELS`) → one frame; unreadable levels become `Rejected`."""
    rows, rejected, payloads = [], [], {}
    for level in raw:
        ident, sku = _ident(level)
        kept = level if isinstance(level, dict) else {"raw": level}
        try:
            row = _level_row(level)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            rejected.append(Rejected(ident, sku, rd.reason_of(exc), kept))
            continue
        rows.append(row)
        payloads[str(row["inventory_level_id"])] = kept
    columns = list(ShopifyInventoryLevel.to_schema().columns)
    return InventoryFrames(pd.DataFrame(rows, columns=columns), rejected, payloads=payloads)


@task(name="validate-inventory", **PER_RUN)
def validate_inventory(frames: InventoryFrames) -> InventoryFrames:
    """Schema and business checks per level; failing levels are rejected, negative `available` is noticed."""
    schema = ShopifyInventoryLevel.to_schema()
    _, bad = rd.failures(schema, frames.levels, "inventory_level_id")
    skus = dict(zip(frames.levels.inventory_level_id, frames.levels.sku, strict=True))
    rejected = list(frames.rejected) + [
        Rejected(ident, skus.get(ident) or None, "; ".join(texts), frames.payloads.get(ident, {}))
        for ident, texts in bad.items()
    ]
    levels = schema.validate(frames.levels[~frames.levels.inventory_level_id.isin(bad)])
    negative = [
        Notice(r["inventory_level_id"], r["sku"] if isinstance(r["sku"], str) else None, NEGATIVE_AVAILABLE,
               f"available is {r['available']} at {r['location_id']} (more sold than in stock)")
        for r in levels.to_dict("records") if r["available"] < 0
    ]  # fmt: skip
    return InventoryFrames(levels, rejected, negative, frames.payloads)
