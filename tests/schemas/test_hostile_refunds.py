"""Hypothesis-generated damage to refund and transaction payloads: never a traceback, the damaged refund or
payment either passes or is set aside with a reason, good ones always pass, nothing received is dropped."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tasks.transform_refunds import flatten_refunds
from tasks.validate_refunds import validate_refunds
from tests.schemas.payloads import full, partial_line, shipping_only

GOOD = [partial_line(2001), shipping_only(2002)]
GOOD_REFUNDS = {r["id"] for o in GOOD for r in o["refunds"]}
GOOD_TRANSACTIONS = {t["id"] for o in GOOD for t in o["transactions"]}


def _holders(o: dict[str, Any]) -> dict[str, dict[str, Any]]:
    r = o["refunds"][0]
    return {
        "order": o,
        "refund": r,
        "line": r["refundLineItems"]["nodes"][0],
        "shipping": r["refundShippingLines"]["nodes"][0],
        "refund_tx": r["transactions"]["nodes"][0],
        "sale": o["transactions"][0],
    }


SAMPLE = _holders(full(2004))
target = st.one_of(*(st.tuples(st.just(k), st.sampled_from(sorted(v))) for k, v in SAMPLE.items()))
money_damage = st.fixed_dictionaries(
    {"shopMoney": st.fixed_dictionaries({
        "amount": st.sampled_from(["-5.00", "0.00", "1e309", "NaN", "12.345", "9" * 30, "", "1,50"]),
        "currencyCode": st.sampled_from(["ZAR", "USD", "", "zar", None]),
    })}
)  # fmt: skip
damage = st.one_of(
    st.just(("delete", None)),
    st.just(("set", None)),
    st.tuples(st.just("set"), st.integers(-(10**20), 10**20)),
    st.tuples(st.just("set"), st.booleans()),
    st.tuples(st.just("set"), st.lists(st.integers(), max_size=2)),
    st.tuples(st.just("set"), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
    st.tuples(st.just("set"), st.text(max_size=30)),  # unicode, control characters, empty
    st.tuples(st.just("set"), st.just("x" * 20_000)),  # huge
    st.tuples(st.just("set"), st.sampled_from(["REFUND_ALL", "SETTLED", "UNKNOWN_ENUM", "-1", "gid://shopify/X/1"])),
    st.tuples(st.just("set"), st.sampled_from(["2026-10-16T09:30:00", "0001-01-01T00:00:00+01:00",
                                               "9999-12-31T23:59:59-14:00", "2026-02-30T00:00:00Z"])),
    st.tuples(st.just("set"), money_damage),
)  # fmt: skip


def damaged(where: tuple[str, str], how: tuple[str, Any]) -> dict[str, Any]:
    bad = full(2004)
    holder = _holders(bad)[where[0]]
    if how[0] == "delete":
        holder.pop(where[1], None)
    else:
        holder[where[1]] = copy.deepcopy(how[1])
    return bad


def _received_id(listed: Any) -> tuple[bool, str | None]:
    """Whether the damaged order's refund still arrived as a refund, and its id as a rejection names it."""
    if isinstance(listed, list) and listed and isinstance(listed[0], dict):
        ident = listed[0].get("id")
        return True, None if ident is None else str(ident)
    return False, None


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(target, damage)
@example(("refund", "createdAt"), ("set", "0001-01-01T00:00:00+01:00"))  # found by a longer run: overflowed
@example(("refund", "id"), ("set", None))  # a nameless refund still claimed its transactions
def test_damage_is_set_aside_with_a_reason_or_harmless_and_good_refunds_go_on(
    where: tuple[str, str], how: tuple[str, Any]
) -> None:
    bad = damaged(where, how)
    raw = [*copy.deepcopy(GOOD), bad]
    got = validate_refunds.fn(flatten_refunds.fn(raw), "ZAR")

    passed = set(got.refunds["refund_id"]) | set(got.transactions["transaction_id"])
    rejected = {r.entity_id for r in got.rejected}
    assert passed >= GOOD_REFUNDS | GOOD_TRANSACTIONS  # good records are never taken down with the bad one
    assert not passed & rejected
    assert not {n.entity_id for n in got.unchecked} & GOOD_REFUNDS
    arrived, ident = _received_id(bad.get("refunds"))
    if arrived and bad.get("id") == "gid://shopify/Order/5500000002004":
        assert ident in passed | rejected  # the damaged refund is never dropped
    for r in got.rejected:
        assert r.reason.strip()
        assert len(r.reason) < 1000  # a huge value is shown short
        assert r.payload  # kept whole for a person and for a retry
        json.dumps(r.payload)  # storable as JSON
