"""Decide which orders and lines the warehouse should ship, with a plain reason for every order left out."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from prefect import task

from shoplines.errors import ConfigError
from shoplines.lines import EligibilityRule
from tasks.caching import PER_RUN

SHIP_COLUMNS = [
    "order_id", "line_item_id", "position", "sku", "name", "ship_quantity", "quantity",
    "unit_price_cents", "discount_cents",
]  # fmt: skip


class Selection(NamedTuple):
    """`orders` gains `eligible` and `reason`; `ship_lines` holds what the warehouse ships per line."""

    orders: pd.DataFrame
    ship_lines: pd.DataFrame


def warehouse_quantities(fulfillment_lines: pd.DataFrame, location_id: str) -> pd.Series:
    """Quantity per line item assigned to the warehouse's location (cancelled fulfilment orders excluded)."""
    mine = fulfillment_lines[
        (fulfillment_lines["location_id"] == location_id) & (fulfillment_lines["status"] != "CANCELLED")
    ]
    return mine.groupby("line_item_id")["total_quantity"].sum()


def ship_lines(
    lines: pd.DataFrame, fulfillment_lines: pd.DataFrame, location_id: str, rule: EligibilityRule
) -> pd.DataFrame:
    """Lines the warehouse ships: assigned to its location, still wanted (current quantity), needing
    shipping."""
    assigned = warehouse_quantities(fulfillment_lines, location_id)
    out = lines.assign(ship_quantity=lines["line_item_id"].map(assigned).fillna(0).astype("int64"))
    out["ship_quantity"] = np.minimum(out["ship_quantity"], out["current_quantity"])
    keep = out["ship_quantity"] > 0
    if rule.require_shipping:
        keep &= out["requires_shipping"]
    return out.loc[keep, SHIP_COLUMNS].reset_index(drop=True)


MIN_ORDERS_TO_JUDGE = 10


def _check_location_seen(fulfillment_lines: pd.DataFrame, location_id: str) -> None:
    orders = fulfillment_lines["order_id"].nunique()
    if orders >= MIN_ORDERS_TO_JUDGE and not (fulfillment_lines["location_id"] == location_id).any():
        raise ConfigError(
            f"none of the {orders} orders' fulfilment orders is at location {location_id}: check "
            "SHOPLINES_WAREHOUSE_LOCATION_ID and the app's fulfilment-order scopes "
            "(nothing was sent or cancelled)"
        )


def _fulfilled_before(fulfillment_lines: pd.DataFrame, location_id: str) -> tuple[pd.Index, pd.Index]:
    """Orders whose warehouse units were all / partly fulfilled already (shipped by someone else)."""
    here = fulfillment_lines[
        (fulfillment_lines["location_id"] == location_id) & (fulfillment_lines["status"] != "CANCELLED")
    ]
    units = here.groupby("order_id")[["total_quantity", "remaining_quantity"]].sum()
    shipped = units["total_quantity"] - units["remaining_quantity"]
    every = units.index[(units["total_quantity"] > 0) & (units["remaining_quantity"] == 0)]
    part = units.index[(shipped > 0) & (units["remaining_quantity"] > 0)]
    return every, part


def _on_hold(orders: pd.DataFrame, fulfillment_lines: pd.DataFrame, location_id: str) -> pd.Series:
    held_here = fulfillment_lines[
        (fulfillment_lines["location_id"] == location_id) & (fulfillment_lines["status"] == "ON_HOLD")
    ]["order_id"]
    return (orders["fulfillment_status"] == "ON_HOLD") | orders["order_id"].isin(held_here)


def exclusion_reasons(
    orders: pd.DataFrame,
    shipping: pd.DataFrame,
    held: pd.Series,
    rule: EligibilityRule,
    fulfilled: tuple[pd.Index, pd.Index] = (pd.Index([]), pd.Index([])),
) -> pd.Series:
    """Why each order is not for the warehouse ("" when it is); the last listed reason that applies wins."""
    reason = pd.Series("", index=orders.index, dtype="object")
    checks = [
        (~orders["order_id"].isin(shipping["order_id"]), "nothing for this warehouse to ship"),
        (
            orders["order_id"].isin(shipping.loc[shipping["sku"].fillna("").str.strip() == "", "order_id"]),
            "a line for the warehouse has no SKU: needs a person",
        ),
        (orders["order_id"].isin(fulfilled[0]), "already fulfilled"),
        (orders["order_id"].isin(fulfilled[1]), "partly fulfilled already: needs a person"),
        (held & rule.exclude_on_hold, "on hold"),
        (~orders["financial_status"].isin(rule.financial_statuses), "payment not complete"),
        (orders["cancelled_at"].notna() & rule.exclude_cancelled, "cancelled"),
        (orders["test"] & rule.exclude_test, "test order"),
    ]
    for mask, text in checks:  # later checks overwrite earlier ones: the last listed is the strongest reason
        reason = reason.mask(mask.fillna(False).astype(bool), text)
    not_paid = reason == "payment not complete"
    reason[not_paid] = "payment " + orders.loc[not_paid, "financial_status"].fillna("unknown").str.lower()
    return reason


@task(name="select-eligible-orders", **PER_RUN)
def select_eligible(
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    fulfillment_lines: pd.DataFrame,
    location_id: str,
    rule: EligibilityRule,
) -> Selection:
    """Mark each order eligible or not (with the reason) and list the lines the warehouse ships.

    Raises:
        ConfigError: many orders, and not one fulfilment order at the warehouse's location: the setting is
            wrong (or a scope hides fulfilment orders), and carrying on would cancel every delivered order.
    """
    _check_location_seen(fulfillment_lines, location_id)
    shipping = ship_lines(lines, fulfillment_lines, location_id, rule)
    held = _on_hold(orders, fulfillment_lines, location_id)
    fulfilled = _fulfilled_before(fulfillment_lines, location_id)
    reason = exclusion_reasons(orders, shipping, held, rule, fulfilled)
    marked = orders.assign(eligible=reason == "", reason=reason)
    return Selection(marked, shipping)
