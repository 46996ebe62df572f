"""Shopify vs the warehouse's count: in-flight and later-shipped units explain a range; the rest is off."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplines.errors import ConfigError
from tasks.compare_stock import compare, describe, mismatches, shopify_stock
from tasks.low_stock import Thresholds, below, key, problems, recovered
from tasks.stock_corrections import check_api_version

HERE, ELSEWHERE = "gid://shopify/Location/1", "gid://shopify/Location/2"


def levels(*rows: tuple[str, str, str | None, int]) -> pd.DataFrame:
    """(location, item number, sku, on_hand) rows as our copy of Shopify's levels."""
    return pd.DataFrame(
        [{"location_id": loc, "inventory_item_id": f"gid://shopify/InventoryItem/{item}", "sku": sku,
          "on_hand": hand, "committed": 0, "available": hand, "updated_at": None}
         for loc, item, sku, hand in rows]
    )  # fmt: skip


def counted(*rows: tuple[str, int], reorder: int | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        [{"sku": sku, "site": "JHB", "location_id": HERE, "quantity": qty, "reorder_level": reorder,
          "as_of": pd.Timestamp("2026-11-27T10:00:00Z")} for sku, qty in rows]
    ).astype({"reorder_level": "Int64"})  # fmt: skip


def one(
    shopify_hand: int, warehouse: int, *, flight: int = 0, after: int = 0, tolerance: int = 0
) -> pd.Series:
    shopify = shopify_stock(levels((HERE, "1", "A", shopify_hand)), {HERE})
    got = compare(shopify, counted(("A", warehouse)), in_flight={("A", HERE): flight},
                  shipped_after={("A", HERE): after}, tolerance=tolerance)  # fmt: skip
    return got.iloc[0]


@pytest.mark.parametrize(
    ("shopify", "warehouse", "flight", "after", "unexplained", "status"),
    [
        (10, 10, 0, 0, 0, "ok"),
        (10, 8, 3, 0, 0, "ok"),  # the warehouse shipped 2 of 3 units Shopify has not fulfilled yet
        (10, 5, 3, 0, 2, "mismatch"),  # 3 in flight explain 3 of 5
        (8, 10, 0, 2, 0, "ok"),  # shipped after the count, already fulfilled in Shopify
        (7, 10, 0, 2, -1, "mismatch"),
        (12, 10, 0, 5, 2, "mismatch"),  # shipped-after units never explain Shopify being higher
    ],
)
def test_in_flight_and_later_shipments_explain_a_range_and_the_rest_is_unexplained(  # noqa: PLR0917
    shopify: int, warehouse: int, flight: int, after: int, unexplained: int, status: str
) -> None:
    row = one(shopify, warehouse, flight=flight, after=after)
    assert (row["difference"], row["unexplained"], row["status"]) == (
        shopify - warehouse,
        unexplained,
        status,
    )


def test_tolerance_lets_small_differences_pass() -> None:
    assert one(10, 9, tolerance=1)["status"] == "ok"
    assert one(10, 8, tolerance=1)["status"] == "mismatch"


def test_a_sku_on_one_side_only_is_named_for_what_it_is() -> None:
    shopify = shopify_stock(levels((HERE, "1", "A", 4), (HERE, "2", "B", 0), (HERE, "3", None, 9),
                                   (ELSEWHERE, "4", "C", 50)), {HERE})  # fmt: skip
    got = compare(shopify, counted(("C", 6)), in_flight={}, shipped_after={}, tolerance=0).set_index("sku")
    assert got.loc["A", "status"] == "not_at_warehouse"
    assert got.loc["A", "unexplained"] == 4
    assert got.loc["B", "status"] == "ok"  # nothing in Shopify, nothing counted: nothing to say
    assert got.loc["C", "status"] == "not_in_shopify"
    assert got.loc["C", "unexplained"] == -6
    assert "C" in got.index
    assert len(got) == 3


def test_two_items_sharing_a_sku_are_added_and_cannot_be_corrected() -> None:
    shopify = shopify_stock(levels((HERE, "1", "A", 4), (HERE, "2", "A", 3)), {HERE})
    row = compare(shopify, counted(("A", 7)), in_flight={}, shipped_after={}, tolerance=0).iloc[0]
    assert row["shopify_on_hand"] == 7
    assert row["status"] == "ok"
    assert pd.isna(row["inventory_item_id"])


def test_mismatches_are_worst_first_either_way_and_described_in_words() -> None:
    shopify = shopify_stock(levels((HERE, "1", "A", 10), (HERE, "2", "B", 1), (HERE, "3", "C", 5)), {HERE})
    got = compare(shopify, counted(("A", 9), ("B", 6), ("C", 5)), in_flight={}, shipped_after={}, tolerance=0)
    bad = mismatches(got)
    assert bad["sku"].tolist() == ["B", "A"]
    assert describe(bad.iloc[0].to_dict()) == (
        "B: Shopify 1, warehouse 6 (-5 unexplained; 0 in flight, 0 shipped after)"
    )


@given(
    shopify=st.integers(0, 500), warehouse=st.integers(0, 500), flight=st.integers(0, 50),
    after=st.integers(0, 50),
)  # fmt: skip
def test_unexplained_is_zero_exactly_inside_the_explained_range(
    shopify: int, warehouse: int, flight: int, after: int
) -> None:
    row = one(shopify, warehouse, flight=flight, after=after)
    difference = shopify - warehouse
    inside = -after <= difference <= flight
    assert (row["unexplained"] == 0) == inside
    assert row["unexplained"] == difference - min(max(difference, -after), flight)


def test_low_stock_thresholds_come_from_config_then_the_stock_file_then_defaults() -> None:
    stock = counted(("A", 3), ("B", 3), ("C", 3), reorder=5)
    stock.loc[stock["sku"] == "C", "reorder_level"] = pd.NA
    thresholds = Thresholds({"A": 2}, everything_else=None, default=4)
    judged = below(stock, thresholds).set_index("sku")
    assert judged["threshold"].to_dict() == {"A": 2, "B": 5, "C": 4}
    assert judged["low"].to_dict() == {"A": False, "B": True, "C": True}
    assert [p.key for p in problems(below(stock, thresholds), "S.csv")] == [key("B", "JHB"), key("C", "JHB")]
    assert recovered(below(stock, thresholds), {key("A", "JHB"), key("B", "JHB"), key("Z", "JHB")}) == [
        key("A", "JHB")
    ]


def test_corrections_refuse_an_api_version_before_2026_04() -> None:
    check_api_version(False, "2026-01")
    check_api_version(True, "2026-04")
    with pytest.raises(ConfigError, match="needs Shopify API 2026-04 or later"):
        check_api_version(True, "2026-01")


def test_two_sites_standing_for_one_location_add_up() -> None:
    stock = pd.concat([counted(("A", 3)), counted(("A", 4)).assign(site="JHB-2")], ignore_index=True)
    shopify = shopify_stock(levels((HERE, "1", " A ", 7)), {HERE})  # Shopify's SKU with stray spaces
    [row] = compare(shopify, stock, in_flight={}, shipped_after={}, tolerance=0).to_dict("records")
    assert (row["sku"], row["warehouse_quantity"], row["status"]) == ("A", 7, "ok")
