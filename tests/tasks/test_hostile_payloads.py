"""Hypothesis-generated damage to Shopify payloads: never a traceback, every damaged order either passes or is
quarantined with a reason, every good order is delivered, nothing received is dropped."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplines.lines import EligibilityRule
from tasks.plan_deliveries import plan_deliveries
from tasks.select_eligible import select_eligible
from tasks.transform_orders import flatten_orders
from tasks.validate_orders import validate_orders
from tasks.warehouse_file import build_files, warehouse_rows
from tests.support.payloads import WAREHOUSE, order

BUILT = datetime(2026, 10, 27, 6, 0, tzinfo=UTC)
GOOD = [order(1001), order(1002)]
ORDER_FIELDS = sorted(GOOD[0])
LINE_FIELDS = sorted(GOOD[0]["lineItems"]["nodes"][0])

damage = st.one_of(
    st.just(("delete", None)),
    st.just(("set", None)),
    st.tuples(st.just("set"), st.integers(-(10**12), 10**12)),
    st.tuples(st.just("set"), st.lists(st.integers(), max_size=2)),
    st.tuples(st.just("set"), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
    st.tuples(st.just("set"), st.text(max_size=30)),  # unicode, control characters, empty
    st.tuples(st.just("set"), st.just("x" * 20_000)),  # huge
    st.tuples(st.just("set"), st.sampled_from(["PAID_IN_KIND", "UNKNOWN_ENUM", "-1", "NaN", "1e309"])),
)
target = st.one_of(
    st.tuples(st.just("order"), st.sampled_from(ORDER_FIELDS)),
    st.tuples(st.just("line"), st.sampled_from(LINE_FIELDS)),
)


def damaged(where: tuple[str, str], how: tuple[str, Any]) -> dict[str, Any]:
    bad = order(1666)
    holder = bad if where[0] == "order" else bad["lineItems"]["nodes"][0]
    if how[0] == "delete":
        holder.pop(where[1], None)
    else:
        holder[where[1]] = copy.deepcopy(how[1])
    return bad


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(target, damage)
def test_damage_is_quarantined_with_a_reason_or_harmless_and_good_orders_go_out(
    where: tuple[str, str], how: tuple[str, Any]
) -> None:
    bad = damaged(where, how)
    raw = [*copy.deepcopy(GOOD), bad]
    frames = flatten_orders.fn(raw)
    payloads = {str(o.get("id")): o for o in raw}
    checked = validate_orders.fn(frames, "ZAR", payloads)

    passed = set(checked.orders["order_id"])
    rejected = {r.entity_id: r for r in checked.rejected}
    assert {o["id"] for o in GOOD} <= passed  # the good orders are never taken down with the bad one
    assert len(passed) + len(checked.rejected) == len(raw)  # nothing received is dropped
    assert not passed & set(rejected)
    for r in checked.rejected:
        assert r.reason.strip()
        assert r.payload  # kept whole for a person and for a retry
        json.dumps(r.payload)  # storable as JSON

    selection = select_eligible.fn(checked.orders, checked.lines, checked.fulfillment_lines, WAREHOUSE,
                                   EligibilityRule())  # fmt: skip
    planned = plan_deliveries.fn(selection.orders, selection.ship_lines, {})
    rows = warehouse_rows.fn(planned, selection.ship_lines, "Africa/Johannesburg")
    files = build_files.fn(rows, 5000, "ORD", "s", BUILT)
    sent = {str(n) for f in files for n in f.rows["order_number"]}
    assert {"#1001", "#1002"} <= sent
