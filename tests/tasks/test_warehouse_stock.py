"""The 3PL's stock file: complete files only, one as-of time, bad rows set aside with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shoplines.errors import ConfigError
from tasks.warehouse_stock import StockFormat, parse_stock

WAREHOUSE = "gid://shopify/Location/1"
AS_OF = "2026-11-27T10:00:00Z"


def stock_csv(*rows: str, header: str = "sku,location,quantity,as_of,reorder_level") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def test_rows_become_a_typed_frame_on_the_mapped_location() -> None:
    got = parse_stock("STOCK_1.csv", stock_csv(f"A-1,JHB,12,{AS_OF},5", f"B-2,JHB,0,{AS_OF},"), StockFormat(),
                      {"*": WAREHOUSE})  # fmt: skip
    assert got.error is None
    assert got.bad_rows == []
    assert got.as_of == datetime(2026, 11, 27, 10, tzinfo=UTC)
    assert got.stock[["sku", "site", "location_id", "quantity"]].values.tolist() == [
        ["A-1", "JHB", WAREHOUSE, 12], ["B-2", "JHB", WAREHOUSE, 0],
    ]  # fmt: skip
    assert got.stock["reorder_level"].tolist()[0] == 5
    assert got.stock["reorder_level"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (f"A-1,JHB,12.5,{AS_OF},", "quantity '12.5' is not a whole number"),
        (f"A-1,JHB,-3,{AS_OF},", "quantity -3 is negative"),
        (f",JHB,3,{AS_OF},", "no sku"),
        (f"A-1,JHB,3,{AS_OF},ten", "reorder level 'ten' is not a whole number"),
    ],
)
def test_a_bad_row_is_set_aside_with_its_reason_and_the_rest_goes_on(row: str, reason: str) -> None:
    got = parse_stock("STOCK_1.csv", stock_csv(row, f"B-2,JHB,4,{AS_OF},"), StockFormat(), {"*": WAREHOUSE})
    assert got.error is None
    [(number, _, why, raw)] = got.bad_rows
    assert number == 2
    assert reason in why
    assert "STOCK_1.csv row 2" in why
    assert raw["quantity"] == row.split(",")[2]  # the row as received, kept for reprocessing
    assert got.stock["sku"].tolist() == ["B-2"]


def test_a_sku_counted_twice_at_one_site_is_set_aside_not_guessed() -> None:
    got = parse_stock("S.csv", stock_csv(f"A-1,JHB,3,{AS_OF},", f"A-1,JHB,4,{AS_OF},", f"B,JHB,1,{AS_OF},"),
                      StockFormat(), {"*": WAREHOUSE})  # fmt: skip
    assert got.stock["sku"].tolist() == ["B"]
    assert [why for _, _, why, _ in got.bad_rows] == ["S.csv: sku A-1 is counted twice at JHB"] * 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (stock_csv(f"A-1,JHB,3,{AS_OF},")[:-2], "does not end with a line break"),
        (b"sku,location,quantity\r\nA,JHB,3\r\n", "missing columns ['as_of']"),
        (stock_csv(f"A,JHB,3,{AS_OF},", "B,JHB,3,2026-11-27T11:00:00Z,"), "2 different as-of times"),
        (stock_csv("A,JHB,3,2026-11-27T10:00:00,"), "has no time zone"),
        (stock_csv(), "no stock rows"),
        (b"\xff\xfe", "not utf-8-sig text"),
        (stock_csv(f"A,JHB,3,{AS_OF},", f"B,CPT,3,{AS_OF},"), "counts for 2 sites (CPT, JHB)"),
    ],
)
def test_a_file_that_cannot_be_trusted_whole_is_refused_with_its_reason(data: bytes, reason: str) -> None:
    got = parse_stock("STOCK_9.csv", data, StockFormat(), {"*": WAREHOUSE})
    assert got.error is not None
    assert reason in got.error
    assert got.error.startswith("STOCK_9.csv: ")


def test_several_sites_need_a_mapping_and_an_unmapped_site_is_set_aside() -> None:
    sites = {"JHB": WAREHOUSE, "CPT": "gid://shopify/Location/2"}
    got = parse_stock("S.csv", stock_csv(f"A,JHB,3,{AS_OF},", f"A,CPT,1,{AS_OF},", f"A,DBN,1,{AS_OF},"),
                      StockFormat(), sites)  # fmt: skip
    assert got.stock["location_id"].tolist() == [WAREHOUSE, "gid://shopify/Location/2"]
    assert "site 'DBN' is not mapped" in got.bad_rows[0][2]


def test_only_settled_complete_files_are_ready() -> None:
    now = datetime(2026, 11, 27, 10, tzinfo=UTC)
    old, fresh = now - timedelta(minutes=5), now - timedelta(seconds=5)
    listing = {"STOCK_1.csv": old, "STOCK_2.csv": fresh, "STOCK_3.csv.part": old, ".STOCK_4.csv": old,
               "ACK_x.csv": old, "STOCK_5.txt": old}  # fmt: skip
    ready, writing = StockFormat(settle_seconds=60).ready(listing, now)
    assert ready == ["STOCK_1.csv"]
    assert writing == ["STOCK_2.csv", "STOCK_3.csv.part", "STOCK_5.txt"]


def test_a_configured_format_reads_the_3pls_own_names() -> None:
    fmt = StockFormat.from_settings(
        {"prefix": "inv_", "columns": {"sku": "item", "site": "wh", "quantity": "soh", "as_of": "counted"}}
    )
    got = parse_stock("inv_1.csv", stock_csv(f"A,W1,7,{AS_OF}", header="item,wh,soh,counted"), fmt,
                      {"*": WAREHOUSE})  # fmt: skip
    assert got.error is None
    assert got.stock["quantity"].tolist() == [7]
    with pytest.raises(ConfigError, match=r"SHOPLINES_WAREHOUSE_STOCK_FORMAT: columns\.colour"):
        StockFormat.from_settings({"columns": {"colour": "x"}})
