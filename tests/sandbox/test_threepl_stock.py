"""The simulated 3PL's stock: the book, STOCK files (format, as_of, faults), the served sandbox's routes."""

from __future__ import annotations

import csv
import io
import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.sftp.stock import StockLine
from sandbox.sftp.threepl import ThreePL
from tests.sandbox.test_sandbox_serve import serve
from tests.sandbox.test_sftp_sandbox import cancel, journal, order_file, read, row

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
HEADER = '"sku","location","quantity","as_of","reorder_level"\r\n'
OPENING = [
    StockLine("TEA", 40, reorder_level=10),
    StockLine("BLT", 5, "CPT-DC2"),
    StockLine("BLT", 12),
    StockLine("SOAP", 0),
]


class Clock:
    """A hand-moved clock for the 3PL (shipped_at and stock files' as_of)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "root"


def make(root: Path, clock: Clock | None = None, **options: Any) -> ThreePL:
    options = {"ship_delay": 0, "partial_rate": 0.0, "unknown_sku_prefix": "NOPE-", **options}
    return ThreePL(root, clock=clock or Clock(T0), stock=OPENING, **options)


def send(threepl: ThreePL, name: str, rows: list[dict], *, ship_everything: bool = False) -> None:
    (threepl.inbound / name).write_bytes(order_file(rows))
    assert threepl.process_once(ship_everything=ship_everything) == [name]


def quantities(path: Path) -> dict[tuple[str, str], str]:
    return {(r["sku"], r["location"]): r["quantity"] for r in csv.DictReader(io.StringIO(read(path)))}


def test_a_stock_file_lists_the_stock_per_sku_and_site_sorted(root: Path) -> None:
    threepl = make(root)
    path = threepl.write_stock_file()
    assert path == root / "outbound" / "STOCK_20261127T100000Z.csv"
    assert read(path) == HEADER + (
        '"BLT","CPT-DC2","5","2026-11-27T10:00:00Z",""\r\n'
        '"BLT","JHB-DC1","12","2026-11-27T10:00:00Z",""\r\n'
        '"SOAP","JHB-DC1","0","2026-11-27T10:00:00Z",""\r\n'
        '"TEA","JHB-DC1","40","2026-11-27T10:00:00Z","10"\r\n'
    )
    assert os.listdir(root / "outbound") == [path.name]  # written under a hidden temp name, then renamed
    assert threepl.write_stock_file().name == "STOCK_20261127T100000Z_2.csv"
    assert read(ThreePL(root / "empty").write_stock_file(T0)) == HEADER


def test_only_shipped_lines_of_stocked_skus_leave_the_shipping_site(root: Path) -> None:
    threepl = make(root, ship_delay=3600)
    send(threepl, "1.csv", [
        row("#1", "TEA", 3, "30.00"), row("#1", "BLT", 2, "20.00", line=2), row("#2", "TEA", 1, "10.00"),
        row("#3", "NOPE-X", 1, "1.00"), row("#4", "OTHER", 4, "4.00"),
    ])  # fmt: skip
    assert read(threepl.write_stock_file()).count('"40"') == 1  # accepted, not shipped: nothing moved yet
    send(threepl, "2.csv", [cancel("#2"), row("#1", "TEA", 5, "50.00")], ship_everything=True)
    assert "DUPLICATE_ORDER" in read(root / "outbound" / "ERR_2.csv")
    _, rows = threepl.stock_on_hand()
    assert [(r.sku, r.location, r.quantity) for r in rows] == [
        ("BLT", "CPT-DC2", 5),
        ("BLT", "JHB-DC1", 10),
        ("SOAP", "JHB-DC1", 0),
        ("TEA", "JHB-DC1", 37),
    ]  # the unknown SKU is rejected and OTHER is not in the book: neither is ever stocked


def test_a_stock_file_holds_the_shipments_up_to_its_as_of_only(root: Path) -> None:
    clock = Clock(T0 + timedelta(hours=1))
    threepl = make(root, clock)
    send(threepl, "1.csv", [row("#1", "TEA", 3, "30.00")])
    assert read(root / "outbound" / "SHIP_000001.csv").endswith('"2026-11-27T11:00:00Z"\r\n')
    clock.now = T0 + timedelta(hours=2)
    before = threepl.write_stock_file(T0 + timedelta(minutes=59, seconds=59, microseconds=999_999))
    at = threepl.write_stock_file(T0 + timedelta(hours=1, microseconds=900_000))
    assert (before.name, at.name) == ("STOCK_20261127T105959Z.csv", "STOCK_20261127T110000Z.csv")
    assert quantities(before)[("TEA", "JHB-DC1")] == "40"
    assert quantities(at)[("TEA", "JHB-DC1")] == "37"
    assert '"2026-11-27T11:00:00Z"' in read(at)  # whole seconds
    assert threepl.write_stock_file().name == "STOCK_20261127T120000Z.csv"  # default: the clock's now
    with pytest.raises(ValueError, match="timezone-aware"):
        threepl.write_stock_file(datetime(2026, 11, 27, 12, 0))  # noqa: DTZ001


def test_stock_may_go_negative_because_the_3pl_still_ships(root: Path) -> None:
    threepl = make(root)
    send(threepl, "1.csv", [row("#1", "BLT", 15, "150.00")])
    assert quantities(threepl.write_stock_file())[("BLT", "JHB-DC1")] == "-3"


def test_planted_differences_and_reorder_levels(root: Path) -> None:
    threepl = make(root)
    assert threepl.adjust_stock("TEA", "JHB-DC1", -3) == 37  # a miscount
    assert threepl.adjust_stock("GHOST", "JHB-DC1", 6) == 6  # phantom stock
    threepl.set_reorder_level("BLT", 20)
    threepl.set_reorder_level("TEA", None)
    with pytest.raises(KeyError):
        threepl.set_reorder_level("NOWHERE", 1)
    for bad in (("NOPE-1", "JHB-DC1", 1), ("TEA", "JHB-DC1", 1.5), ("", "JHB-DC1", 1), ("TEA", "", 1)):
        with pytest.raises(ValueError):  # noqa: PT011
            threepl.adjust_stock(*bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        threepl.set_reorder_level("TEA", -1)
    assert read(threepl.write_stock_file()) == HEADER + (
        '"BLT","CPT-DC2","5","2026-11-27T10:00:00Z","20"\r\n'
        '"BLT","JHB-DC1","12","2026-11-27T10:00:00Z","20"\r\n'
        '"GHOST","JHB-DC1","6","2026-11-27T10:00:00Z",""\r\n'
        '"SOAP","JHB-DC1","0","2026-11-27T10:00:00Z",""\r\n'
        '"TEA","JHB-DC1","37","2026-11-27T10:00:00Z",""\r\n'
    )
    earlier = quantities(threepl.write_stock_file(T0 - timedelta(seconds=1)))  # planted at T0
    assert (earlier[("TEA", "JHB-DC1")], ("GHOST", "JHB-DC1") in earlier) == ("40", False)


def test_a_half_written_file_is_visible_under_its_final_name_until_the_next_cycle(root: Path) -> None:
    threepl = make(root)
    full = threepl.write_stock_file().read_bytes()
    path = threepl.write_stock_file(half=True)
    assert path.name == "STOCK_20261127T100000Z_2.csv"
    assert 0 < len(path.read_bytes()) < len(full)
    assert full.startswith(path.read_bytes())
    assert sorted(os.listdir(root / "outbound")) == ["STOCK_20261127T100000Z.csv", path.name]  # no temp
    threepl.process_once()
    assert path.read_bytes() == full
    held = threepl.write_stock_file(half=True, hold=3600)
    threepl.process_once()
    assert held.read_bytes() != full
    assert threepl.finish_half_written() == [held]
    assert held.read_bytes() == full
    taken = threepl.write_stock_file(half=True)
    half = taken.read_bytes()
    taken.rename(root / "processed" / taken.name)  # a reader that took it half-written keeps what it got
    threepl.process_once()
    assert not taken.exists()
    assert (root / "processed" / taken.name).read_bytes() == half
    assert [entry["half"] for entry in journal(threepl.stock_journal)] == [False, True, True, True]


def test_a_bad_row_spoils_one_quantity_and_the_journal_keeps_the_truth(root: Path) -> None:
    threepl = make(root)
    path = threepl.write_stock_file(bad_row=True)
    assert read(path).splitlines()[1:3] == [
        '"BLT","CPT-DC2","5.5","2026-11-27T10:00:00Z",""',
        '"BLT","JHB-DC1","12","2026-11-27T10:00:00Z",""',
    ]
    (entry,) = journal(threepl.stock_journal)
    assert (entry["file_name"], entry["as_of"], entry["bad_row"]) == (path.name, "2026-11-27T10:00:00Z", True)
    assert entry["rows"][0] == {"sku": "BLT", "location": "CPT-DC2", "quantity": 5, "reorder_level": None}
    empty = ThreePL(root / "empty").write_stock_file(T0, bad_row=True)
    assert read(empty) == HEADER + '"","","1","2026-11-27T10:00:00Z",""\r\n'


def test_names_stay_unique_after_a_restart_even_when_the_first_file_was_archived(root: Path) -> None:
    first = make(root).write_stock_file()
    first.rename(root / "archive.csv")
    assert make(root).write_stock_file().name == "STOCK_20261127T100000Z_2.csv"


def test_periodic_stock_files(root: Path) -> None:
    threepl = make(root, stock_every=3600)
    threepl.process_once()
    threepl.process_once()
    assert os.listdir(root / "outbound") == ["STOCK_20261127T100000Z.csv"]  # one now, the next in an hour
    with pytest.raises(ValueError, match="stock_every"):
        make(root, stock_every=0)
    polled = make(root / "polled", stock_every=0.05, poll_interval=0.01)
    with polled:
        deadline = time.monotonic() + 10
        while len(os.listdir(polled.outbound)) < 3:
            assert time.monotonic() < deadline, "the polling thread wrote no periodic stock files"
            time.sleep(0.02)


def test_stock_methods_are_safe_beside_the_polling_thread(root: Path) -> None:
    threepl = make(root, poll_interval=0.001, stock_every=0.001)
    with threepl:
        workers = [
            threading.Thread(target=lambda: [threepl.adjust_stock("TEA", "JHB-DC1", 1) for _ in range(100)])
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert quantities(threepl.write_stock_file())[("TEA", "JHB-DC1")] == "240"


# --- served: `python -m sandbox serve` seeds the 3PL from the Shopify store and serves its admin routes ----

LEVELS = """query ($id: ID!) { location(id: $id) { inventoryLevels(first: 250) { nodes {
  item { sku } quantities(names: ["on_hand"]) { quantity } } } } }"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("home")
    with serve(home, "--stock-mismatches", "2", sftp=True) as (description, _child):
        yield description


def shopify_on_hand(shopify: dict[str, Any]) -> dict[str, int]:
    url = f"{shopify['url']}/admin/api/{shopify['api_version']}/graphql.json"
    query = {"query": LEVELS, "variables": {"id": shopify["warehouse_location_id"]}}
    reply = httpx.post(url, json=query, headers={"X-Shopify-Access-Token": shopify["token"]}, timeout=10)
    levels = reply.json()["data"]["location"]["inventoryLevels"]["nodes"]
    return {lvl["item"]["sku"]: lvl["quantities"][0]["quantity"] for lvl in levels if lvl["item"]["sku"]}


def stock_file(description: dict[str, Any], name: str) -> list[dict[str, str]]:
    path = Path(description["sftp"]["root"]) / description["sftp"]["outbound"] / name
    return list(csv.DictReader(io.StringIO(read(path))))


def test_a_served_stock_file_is_shopify_on_hand_but_for_the_planted_miscounts(served: dict[str, Any]) -> None:
    truth, admin = served["sftp"]["stock"], served["shopify"]["admin_url"]
    assert (truth["site"], truth["every"], len(truth["mismatches"])) == ("JHB-DC1", None, 2)
    on_hand = shopify_on_hand(served["shopify"])
    with httpx.Client(timeout=10) as http:
        name = http.post(f"{admin}/warehouse/stock-file", json={}).json()["file_name"]
        shopify_now = http.get(f"{admin}/state").json()["clock"]["now"]
    assert re.fullmatch(r"STOCK_\d{8}T\d{6}Z(_\d+)?\.csv", name)
    rows = stock_file(served, name)
    assert {(r["location"], r["as_of"] <= shopify_now) for r in rows} == {("JHB-DC1", True)}
    counted = {r["sku"]: int(r["quantity"]) for r in rows}
    assert set(counted) == set(on_hand)
    off = {sku: counted[sku] - on_hand[sku] for sku in counted if counted[sku] != on_hand[sku]}
    assert off == {m["sku"]: m["delta"] for m in truth["mismatches"]}
    levels = {r["sku"]: int(r["reorder_level"]) for r in rows if r["reorder_level"]}
    assert levels == truth["reorder_levels"]
    assert any(level > counted[sku] for sku, level in levels.items())  # the demo has a low-stock alert


def test_the_served_warehouse_routes(served: dict[str, Any]) -> None:
    admin = f"{served['shopify']['admin_url']}/warehouse"
    with httpx.Client(timeout=10) as http:
        before = {r["sku"]: r for r in http.get(f"{admin}/stock").json()["stock"]}
        sku = sorted(before)[0]
        moved = http.post(f"{admin}/adjust", json={"sku": sku, "delta": -2}).json()
        assert moved == {"sku": sku, "location": "JHB-DC1", "quantity": before[sku]["quantity"] - 2}
        assert http.post(f"{admin}/reorder-level", json={"sku": sku, "level": 99}).status_code == 200
        after = http.get(f"{admin}/stock").json()
        assert (after["site"], after["stock"][0]["reorder_level"]) == ("JHB-DC1", 99)
        early = http.get(f"{admin}/stock", params={"as_of": "2020-01-01T00:00:00Z"}).json()
        assert {r["sku"]: r["quantity"] for r in early["stock"]}[sku] == before[sku]["quantity"]
        half = http.post(f"{admin}/stock-file", json={"as_of": "2026-12-01T08:00:00Z", "half": True})
        assert half.json() == {"file_name": "STOCK_20261201T080000Z.csv"}
        for path, payload, status in (
            ("/adjust", {"sku": sku, "delta": "two"}, 400),
            ("/adjust", {"sku": "UNKNOWN-1", "delta": 1}, 400),
            ("/reorder-level", {"sku": "NOT-STOCKED", "level": 1}, 404),
            ("/reorder-level", {"sku": sku}, 400),
            ("/stock-file", {"half": "yes"}, 400),
            ("/stock-file", {"as_of": "yesterday"}, 400),
        ):
            assert http.post(f"{admin}{path}", json=payload).status_code == status, (path, payload)
    deadline = time.monotonic() + 10
    while len(stock_file(served, "STOCK_20261201T080000Z.csv")) < len(before):  # the poller completes it
        assert time.monotonic() < deadline, "the half-written file was never finished"
        time.sleep(0.05)
