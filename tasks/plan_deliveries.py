"""Version each order by what the warehouse sees, and decide NEW / AMEND / CANCEL against what was delivered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Protocol

import pandas as pd
from prefect import task

VERSION_ADDRESS = [
    "ship_to_name", "ship_to_company", "ship_to_address1", "ship_to_address2", "ship_to_city",
    "ship_to_province", "ship_to_postal_code", "ship_to_country", "ship_to_phone",
]  # fmt: skip
ACTIONS = ["NEW", "AMEND", "CANCEL", "UNCHANGED", "SKIPPED"]


class Delivered(Protocol):
    """What the state database remembers of the last delivered version of an order."""

    content_hash: str
    record_type: str


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else str(value)


def content_hashes(orders: pd.DataFrame, ship_lines: pd.DataFrame) -> pd.Series:
    """SHA-256 per order of the fields the warehouse uses; tags, notes and fulfilment noise don't count."""
    lines_by_order = {
        order_id: sorted((r.line_item_id, _text(r.sku), int(r.ship_quantity)) for r in group.itertuples())
        for order_id, group in ship_lines.groupby("order_id", sort=False)
    }
    hashes = {}
    for row in orders.itertuples():
        content = {
            "lines": lines_by_order.get(row.order_id, []),
            "ship_to": [_text(getattr(row, f)) for f in VERSION_ADDRESS],
            "method": _text(row.shipping_method),
            "cancelled": bool(pd.notna(row.cancelled_at)),
        }
        canonical = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
        hashes[row.Index] = hashlib.sha256(canonical.encode()).hexdigest()
    return pd.Series(hashes, index=orders.index, dtype="object")


def _action(eligible: bool, gone: bool, content_hash: str, last: Delivered | None) -> str:
    if last is None:
        return "NEW" if eligible else "SKIPPED"
    if last.record_type == "CANCEL":
        return "NEW" if eligible and content_hash != last.content_hash else "UNCHANGED"
    if gone:
        return "CANCEL"
    return "AMEND" if content_hash != last.content_hash else "UNCHANGED"


@task(name="plan-deliveries")
def plan_deliveries(orders: pd.DataFrame, ship_lines: pd.DataFrame, delivered: Mapping[str, Delivered]) -> pd.DataFrame:
    """Add `content_hash` and `action` to each order.

    Never delivered: eligible orders are NEW, the rest SKIPPED (their reason kept). Delivered before: a
    cancelled order, one with nothing left to ship or no longer paid becomes CANCEL; a changed version
    AMEND; the same version UNCHANGED (never re-sent).
    """
    hashes = content_hashes(orders, ship_lines)
    has_lines = orders["order_id"].isin(ship_lines["order_id"])
    gone = orders["cancelled_at"].notna() | ~has_lines | orders["reason"].str.startswith("payment ")
    actions = [
        _action(bool(e), bool(g), h, delivered.get(oid))
        for oid, e, g, h in zip(orders["order_id"], orders["eligible"], gone, hashes)
    ]
    return orders.assign(content_hash=hashes, action=pd.Categorical(actions, categories=ACTIONS))
