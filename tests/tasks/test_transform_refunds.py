"""Refunds and transactions from order payloads: hand-checked golden refunds in integer cents, and every
failing refund or payment set aside with a reason a person can act on."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from tasks.received import COULD_NOT_CHECK, UNMAPPED_GATEWAY
from tasks.transform_refunds import RefundFrames, flatten_refunds
from tasks.validate_refunds import validate_refunds
from tests.schemas.payloads import (
    MUG,
    back,
    full,
    money,
    order,
    partial_line,
    refund,
    refund_line,
    shipping_only,
    txn,
    with_restock,
)

OVER = "refund total is more than the order's payments less its earlier refunds"


def run(raw: list[Any], currency: str = "ZAR") -> RefundFrames:
    return validate_refunds.fn(flatten_refunds.fn(raw), currency)


def reasons(frames: RefundFrames) -> dict[str | None, str]:
    return {r.entity_id: r.reason for r in frames.rejected}


# --- golden refunds (cents worked out by hand in tests/schemas/payloads.py) ------------------------------


def test_partial_refund_of_one_line_with_vat_included() -> None:
    got = run([partial_line(2001)])
    assert got.rejected == []
    head = got.refunds.iloc[0]
    assert head["total_refunded_cents"] == 11000  # one of two mugs: R220.00 / 2
    assert head["paid_cents"] == 38900  # the PayFast SALE
    assert head["refunded_before_cents"] == 0
    line = got.refund_lines.iloc[0]
    assert (line["quantity"], line["line_quantity"], line["sku"]) == (1, 2, "MUG-BLUE")
    assert (line["unit_price_cents"], line["subtotal_cents"], line["tax_cents"]) == (11000, 11000, 1435)
    assert line["restock_type"] == "NO_RESTOCK"
    assert not line["restocked"]
    assert pd.isna(line["location_id"])
    assert got.refund_shipping.empty
    assert got.unchecked == []
    assert got.unmapped_gateways == []


def test_shipping_only_refund() -> None:
    got = run([shipping_only(2002)])
    assert got.rejected == []
    assert got.refund_lines.empty
    assert list(got.refunds["total_refunded_cents"]) == [6000]
    ship = got.refund_shipping.iloc[0]
    assert (ship["subtotal_cents"], ship["tax_cents"]) == (6000, 783)  # 60 x 15/115 = 7.826 -> 7.83
    assert ship["title"] == "The Courier Guy — Door to Door"


def test_refund_with_restock_names_the_location() -> None:
    got = run([with_restock(2003)])
    line = got.refund_lines.iloc[0]
    assert (line["restock_type"], line["restocked"]) == ("RETURN", True)
    assert line["location_id"] == "gid://shopify/Location/7000000000001"
    assert (line["subtotal_cents"], line["tax_cents"]) == (10900, 1422)  # 109 x 15/115 = 14.217 -> 14.22
    assert list(got.refunds["total_refunded_cents"]) == [10900]


def test_full_refund_pays_back_exactly_what_was_paid() -> None:
    got = run([full(2004)])
    assert got.rejected == []
    head = got.refunds.iloc[0]
    assert head["total_refunded_cents"] == head["paid_cents"] == 38900
    assert got.refund_lines["subtotal_cents"].sum() + got.refund_shipping["subtotal_cents"].sum() == 38900
    assert got.refund_lines["tax_cents"].sum() + got.refund_shipping["tax_cents"].sum() == 5075  # VAT 50.75
    kinds = dict(zip(got.transactions["kind"], got.transactions["refund_id"], strict=True))
    assert kinds["REFUND"] == head["refund_id"]  # the payment out is tied to its refund
    assert pd.isna(kinds["SALE"])


def test_frames_are_typed_utc_and_integer_cents() -> None:
    got = run([partial_line(), shipping_only(), with_restock(), full()])
    assert len(got.refunds) == 4
    assert str(got.refunds["updated_at"].dtype) == "datetime64[us, UTC]"
    assert str(got.transactions["created_at"].dtype) == "datetime64[us, UTC]"
    assert got.refunds["total_refunded_cents"].dtype == "int64"
    assert got.transactions["amount_cents"].dtype == "int64"
    assert len(got.transactions) == 8  # a SALE and a REFUND per order, each once


def test_offset_timestamps_are_converted_to_utc() -> None:
    o = partial_line()
    o["refunds"][0]["createdAt"] = "2026-10-16T11:30:00+02:00"  # Johannesburg wall-clock
    got = run([o])
    assert got.refunds.iloc[0]["created_at"] == pd.Timestamp("2026-10-16T09:30:00Z")


# --- refund total against what was paid -----------------------------------------------------------------


def two_refunds(second: str) -> dict[str, Any]:
    """R200.00 back on the 16th, then `second` on the 17th, of an order paid R389.00."""
    n = 2005
    first = refund(
        n * 10, "200.00", transactions=[back(n * 1000 + 1, "200.00", n)], at="2026-10-16T09:00:00Z"
    )
    paid_back = [back(n * 1000 + 2, second, n, at="2026-10-17T09:00:00Z")]
    later = refund(n * 10 + 1, second, transactions=paid_back, at="2026-10-17T09:00:00Z")
    return order(n, [first, later])


def test_second_refund_within_what_is_left_passes() -> None:
    got = run([two_refunds("189.00")])  # 200.00 + 189.00 = 389.00 paid
    assert got.rejected == []
    assert list(got.refunds["refunded_before_cents"]) == [0, 20000]


def test_refund_beyond_what_is_left_is_set_aside_with_its_transaction() -> None:
    got = run([two_refunds("189.01")])  # one cent more than is left
    assert list(got.refunds["refund_id"]) == ["gid://shopify/Refund/20050"]
    assert reasons(got) == {"gid://shopify/Refund/20051": OVER}
    assert "gid://shopify/OrderTransaction/2005002" not in set(got.transactions["transaction_id"])
    kept = got.rejected[0].payload
    assert kept["order_id"] == "gid://shopify/Order/5500000002005"
    assert kept["refund"]["totalRefundedSet"] == money("189.01")


def test_without_the_orders_transactions_the_total_could_not_be_checked() -> None:
    o = partial_line()
    del o["transactions"]
    got = run([o])
    assert got.rejected == []  # not refused, but not passed silently either
    assert [(n.entity_id, n.category) for n in got.unchecked] == [
        ("gid://shopify/Refund/20010", COULD_NOT_CHECK)
    ]
    assert "transactions were not received" in got.unchecked[0].detail
    assert got.refunds["paid_cents"].isna().all()


def test_failed_and_pending_payments_do_not_count_as_paid() -> None:
    o = partial_line()
    o["transactions"][0]["status"] = "FAILURE"
    o["transactions"].append(txn(9, "SALE", "389.00", status="PENDING"))
    got = run([o])
    assert reasons(got) == {"gid://shopify/Refund/20010": OVER}


# --- reasons ---------------------------------------------------------------------------------------------


def damaged(change: str, value: Any) -> dict[str, Any]:
    o = partial_line()
    r = o["refunds"][0]
    holder = {"refund": r, "line": r["refundLineItems"]["nodes"][0], "tx": r["transactions"]["nodes"][0]}
    where, name = change.split(".")
    holder[where][name] = copy.deepcopy(value)
    return o


@pytest.mark.parametrize(
    ("change", "value", "reason"),
    [
        ("line.restockType", "RESTOCK_ALL", "unknown restock_type value 'RESTOCK_ALL'"),
        (
            "tx.kind",
            "REFUND_ALL",
            "transaction gid://shopify/OrderTransaction/2001001: unknown kind value 'REFUND_ALL'",
        ),
        ("tx.status", "SETTLED", "unknown status value 'SETTLED'"),
        ("tx.kind", "SALE", "a refund's transaction is not of kind REFUND"),
        ("refund.id", "20010", "refund_id '20010' is not a Shopify Refund gid"),
        ("line.lineItem", {"id": "gid://shopify/Product/1", "quantity": 2}, "is not a Shopify LineItem gid"),
        ("line.quantity", 0, "quantity must be more than 0 (value 0)"),
        ("line.quantity", 3, "refunds more units than the order line has"),
        ("line.quantity", "1", "quantity '1' is not a whole number"),
        ("line.subtotalSet", money("-1.00"), "subtotal_cents must be at least 0 (value -100)"),
        ("line.totalTaxSet", money("14.355"), "totalTaxSet: amount '14.355' has fractions of a cent"),
        ("line.subtotalSet", money("110.00", "USD"), "currency is USD/ZAR, the shop's is ZAR"),
        ("tx.amountSet", money("-110.00"), "amount_cents must be more than 0"),
        ("refund.totalRefundedSet", None, "totalRefundedSet is missing"),
        ("refund.updatedAt", "2026-10-16T09:30:00", "updatedAt '2026-10-16T09:30:00' has no time zone"),
        ("refund.updatedAt", "yesterday", "updatedAt 'yesterday' is not an ISO-8601 timestamp"),
        (
            "refund.refundLineItems",
            {"pageInfo": {"hasNextPage": True}, "nodes": []},
            "more pages than were fetched",
        ),
        ("line.restocked", "yes", "restocked 'yes' is not true/false"),
    ],
)
def test_a_failing_refund_is_set_aside_whole_with_its_reason(change: str, value: Any, reason: str) -> None:
    got = run([damaged(change, value), with_restock()])
    assert list(got.refunds["order_name"]) == ["#2003"]  # the other order's refund goes on
    assert set(got.refund_lines["refund_id"]) == {"gid://shopify/Refund/20030"}
    assert "gid://shopify/Refund/20010" not in set(got.transactions["refund_id"].dropna())
    [rejected] = got.rejected
    assert rejected.entity_name == "#2001"
    assert reason in rejected.reason
    assert rejected.payload


def test_huge_values_are_shown_short_in_reasons() -> None:
    got = run([damaged("line.restockType", "X" * 20_000)])
    assert len(got.rejected[0].reason) < 200


def test_a_failing_payment_alone_is_set_aside_and_refunds_on_it_are_not_checked() -> None:
    o = partial_line()
    o["transactions"][0]["kind"] = "PAYMENT"  # API drift on the SALE
    got = run([o])
    assert reasons(got) == {"gid://shopify/OrderTransaction/2001000": "unknown kind value 'PAYMENT'"}
    assert list(got.refunds["refund_id"]) == ["gid://shopify/Refund/20010"]
    assert [n.category for n in got.unchecked] == [COULD_NOT_CHECK]
    assert "set aside" in got.unchecked[0].detail


def test_an_unreadable_payment_is_set_aside_and_refunds_on_it_are_not_checked() -> None:
    o = partial_line()
    o["transactions"][0]["createdAt"] = None
    got = run([o])
    assert reasons(got) == {"gid://shopify/OrderTransaction/2001000": "createdAt is missing"}
    assert got.rejected[0].payload["transaction"]["kind"] == "SALE"
    assert "could not be read" in got.unchecked[0].detail


def test_orders_that_are_not_orders_are_set_aside() -> None:
    lots = order(2009, [])
    lots["refunds"] = "lots"
    got = run(["junk", {"id": "gid://shopify/Product/1"}, lots])
    assert [r.reason for r in got.rejected] == [
        "id None is not a Shopify order gid",
        "id 'gid://shopify/Product/1' is not a Shopify order gid",
        "refunds is not a list or a connection",
    ]
    assert got.rejected[0].payload == {"raw": "junk"}


def test_an_order_without_refunds_still_gives_its_payments() -> None:
    got = run([order(2010, [])])
    assert got.refunds.empty
    assert list(got.transactions["kind"]) == ["SALE"]


# --- gateways --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gateway", ["PayFast", "payfast", "Yoco", "Peach Payments", "peach_payments", "Ozow"]
)
def test_south_african_gateways_are_mapped(gateway: str) -> None:
    o = partial_line()
    for t in [*o["transactions"], *o["refunds"][0]["transactions"]["nodes"]]:
        t["gateway"] = gateway
    assert run([o]).unmapped_gateways == []


def test_an_unknown_gateway_is_reported_not_refused() -> None:
    o = partial_line()
    o["transactions"][0]["gateway"] = "bogus"
    got = run([o])
    assert got.rejected == []
    assert len(got.transactions) == 2
    [notice] = got.unmapped_gateways
    assert (notice.entity_id, notice.entity_name, notice.category) == (
        "gid://shopify/OrderTransaction/2001000", "#2001", UNMAPPED_GATEWAY,
    )  # fmt: skip
    assert notice.detail == "gateway 'bogus' is not one of Ozow, PayFast, Peach Payments, Yoco"


def test_refund_lines_of_other_lines_are_read() -> None:
    o = partial_line()
    o["refunds"][0]["refundLineItems"]["nodes"].append(
        refund_line(99, 2001, MUG + 5, 1, cents=("0.00", "0.00", "0.00"))
    )
    got = run([o])
    assert len(got.refund_lines) == 2
    assert got.refund_lines.iloc[1]["line_quantity"] == 5


def test_a_restock_only_refund_of_nothing_needs_no_payment_check() -> None:
    rl = refund_line(20101, 2010, MUG, 1, cents=("0.00", "0.00", "0.00"), restock="RETURN", restocked=True)
    o = order(2010, [refund(20100, "0.00", lines=[rl])])
    del o["transactions"]
    got = run([o])
    assert got.rejected == []
    assert got.unchecked == []  # R0.00 back cannot exceed what was paid
