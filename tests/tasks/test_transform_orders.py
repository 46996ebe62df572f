"""Flattening and validating order payloads: typed frames, and nothing received is dropped silently."""

from __future__ import annotations

import pandas as pd

from tasks.transform_orders import flatten_orders
from tasks.validate_orders import validate_orders
from tests.support.payloads import line, money, order


def run(raw: list[dict]) -> tuple:
    frames = flatten_orders.fn(raw)
    payloads = {o["id"]: o for o in raw if isinstance(o, dict) and "id" in o}
    return validate_orders.fn(frames, "ZAR", payloads)


def test_flatten_gives_cents_and_utc_timestamps() -> None:
    frames = flatten_orders.fn([order(1001)])
    head = frames.orders.iloc[0]
    assert head["total_price_cents"] == 37900
    assert head["processed_at"] == pd.Timestamp("2026-10-14T08:00:00Z")
    assert list(frames.lines["unit_price_cents"]) == [11500, 10900]
    assert list(frames.lines["discount_cents"]) == [1000, 0]
    assert len(frames.fulfillment_lines) == 2
    assert frames.rejected == []


def test_good_orders_pass_validation_whole() -> None:
    result = run([order(1001), order(1002)])
    assert len(result.orders) == 2
    assert len(result.lines) == 4
    assert result.rejected == []


def test_unreadable_payload_is_rejected_with_reason_and_kept() -> None:
    broken = order(1003)
    del broken["lineItems"]
    bad_money = order(1004, totalPriceSet=money("12.345"))
    result = run([order(1001), broken, bad_money])
    assert list(result.orders["order_name"]) == ["#1001"]
    reasons = {r.entity_name: r.reason for r in result.rejected}
    assert reasons["#1003"] == "field 'lineItems' is missing"
    assert "fractions of a cent" in reasons["#1004"]
    assert all(r.payload for r in result.rejected)


def test_schema_failures_reject_the_whole_order_and_keep_the_rest() -> None:
    negative = order(1005, lineItems={"nodes": [line(1, "MUG-BLUE", -1, "10.00")]})
    unknown_status = order(1006, displayFinancialStatus="PAID_IN_KIND")
    dollars = order(1007, currencyCode="USD")
    result = run([order(1001), negative, unknown_status, dollars])
    assert list(result.orders["order_name"]) == ["#1001"]
    assert set(result.lines["order_id"]) == {order(1001)["id"]}
    reasons = {r.entity_name: r.reason for r in result.rejected}
    assert "quantity" in reasons["#1005"]
    assert "financial_status" in reasons["#1006"]
    assert "PAID_IN_KIND" in reasons["#1006"]
    assert reasons["#1007"] == "currency is USD, the shop's is ZAR"


def test_line_total_that_does_not_add_up_is_rejected() -> None:
    wrong = line(1, "MUG-BLUE", 2, "115.00")
    wrong["discountedTotalSet"] = money("200.00")
    result = run([order(1008, lineItems={"nodes": [wrong]})])
    assert result.orders.empty
    assert "line total" in result.rejected[0].reason


def test_non_dict_payload_is_rejected_not_crashed() -> None:
    result = run([order(1001), "garbage"])  # type: ignore[list-item]
    assert len(result.orders) == 1
    assert result.rejected[0].payload == {"raw": "garbage"}
