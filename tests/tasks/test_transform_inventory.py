"""Inventory levels from Shopify payloads: typed frame, a reason for every level set aside, negative
`available` reported but kept, and hostile payloads never a traceback."""

from __future__ import annotations

import copy
import json
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.received import NEGATIVE_AVAILABLE
from tasks.transform_inventory import InventoryFrames, flatten_inventory, validate_inventory

LOCATION = 7000000000001


def level(
    number: int, available: int = 17, on_hand: int = 19, committed: int = 2, **overrides: Any
) -> dict[str, Any]:
    """One level as `LOCATION_INVENTORY_LEVELS` returns it (the sandbox's id and quantity shapes)."""
    base: dict[str, Any] = {
        "id": f"gid://shopify/InventoryLevel/{LOCATION}?inventory_item_id={number}",
        "updatedAt": "2026-10-14T08:00:00Z",
        "location": {"id": f"gid://shopify/Location/{LOCATION}"},
        "item": {"id": f"gid://shopify/InventoryItem/{number}", "sku": f"SKU-{number}"},
        "quantities": [
            {"name": "available", "quantity": available},
            {"name": "on_hand", "quantity": on_hand},
            {"name": "committed", "quantity": committed},
        ],
    }
    base.update(copy.deepcopy(overrides))
    return base


def run(raw: list[Any]) -> InventoryFrames:
    return validate_inventory.fn(flatten_inventory.fn(raw))


def test_levels_become_a_typed_frame() -> None:
    got = run([level(43653688524989), level(43653688524990, available=0, on_hand=5, committed=5)])
    assert got.rejected == []
    assert got.negative_available == []
    head = got.levels.iloc[0]
    assert (head["available"], head["on_hand"], head["committed"]) == (17, 19, 2)
    assert head["sku"] == "SKU-43653688524989"
    assert head["location_id"] == "gid://shopify/Location/7000000000001"
    assert head["updated_at"] == pd.Timestamp("2026-10-14T08:00:00Z")
    assert str(got.levels["updated_at"].dtype) == "datetime64[us, UTC]"
    assert got.levels["available"].dtype == "int64"


def test_negative_available_goes_on_and_is_reported() -> None:
    got = run([level(1, available=-3, on_hand=0, committed=3)])
    assert list(got.levels["available"]) == [-3]
    [notice] = got.negative_available
    assert (notice.entity_id, notice.entity_name, notice.category) == (
        level(1)["id"],
        "SKU-1",
        NEGATIVE_AVAILABLE,
    )
    assert (
        notice.detail == "available is -3 at gid://shopify/Location/7000000000001 (more sold than in stock)"
    )


def test_offset_timestamp_is_converted_to_utc() -> None:
    got = run([level(1, updatedAt="2026-10-14T10:00:00+02:00")])
    assert got.levels.iloc[0]["updated_at"] == pd.Timestamp("2026-10-14T08:00:00Z")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"updatedAt": "2026-10-14T08:00:00"}, "updatedAt '2026-10-14T08:00:00' has no time zone"),
        ({"updatedAt": "soon"}, "updatedAt 'soon' is not an ISO-8601 timestamp"),
        (
            {"location": {"id": "gid://shopify/Warehouse/1"}},
            "'gid://shopify/Warehouse/1' is not a Shopify Location gid",
        ),
        (
            {"item": {"id": "43653688524989"}},
            "inventory_item_id '43653688524989' is not a Shopify InventoryItem gid",
        ),
        (
            {"id": "gid://shopify/InventoryLevel/99?inventory_item_id=1"},
            "id does not name its location and item",
        ),
        ({"id": "level-1"}, "inventory_level_id 'level-1' is not a Shopify InventoryLevel gid"),
        ({"quantities": [{"name": "available", "quantity": 1}]}, "quantity 'on_hand' is missing"),
        ({"quantities": None}, "quantities is missing"),
        (
            {"quantities": [{"name": "available", "quantity": 1.5}]},
            "quantity available 1.5 is not a whole number",
        ),
        ({"quantities": [{"name": "available", "quantity": 1}] * 2}, "quantity 'available' is given twice"),
        ({"location": None}, "location is missing"),
    ],
)
def test_a_failing_level_is_set_aside_with_its_reason(overrides: dict[str, Any], reason: str) -> None:
    got = run([level(1, **overrides), level(2)])
    assert list(got.levels["inventory_item_id"]) == ["gid://shopify/InventoryItem/2"]
    [rejected] = got.rejected
    assert reason in rejected.reason
    assert rejected.payload


def test_negative_committed_is_refused() -> None:
    got = run([level(1, committed=-1)])
    assert got.levels.empty
    assert got.rejected[0].reason == "committed must be at least 0 (value -1)"


def test_the_same_level_twice_is_refused() -> None:
    got = run([level(1), level(1)])
    assert got.levels.empty
    assert "appears more than once" in got.rejected[0].reason


def test_a_level_without_an_item_number_in_its_id_is_accepted() -> None:
    got = run([level(1, id=f"gid://shopify/InventoryLevel/{LOCATION}")])
    assert got.rejected == []


# --- hostile payloads --------------------------------------------------------------------------------------

FIELDS = [("level", k) for k in sorted(level(1))]
FIELDS += [("item", "id"), ("item", "sku"), ("quantity", "quantity"), ("quantity", "name")]
damage = st.one_of(
    st.just(("delete", None)),
    st.tuples(st.just("set"), st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats()),
    st.tuples(st.just("set"), st.text(max_size=30) | st.just("x" * 20_000)),
    st.tuples(st.just("set"), st.lists(st.integers(), max_size=2)),
    st.tuples(
        st.just("set"), st.sampled_from(["0001-01-01T00:00:00+01:00", "2026-10-14T08:00:00", "on_hand"])
    ),
)


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), damage)
def test_hostile_levels_never_raise_and_are_never_dropped(
    where: tuple[str, str], how: tuple[str, Any]
) -> None:
    bad = level(9)
    holder = {"level": bad, "item": bad["item"], "quantity": bad["quantities"][0]}[where[0]]
    if how[0] == "delete":
        holder.pop(where[1], None)
    else:
        holder[where[1]] = copy.deepcopy(how[1])
    good = [level(1), level(2, available=-1, on_hand=0, committed=1)]
    got = run([*copy.deepcopy(good), bad])
    assert {g["id"] for g in good} <= set(got.levels["inventory_level_id"])
    assert len(got.levels) + len(got.rejected) == 3
    for r in got.rejected:
        assert r.reason.strip()
        assert len(r.reason) < 1000
        json.dumps(r.payload)
