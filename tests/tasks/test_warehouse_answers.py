"""Reading the 3PL's answer files: kinds by name, rows by column name, bad files refused with a reason,
reasons in plain words, and the 3PL's working time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplines.errors import ConfigError
from shoplines.state.records import AwaitingAnswer
from tasks.feedback import overdue
from tasks.warehouse_answers import AnswerFormat, WorkingHours, parse_answer, plain_reason, reading_order

FMT = AnswerFormat()
ACK = b'"file_name","order_number","record_type","status"\r\n"ORD_1.csv","#1001","NEW","ACCEPTED"\r\n'
ERR = (
    b"\xef\xbb\xbffile_name,order_number,line_number,sku,reason\r\n"
    b"ORD_1.csv,#1002,2,MUG-9,UNKNOWN_SKU\r\n"
    b"ORD_2.csv,,,,CONTROL_TOTAL_MISMATCH: TRAILER quantity 7 != 8\r\n"
)
SHIP = (
    b"order_number,sku,quantity,carrier,tracking_number,shipped_at\r\n"
    b"#1001,MUG,2,Aramex,ARX1,2026-11-02T09:30:00Z\r\n"
)


def test_kinds_come_from_the_name_and_temporary_files_are_never_read() -> None:
    kinds = {n: FMT.kind(n) for n in ("ACK_a.csv", "ERR_a.csv", "SHIP_000001.csv", "STOCK.csv", ".ACK_a.csv",
                                      "ACK_a.csv.part", "SHIP_1.CSV")}  # fmt: skip
    assert kinds == {"ACK_a.csv": "ACK", "ERR_a.csv": "ERR", "SHIP_000001.csv": "SHIP",
                     "STOCK.csv": "UNKNOWN", ".ACK_a.csv": None, "ACK_a.csv.part": None,
                     "SHIP_1.CSV": "SHIP"}  # fmt: skip
    assert reading_order(["SHIP_2.csv", "ACK_b.csv", "x.part", "ERR_a.csv", "SHIP_1.csv"], FMT) == [
        "ACK_b.csv", "ERR_a.csv", "SHIP_1.csv", "SHIP_2.csv",
    ]  # fmt: skip


def test_each_kind_parses_by_column_name() -> None:
    [acked] = parse_answer("ACK_ORD_1.csv", ACK, FMT).answers
    assert (acked.file_name, acked.order_number, acked.record_type, acked.answer) == (
        "ORD_1.csv", "#1001", "NEW", "ACCEPTED",
    )  # fmt: skip
    sku, whole = parse_answer("ERR_x.csv", ERR, FMT).answers
    assert sku.answer == "REJECTED"
    assert sku.reason == "the warehouse does not know a SKU on the order (UNKNOWN_SKU, sku MUG-9)"
    assert whole.order_number == ""
    assert whole.reason is not None
    assert whole.reason.startswith("the file's control totals did not add up")
    [shipped] = parse_answer("SHIP_000001.csv", SHIP, FMT).shipments
    assert (shipped.quantity, shipped.tracking_number, shipped.shipped_at) == (
        2, "ARX1", datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("ACK_a.csv", b"\xff\xfe", "not utf-8-sig text"),
        ("ACK_a.csv", b"", "empty file"),
        ("ACK_a.csv", b"order,status\r\n1,ok\r\n", "missing columns"),
        ("ACK_a.csv", ACK.replace(b'"ACCEPTED"', b'"MAYBE"'), "unknown status 'MAYBE'"),
        ("ACK_a.csv", ACK + b'"x","y"\r\n', "row 3 has 2 fields"),
        ("SHIP_1.csv", SHIP.replace(b",2,", b",two,"), "not a whole number"),
        ("SHIP_1.csv", SHIP.replace(b",2,", b",0,"), "not positive"),
        ("SHIP_1.csv", SHIP.replace(b"Z\r\n", b"\r\n"), "has no time zone"),
        ("SHIP_1.csv", SHIP.replace(b"ARX1", b""), "no tracking_number"),
        ("STOCK.csv", b"sku,qty\r\n", "not an ACK, ERR or SHIP file"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(name: str, data: bytes, reason: str) -> None:
    parsed = parse_answer(name, data, FMT)
    assert parsed.error is not None
    assert reason in parsed.error
    assert parsed.error.startswith(name)


def test_another_3pls_format_is_configured_not_coded() -> None:
    fmt = AnswerFormat.from_settings({"ship_prefix": "DESPATCH_", "columns": {"order_number": "OrderRef",
                                      "tracking_number": "Waybill"}})  # fmt: skip
    data = SHIP.replace(b"order_number", b"OrderRef").replace(b"tracking_number", b"Waybill")
    [shipped] = parse_answer("DESPATCH_9.csv", data, fmt).shipments
    assert (shipped.order_number, shipped.tracking_number) == ("#1001", "ARX1")
    with pytest.raises(ConfigError, match=r"SHOPLINES_WAREHOUSE_ANSWER_FORMAT: columns\.waybill"):
        AnswerFormat.from_settings({"columns": {"waybill": "x"}})


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["ACK_a.csv", "ERR_a.csv", "SHIP_1.csv", "x.csv"]))
def test_any_bytes_parse_or_say_why_never_raise(data: bytes, name: str) -> None:
    parsed = parse_answer(name, data, FMT)
    assert parsed.error is not None or parsed.kind in {"ACK", "ERR", "SHIP"}


def test_plain_reasons_keep_the_3pls_words() -> None:
    assert plain_reason("ALREADY_SHIPPED") == "the parcel had already left the warehouse (ALREADY_SHIPPED)"
    assert plain_reason("Customer on credit hold") == "Customer on credit hold"
    assert plain_reason("") == "no reason given"


JHB = "Africa/Johannesburg"


def test_working_time_counts_only_the_3pls_hours() -> None:
    hours = WorkingHours.parse("08:00-17:00", "Mon-Fri", JHB)
    friday_4pm = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 16:00 in Johannesburg
    monday_9am = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert hours.between(friday_4pm, monday_9am) == timedelta(hours=2)
    assert hours.between(friday_4pm, friday_4pm + timedelta(minutes=30)) == timedelta(minutes=30)
    saturday = WorkingHours.parse("08:00-12:00", "Sat-Mon", JHB)
    assert saturday.days == frozenset({5, 6, 0})
    for bad in (("17:00-08:00", "Mon-Fri"), ("8-5", "Mon-Fri"), ("08:00-17:00", "Funday")):
        with pytest.raises(ConfigError):
            WorkingHours.parse(*bad, JHB)


def test_a_file_is_late_only_after_the_working_time_allowed() -> None:
    hours = WorkingHours.parse("08:00-17:00", "Mon-Fri", JHB)
    sent = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # Friday 16:00
    waiting = [AwaitingAnswer("ORD_1.csv", sent, ["#1001", "#1002"])]
    limit = timedelta(hours=2)
    assert (
        overdue(waiting, datetime(2026, 11, 28, 14, 0, tzinfo=UTC), hours, limit) == []
    )  # Saturday: not yet
    [late] = overdue(waiting, datetime(2026, 11, 30, 7, 30, tzinfo=UTC), hours, limit)  # Monday 09:30
    assert late.key == "no-answer:ORD_1.csv"
    assert "#1001, #1002" in late.what
    assert "150 working minutes" in late.what
