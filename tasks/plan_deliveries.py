"""Version each order by what the warehouse sees, and decide NEW / AMEND / CANCEL against what was
delivered (and which place in the order's delivery history a delivery now takes)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Protocol

import pandas as pd
from prefect import task

from tasks.caching import PER_RUN
from tasks.warehouse_file import phone_digits

VERSION_ADDRESS = [
    "ship_to_name", "ship_to_company", "ship_to_address1", "ship_to_address2", "ship_to_city",
    "ship_to_province", "ship_to_postal_code", "ship_to_country", "ship_to_phone",
]  # fmt: skip
ACTIONS = ["NEW", "AMEND", "CANCEL", "REPLACEMENT", "UNCHANGED", "HELD", "SKIPPED"]
MONEY_RETURNED = (
    "REFUNDED",
    "VOIDED",
    "EXPIRED",
)  # after delivery these withdraw the order from the warehouse


class Delivered(Protocol):
    """What the state database remembers of the last delivered version of an order (read-only)."""

    @property
    def content_hash(self) -> str: ...

    @property
    def record_type(self) -> str: ...

    @property
    def sequence(self) -> int: ...


def _text(value: object) -> str:
    return (
        "" if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else str(value)
    )


def _address_part(name: str, value: object) -> str:
    # The file carries the phone as digits only, so "+27 82 …" and "082…" formatting is no change.
    return phone_digits(value) if name == "ship_to_phone" else _text(value)


def content_hashes(orders: pd.DataFrame, ship_lines: pd.DataFrame) -> pd.Series:
    """SHA-256 per order of the fields the warehouse uses; tags, notes and fulfilment noise don't count.

    One pass over plain columns (no per-order DataFrame): the ledger stores these hashes, so the canonical
    text must stay exactly what it always was.
    """
    lines_by_order: dict[str, list[tuple[str, str, int]]] = {}
    columns = (ship_lines[c] for c in ("order_id", "line_item_id", "sku", "ship_quantity"))
    for order_id, line_id, sku, quantity in zip(*columns, strict=True):
        lines_by_order.setdefault(order_id, []).append((line_id, _text(sku), int(quantity)))
    hashes = []
    address = [orders[f] for f in VERSION_ADDRESS]
    for order_id, method, cancelled_at, *ship_to in zip(
        orders["order_id"], orders["shipping_method"], orders["cancelled_at"], *address, strict=True
    ):
        content = {
            "lines": sorted(lines_by_order.get(order_id, [])),
            "ship_to": [_address_part(f, v) for f, v in zip(VERSION_ADDRESS, ship_to, strict=True)],
            "method": _text(method),
            "cancelled": bool(pd.notna(cancelled_at)),  # a Timestamp or NaT
        }
        canonical = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
        hashes.append(hashlib.sha256(canonical.encode()).hexdigest())
    return pd.Series(hashes, index=orders.index, dtype="object")


def address_hashes(orders: pd.DataFrame) -> pd.Series:
    """SHA-256 per order of its ship-to address alone (what the address checkpoint compares)."""
    hashes = []
    for values in zip(*(orders[f] for f in VERSION_ADDRESS), strict=True):
        parts = [_address_part(f, v) for f, v in zip(VERSION_ADDRESS, values, strict=True)]
        canonical = json.dumps(parts, separators=(",", ":"), ensure_ascii=False)
        hashes.append(hashlib.sha256(canonical.encode()).hexdigest())
    return pd.Series(hashes, index=orders.index, dtype="object")


def _action(eligible: bool, gone: bool, content_hash: str, last: Delivered | None, redeliver: bool) -> str:
    if last is None:
        return "NEW" if eligible else "SKIPPED"
    if last.record_type == "CANCEL":
        return "NEW" if eligible and content_hash != last.content_hash else "UNCHANGED"
    if gone:
        return "CANCEL"
    if content_hash == last.content_hash:
        again = redeliver and eligible and last.record_type != "REPLACEMENT"  # one re-send per version
        return "REPLACEMENT" if again else "UNCHANGED"
    return "AMEND" if eligible else "HELD"


@task(name="plan-deliveries", **PER_RUN)
def plan_deliveries(
    orders: pd.DataFrame,
    ship_lines: pd.DataFrame,
    delivered: Mapping[str, Delivered],
    *,
    redeliver: bool = False,
) -> pd.DataFrame:
    """Add `content_hash`, `address_hash`, `action` and `sequence` to each order.

    Never delivered: eligible orders are NEW, the rest SKIPPED (their reason kept). Delivered before: a
    cancelled order, one with nothing left to ship or whose money went back (refunded, voided) becomes
    CANCEL; a changed version AMEND; the same version UNCHANGED (never re-sent). A changed version that
    is not eligible for another reason (put on hold, an edit left a balance to pay) is HELD: the
    warehouse keeps what it has and the run says so, until the order is eligible again. With `redeliver`
    (ops asked for it), an unchanged eligible version goes once more as REPLACEMENT; a version already
    re-sent stays UNCHANGED.

    `sequence` is the place a delivery of the order now takes in its delivery history: 1 for one never
    delivered, else the latest delivery's plus 1. An order may go back to a version it had (A, B, A):
    each change is a delivery of its own, and the ledger keeps one per place, so two runs planning the
    same next delivery cannot both send it.
    """
    hashes = content_hashes(orders, ship_lines)
    has_lines = orders["order_id"].isin(ship_lines["order_id"])
    gone = orders["cancelled_at"].notna() | ~has_lines | orders["financial_status"].isin(MONEY_RETURNED)
    last = [delivered.get(oid) for oid in orders["order_id"]]
    actions = [
        _action(bool(e), bool(g), h, sent, redeliver)
        for sent, e, g, h in zip(last, orders["eligible"], gone, hashes, strict=True)
    ]
    sequences = [1 if sent is None else sent.sequence + 1 for sent in last]
    return orders.assign(
        content_hash=hashes,
        address_hash=address_hashes(orders),
        action=pd.Categorical(actions, categories=ACTIONS),
        sequence=pd.Series(sequences, index=orders.index, dtype="int64"),
    )
