"""Eligibility, versions and the warehouse file, on hand-built orders."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from shoplines.errors import ConfigError
from shoplines.lines import EligibilityRule
from tasks.plan_deliveries import plan_deliveries
from tasks.select_eligible import select_eligible
from tasks.transform_orders import flatten_orders
from tasks.warehouse_file import build_files, build_time, neutralise, warehouse_rows
from tests.support.payloads import STORE, WAREHOUSE, fulfillment_order, line, order

RULE = EligibilityRule()
BUILT = datetime(2026, 10, 27, 6, 0, tzinfo=UTC)


@dataclass
class Sent:
    content_hash: str
    record_type: str
    sequence: int = 1


def plan(
    raw: list[dict], delivered: dict | None = None, *, redeliver: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = flatten_orders.fn(raw)
    selection = select_eligible.fn(frames.orders, frames.lines, frames.fulfillment_lines, WAREHOUSE, RULE)
    planned = plan_deliveries.fn(selection.orders, selection.ship_lines, delivered or {}, redeliver=redeliver)
    return planned, selection.ship_lines


def actions(planned: pd.DataFrame) -> dict[str, str]:
    return dict(zip(planned["order_name"], planned["action"].astype(str), strict=True))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"test": True}, "test order"),
        ({"cancelledAt": "2026-10-14T09:00:00Z"}, "cancelled"),
        ({"displayFinancialStatus": "PENDING"}, "payment pending"),
        ({"displayFulfillmentStatus": "ON_HOLD"}, "on hold"),
        ({"fulfillmentOrders": {"nodes": [fulfillment_order(1, STORE, [(10011, 2), (10012, 1)])]}},
         "nothing for this warehouse to ship"),
    ],
)  # fmt: skip
def test_ineligible_orders_are_skipped_with_a_reason(overrides: dict, reason: str) -> None:
    planned, _ = plan([order(1001, **overrides)])
    assert planned.iloc[0]["action"] == "SKIPPED"
    assert planned.iloc[0]["reason"] == reason


def test_only_warehouse_lines_that_ship_are_sent() -> None:
    gift_card = line(10013, "GIFT-500", 1, "500.00", ships=False)
    items = {
        "nodes": [line(10011, "MUG-BLUE", 2, "115.00"), line(10012, "TEE-BLK-M", 1, "109.00"), gift_card]
    }
    split = {
        "nodes": [
            fulfillment_order(1, WAREHOUSE, [(10011, 2), (10013, 1)]),
            fulfillment_order(2, STORE, [(10012, 1)]),
        ]
    }
    planned, ship = plan([order(1001, lineItems=items, fulfillmentOrders=split)])
    assert planned.iloc[0]["action"] == "NEW"
    assert list(ship["sku"]) == ["MUG-BLUE"]


def test_tag_edit_keeps_the_version_but_quantity_and_address_change_it() -> None:
    first, _ = plan([order(1001)])
    sent = {first.iloc[0]["order_id"]: Sent(first.iloc[0]["content_hash"], "NEW")}
    tagged, _ = plan([order(1001, tags=["vip"], updatedAt="2026-10-15T00:00:00Z")], sent)
    assert actions(tagged) == {"#1001": "UNCHANGED"}
    less = {"nodes": [line(10011, "MUG-BLUE", 2, "115.00", current=1), line(10012, "TEE-BLK-M", 1, "109.00")]}
    assert actions(plan([order(1001, lineItems=less)], sent)[0]) == {"#1001": "AMEND"}
    moved = order(1001)
    moved["shippingAddress"]["address1"] = "14 Long Street"
    assert actions(plan([moved], sent)[0]) == {"#1001": "AMEND"}


def test_an_order_changed_back_and_forth_is_amended_each_time_at_the_next_place_in_its_history() -> None:
    a = order(1001)
    b = order(1001)
    b["shippingAddress"]["address1"] = "14 Long Street"
    sent: dict[str, Sent] = {}
    seen = []
    for version in (a, b, a, b):  # address changed, changed back, changed again
        row = plan([version], sent)[0].iloc[0]
        seen.append((str(row["action"]), int(row["sequence"])))
        sent = {row["order_id"]: Sent(row["content_hash"], str(row["action"]), int(row["sequence"]))}
    assert seen == [("NEW", 1), ("AMEND", 2), ("AMEND", 3), ("AMEND", 4)]
    assert actions(plan([b], sent)[0]) == {"#1001": "UNCHANGED"}
    again = plan([b], sent, redeliver=True)[0].iloc[0]
    assert (again["action"], again["sequence"]) == ("REPLACEMENT", 5)  # a re-send takes its own place too
    replaced = {again["order_id"]: Sent(again["content_hash"], "REPLACEMENT", 5)}
    assert actions(plan([b], replaced, redeliver=True)[0]) == {"#1001": "UNCHANGED"}  # once per version


def test_cancellation_after_delivery_is_a_cancel_and_before_is_nothing() -> None:
    first, _ = plan([order(1001)])
    sent = {first.iloc[0]["order_id"]: Sent(first.iloc[0]["content_hash"], "NEW")}
    cancelled = order(1001, cancelledAt="2026-10-15T00:00:00Z", displayFinancialStatus="REFUNDED")
    assert actions(plan([cancelled], sent)[0]) == {"#1001": "CANCEL"}
    assert actions(plan([cancelled])[0]) == {"#1001": "SKIPPED"}


def shipped_here(shipped: int, status: str) -> dict:
    return {"nodes": [fulfillment_order(1, WAREHOUSE, [(10011, 2), (10012, 1)], status, shipped=shipped)]}


def test_orders_fulfilled_before_delivery_are_never_sent() -> None:
    everything = order(
        1001, fulfillmentOrders=shipped_here(2, "CLOSED"), displayFulfillmentStatus="FULFILLED"
    )
    part = order(1002, fulfillmentOrders=shipped_here(1, "IN_PROGRESS"))
    planned, _ = plan([everything, part])
    assert actions(planned) == {"#1001": "SKIPPED", "#1002": "SKIPPED"}
    assert list(planned["reason"]) == ["already fulfilled", "partly fulfilled already: needs a person"]


def test_the_warehouse_shipping_a_delivered_order_changes_nothing() -> None:
    first, _ = plan([order(1001)])
    sent = {first.iloc[0]["order_id"]: Sent(first.iloc[0]["content_hash"], "NEW")}
    shipped = order(1001, fulfillmentOrders=shipped_here(2, "CLOSED"), displayFulfillmentStatus="FULFILLED")
    assert actions(plan([shipped], sent)[0]) == {"#1001": "UNCHANGED"}


def test_a_change_to_a_delivered_order_that_is_no_longer_eligible_is_held_not_cancelled() -> None:
    first, _ = plan([order(1001)])
    sent = {first.iloc[0]["order_id"]: Sent(first.iloc[0]["content_hash"], "NEW")}
    more = {"nodes": [line(10011, "MUG-BLUE", 3, "115.00"), line(10012, "TEE-BLK-M", 1, "109.00")]}
    split = {"nodes": [fulfillment_order(1, WAREHOUSE, [(10011, 3), (10012, 1)])]}
    owing = order(1001, lineItems=more, fulfillmentOrders=split, displayFinancialStatus="PARTIALLY_PAID")
    planned, _ = plan([owing], sent)
    assert actions(planned) == {"#1001": "HELD"}
    assert planned.iloc[0]["reason"] == "payment partially_paid"
    refunded = order(1001, displayFinancialStatus="REFUNDED")
    assert actions(plan([refunded], sent)[0]) == {"#1001": "CANCEL"}


def test_rows_files_and_control_totals() -> None:
    planned, ship = plan([order(1001), order(1002)])
    rows = warehouse_rows.fn(planned, ship, "Africa/Johannesburg")
    files = build_files.fn(rows, max_lines=3, prefix="ORD", shop_domain="demo.myshopify.com", built_at=BUILT)
    assert [len(f.rows) for f in files] == [2, 2]  # orders are never split across files
    assert files[0].name.startswith("ORD_demo_")
    assert files[0].name.endswith("_001.csv")
    assert len({f.batch_id for f in files}) == 1
    table = list(csv.reader(io.StringIO(files[0].content.decode())))
    header, body, trailer = table[0], table[1:-1], table[-1]
    row = dict(zip(header, body[0], strict=True))
    assert row["record_type"] == "NEW"
    assert row["order_number"] == "#1001"
    assert (row["unit_price"], row["line_discount"], row["line_total"]) == ("115.00", "10.00", "220.00")
    assert row["order_date"] == "2026-10-14"
    control = dict(zip(header, trailer, strict=True))
    assert control["record_type"] == "TRAILER"
    assert (control["order_number"], control["line_number"], control["quantity"]) == ("1", "2", "3")
    assert control["line_total"] == "329.00"


def test_content_hashes_never_change_the_ledger_holds_them() -> None:
    """Hashes computed by earlier releases are in every shop's ledger: a new one for the same content would
    re-send every order as an AMEND. Pinned values, from the release that wrote them."""
    planned, _ = plan([order(1001), order(1002, cancelledAt="2026-10-14T09:00:00Z")])
    assert list(planned["content_hash"]) == [
        "ef05e20f4ed27fda65a034044b1bd0c901e797a255e573b08740826266f174b9",
        "d7c08dffb0ab742e9336d40b5445d4b08ab9ad8fdc292a34369286e185568a81",
    ]
    same_address = "8aa1180876dadb075110e67a0d72333f87a3bcc675f3c11c8bc2da0049c8b88c"
    assert list(planned["address_hash"]) == [same_address, same_address]


@pytest.mark.parametrize("max_lines", [1, 3, 4, 100])
def test_files_keep_each_order_whole_and_in_order(max_lines: int) -> None:
    sizes = {1001: 1, 1002: 3, 1003: 2, 1004: 5, 1005: 1}
    raw = []
    for n, k in sizes.items():
        items = {"nodes": [line(n * 10 + i, f"SKU-{i}", 1, "10.00") for i in range(k)]}
        at_warehouse = {"nodes": [fulfillment_order(n, WAREHOUSE, [(n * 10 + i, 1) for i in range(k)])]}
        raw.append(order(n, lineItems=items, fulfillmentOrders=at_warehouse))
    planned, ship = plan(raw)
    rows = warehouse_rows.fn(planned, ship, "Africa/Johannesburg")
    files = build_files.fn(rows, max_lines, "ORD", "demo.myshopify.com", BUILT)
    per_file = [list(dict.fromkeys(f.rows["order_number"])) for f in files]
    assert [name for names in per_file for name in names] == [f"#{n}" for n in sizes]  # none split, in order
    for f in files:
        assert len(f.rows) <= max_lines or f.rows["order_number"].nunique() == 1
    assert sum(len(f.rows) for f in files) == sum(sizes.values())
    if max_lines >= 4:  # small orders share a file up to the limit
        assert len(files) < len(sizes)


def test_file_names_are_deterministic_and_sort_in_the_order_runs_built_them() -> None:
    def names(built_at: datetime, *orders: dict) -> list[str]:
        planned, ship = plan(list(orders))
        rows = warehouse_rows.fn(planned, ship, "Africa/Johannesburg")
        return [f.name for f in build_files.fn(rows, 5000, "ORD", "demo.myshopify.com", built_at)]

    first = names(BUILT, order(1002), order(1001))
    assert first == names(BUILT, order(1002), order(1001))
    assert first[0].startswith("ORD_demo_20261027T060000Z_")
    # A later run's file (whatever its content hash) sorts after: a 3PL taking a backlog in name order
    # sees an order's NEW before its AMEND.
    later = names(BUILT + timedelta(minutes=15), order(1003))
    assert sorted([*later, *first]) == [*first, *later]


def test_order_date_is_the_shop_day() -> None:
    late = order(1001, processedAt="2026-10-31T22:30:00Z")  # 00:30 on 1 November in Johannesburg
    planned, ship = plan([late])
    rows = warehouse_rows.fn(planned, ship, "Africa/Johannesburg")
    assert set(rows["order_date"]) == {"2026-11-01"}


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+27 82", "'+27 82"), ("-5", "'-5"), ("@SUM", "'@SUM"),
     ("a\nb", "a b"), ("Zoë", "Zoë"), (None, "")],
)  # fmt: skip
def test_free_text_is_neutralised(text: str | None, safe: str) -> None:
    assert neutralise(text) == safe


def test_injection_in_address_is_neutralised_but_keys_untouched() -> None:
    evil = order(1001)
    evil["shippingAddress"]["company"] = "=cmd|' /C calc'!A0"
    planned, ship = plan([evil])
    rows = warehouse_rows.fn(planned, ship, "Africa/Johannesburg")
    assert set(rows["ship_to_company"]) == {"'=cmd|' /C calc'!A0"}
    assert set(rows["sku"]) == {"MUG-BLUE", "TEE-BLK-M"}
    assert set(rows["ship_to_phone"]) == {"27825550101"}


def test_a_warehouse_location_no_order_uses_stops_the_run_instead_of_cancelling_everything() -> None:
    frames = flatten_orders.fn([order(n) for n in range(1001, 1011)])
    with pytest.raises(ConfigError, match="SHOPLINES_WAREHOUSE_LOCATION_ID"):
        select_eligible.fn(
            frames.orders, frames.lines, frames.fulfillment_lines, "gid://shopify/Location/999", RULE
        )


def test_file_names_sort_after_the_newest_even_when_this_workers_clock_lags() -> None:
    now = datetime(2026, 11, 27, 8, 0, 0, 400_000, tzinfo=UTC)
    assert build_time(now, []) == now.replace(microsecond=0)
    earlier = ["ORD_s_20261127T075959Z_0123456789ab_001.csv", "ORD_s_20261127T070000Z_0123456789ab_002.csv"]
    assert build_time(now, earlier) == now.replace(microsecond=0)
    ahead = [
        "ORD_s_20261127T080500Z_0123456789ab_001.csv",
        "not-ours.csv",
        *earlier,
    ]  # another worker, 5 min ahead
    assert build_time(now, ahead) == datetime(2026, 11, 27, 8, 5, 1, tzinfo=UTC)
