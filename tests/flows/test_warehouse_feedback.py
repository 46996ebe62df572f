"""Warehouse feedback end to end: orders go out over SFTP, the simulated 3PL answers (ACK, ERR, SHIP), the
feedback line reads each answer once, moves the ledger, alerts on rejections and silence, and an address
changed after acknowledgement stops for a person."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.orders_to_warehouse import orders_to_warehouse
from flows.warehouse_feedback import warehouse_feedback
from sandbox.sftp.server import RunningSftp
from sandbox.sftp.threepl import ThreePL
from shoplines.state.store import StateStore
from tests.clients.shopify_sandbox import Shop, running_shop
from tests.flows.test_orders_to_warehouse import FIRST, LAST, configure, delivered, pick, sandbox_warehouse
from tests.support.receivers import HttpReceiver, http_receiver

pytestmark = pytest.mark.usefixtures("prefect_server")
LINE = "orders-to-warehouse"
DESTINATION = "warehouse-sftp"


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running_shop(seed=11, orders=30) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as running:
        yield running


def state_of(home: Path) -> StateStore:
    return StateStore.open(f"sqlite:///{home / 'state.db'}")


def sent_rows(folder: Path) -> list[dict[str, str]]:
    """Every data row of every file the 3PL took."""
    rows: list[dict[str, str]] = []
    for path in sorted((folder / "processed").glob("*.csv")):
        reader = csv.DictReader(io.StringIO(path.read_text("utf-8"), newline=""))
        rows += [r for r in reader if r["record_type"] != "TRAILER"]
    return rows


def notices(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return receiver.bodies("/hook")


def test_answers_are_read_once_rejections_alert_and_trace_tells_the_story(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    shop: Shop,
    sftp_sandbox: RunningSftp,
    receiver: HttpReceiver,
) -> None:
    home = tmp_path / "home"
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    monkeypatch.setenv("SHOPLINES_NOTIFY_WEBHOOK_URL", f"{receiver.url}/hook")
    folder = warehouse.inbound.parent
    orders_to_warehouse(FIRST, LAST)
    sent = delivered(warehouse.files())
    [bad] = pick(shop, set(sent), 1)
    bad_sku = bad["lineItems"]["nodes"][0]["sku"]
    threepl = ThreePL(folder, unknown_skus={bad_sku}, partial_rate=0.0, seed=3, journal_dir=tmp_path)
    threepl.process_once(ship_everything=True)
    threepl.process_once(ship_everything=True)
    rows = sent_rows(folder)
    rejected = {r["order_number"] for r in rows if r["sku"] == bad_sku}
    answers = sorted(p.name for p in (folder / "outbound").iterdir())
    assert any(n.startswith("ACK_") for n in answers)
    assert any(n.startswith("ERR_") for n in answers)
    assert any(n.startswith("SHIP_") for n in answers)

    counts = warehouse_feedback()
    assert counts["files"] == len(answers)
    assert counts["rejected"] == len(rejected)
    assert counts["acknowledged"] == len(sent) - len(rejected)
    shipped_units = sum(int(r["quantity"]) for r in rows if r["order_number"] not in rejected)
    assert counts["refused"] == 0
    assert counts["unreadable"] == 0
    assert list((folder / "outbound").iterdir()) == []  # every answer moved to our archive
    assert sorted(p.name for p in (folder / "archive" / "answers").iterdir()) == answers
    with state_of(home) as state:
        shipments = state.shipments(shop.running.shop, [o["id"] for o in shop.truth()])
        assert sum(s.quantity for s in shipments) == shipped_units
        open_keys = {a.key for a in state.alerts(shop.running.shop)}
        assert {k for k in open_keys if k.startswith("rejected:")} == {
            f"rejected:{o['id']}" for o in shop.truth() if o["name"] in rejected
        }
        story = [s.summary for s in state.trace(shop.running.shop, bad["name"])]
        assert any("REJECTED" in s and "does not know a SKU" in s for s in story), story
        good = next(n for n in sent if n not in rejected)
        story = [s.summary for s in state.trace(shop.running.shop, good)]
        assert any("acknowledged" in s for s in story)
        assert any("tracking" in s for s in story)
    told = [n for n in notices(receiver) if n["key"].startswith("rejected:")]
    assert len(told) == len(rejected)
    assert "does not know a SKU" in told[0]["what"]

    # Read once: the same answers put back (a run that died before archiving) change nothing.
    for name in answers[:2]:
        (folder / "outbound" / name).write_bytes((folder / "archive" / "answers" / name).read_bytes())
    again = warehouse_feedback()
    assert (again["files"], again["acknowledged"], again["rejected"], again["shipped_lines"]) == (0, 0, 0, 0)
    assert list((folder / "outbound").iterdir()) == []
    assert len([n for n in notices(receiver) if n["key"].startswith("rejected:")]) == len(rejected)


def test_an_unreadable_file_stays_in_place_and_alerts_once(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    shop: Shop,
    sftp_sandbox: RunningSftp,
    receiver: HttpReceiver,
) -> None:
    home = tmp_path / "home"
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    monkeypatch.setenv("SHOPLINES_NOTIFY_WEBHOOK_URL", f"{receiver.url}/hook")
    outbound = warehouse.inbound.parent / "outbound"
    (outbound / "SHIP_000001.csv").write_bytes(b"order,sku\r\n#1001,ABC\r\n")  # not our columns
    (outbound / "INVOICE_20261127.csv").write_bytes(b"sku,qty\r\nABC,4\r\n")  # not an answer at all
    (outbound / "ACK_x.csv.part").write_bytes(b"half")  # still being written: never read
    (outbound / "STOCK_20261127T100000Z.csv").write_bytes(b"sku,qty\r\n")  # the inventory line's: left alone
    for _ in range(2):
        counts = warehouse_feedback()
        assert counts["unreadable"] == 2
    assert sorted(p.name for p in outbound.iterdir()) == [
        "ACK_x.csv.part",
        "INVOICE_20261127.csv",
        "SHIP_000001.csv",
        "STOCK_20261127T100000Z.csv",
    ]
    told = [n for n in notices(receiver) if n["key"] == "answer-unreadable"]
    assert len(told) == 1
    assert "missing columns" in told[0]["what"]

    (outbound / "SHIP_000001.csv").unlink()
    (outbound / "INVOICE_20261127.csv").unlink()
    warehouse_feedback()
    assert [n["kind"] for n in notices(receiver) if n["key"] == "answer-unreadable"] == [
        "problem",
        "resolved",
    ]


def test_a_file_left_unanswered_alerts_once_and_clears_when_the_answer_comes(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    shop: Shop,
    sftp_sandbox: RunningSftp,
    receiver: HttpReceiver,
) -> None:
    home = tmp_path / "home"
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    monkeypatch.setenv("SHOPLINES_NOTIFY_WEBHOOK_URL", f"{receiver.url}/hook")
    monkeypatch.setenv("SHOPLINES_WAREHOUSE_ACK_MINUTES", "0.1")  # 6 s: room for a slow machine
    monkeypatch.setenv("SHOPLINES_WAREHOUSE_WORKING_HOURS", "00:00-23:59")
    monkeypatch.setenv("SHOPLINES_WAREHOUSE_WORKING_DAYS", "Mon-Sun")
    orders_to_warehouse(FIRST, LAST)
    assert warehouse_feedback()["unanswered_files"] == 0  # just delivered: not late yet
    time.sleep(6.5)
    for _ in range(2):
        assert warehouse_feedback()["unanswered_files"] == 1
    late = [n for n in notices(receiver) if n["key"].startswith("no-answer:")]
    assert len(late) == 1
    assert late[0]["title"].startswith("the warehouse has not answered ORD")
    ThreePL(warehouse.inbound.parent, ship_delay=3600, journal_dir=tmp_path).process_once()
    assert warehouse_feedback()["unanswered_files"] == 0
    assert [n["kind"] for n in notices(receiver) if n["key"].startswith("no-answer:")] == [
        "problem",
        "resolved",
    ]


def test_an_address_changed_after_acknowledgement_waits_for_a_person(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, sftp_sandbox: RunningSftp
) -> None:
    home = tmp_path / "home"
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    folder = warehouse.inbound.parent
    orders_to_warehouse(FIRST, LAST)
    early, approved, refused = pick(shop, set(delivered(warehouse.files())), 3)
    shop.post(f"/orders/{early['legacyResourceId']}/edit", {"shipping_address": {"address1": "1 Early St"}})
    assert orders_to_warehouse(FIRST, LAST)["amended"] == 1  # not acknowledged yet: an AMEND, no question
    ThreePL(folder, ship_delay=3600, journal_dir=tmp_path).process_once()
    warehouse_feedback()

    for order in (approved, refused):
        shop.post(
            f"/orders/{order['legacyResourceId']}/edit", {"shipping_address": {"address1": "9 Loop St"}}
        )
    before = warehouse.files()
    counts = orders_to_warehouse(FIRST, LAST)
    assert (counts["held"], counts["amended"], counts["files"]) == (2, 0, 0)
    assert warehouse.files() == before
    with state_of(home) as state:
        pending = {a.entity_name: a for a in state.approvals(shop.running.shop)}
        assert set(pending) == {approved["name"], refused["name"]}
        ask = pending[approved["name"]]
        assert ask.kind == "address-change"
        assert "9 Loop St" in ask.detail["shopify_now"]
        assert approved["shippingAddress"]["address1"] in ask.detail["warehouse_has"]
        open_keys = {a.key for a in state.alerts(shop.running.shop)}
        assert f"held:{approved['id']}" in open_keys
        state.decide_approval(
            shop.running.shop, ask.id, approve=True, by="Thandi", reason="parcel still here"
        )
        state.decide_approval(shop.running.shop, pending[refused["name"]].id, approve=False, by="Thandi",
                              reason="parcel left")  # fmt: skip
    counts = orders_to_warehouse(FIRST, LAST)
    new_files = [p for p in warehouse.files() if p not in before]
    assert delivered(new_files) == {approved["name"]: {"AMEND"}}
    assert (counts["held"], counts["amended"], counts["files"]) == (0, 1, 1)
    assert orders_to_warehouse(FIRST, LAST)["files"] == 0  # each decision acted on once
    with state_of(home) as state:
        assert state.approvals(shop.running.shop) == []
        decided = {a.entity_name: a.status for a in state.approvals(shop.running.shop, status=None)}
        assert decided == {approved["name"]: "approved", refused["name"]: "rejected"}
        open_keys = {a.key for a in state.alerts(shop.running.shop)}
        assert f"held:{approved['id']}" not in open_keys
        assert f"held:{refused['id']}" not in open_keys
        story = [s.summary for s in state.trace(shop.running.shop, refused["name"])]
        assert any("rejected by Thandi" in s for s in story), story


READS = [
    "read_orders",
    "read_all_orders",
    "read_inventory",
    "read_locations",
    "read_fulfillments",
    "read_products",
]


def test_shipments_become_shopify_fulfilments_once_even_when_the_answer_is_lost(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, sftp_sandbox: RunningSftp
) -> None:
    home = tmp_path / "home"
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    folder = warehouse.inbound.parent
    orders_to_warehouse(FIRST, LAST)
    sent = delivered(warehouse.files())
    threepl = ThreePL(folder, partial_rate=1.0, seed=5, journal_dir=tmp_path)  # every multi-unit order in two
    threepl.process_once(ship_everything=True)  # accepts, ships first parcels (remainders queued)

    monkeypatch.setenv("SHOPLINES_SHOPIFY_PUSH_FULFILMENTS", "true")
    with pytest.raises(Exception, match="write_assigned_fulfillment_orders"):
        warehouse_feedback()  # switched on without the scope: fails loudly, answers already applied
    token = shop.post("/tokens", {"scopes": [*READS, "write_assigned_fulfillment_orders"]})["token"]
    monkeypatch.setenv("SHOPLINES_SHOPIFY_TOKEN", token)
    shop.fault(kind="http_error", status=502, commit=True, operation="FulfilOrder", after=0, times=1)
    first = warehouse_feedback()
    assert first["fulfilments_found"] == 1  # the ghost write: created, answer lost, found on the re-check
    assert first["fulfilments_created"] >= 1
    assert first["fulfilments_refused"] == 0
    threepl.process_once(ship_everything=True)  # the remainders
    warehouse_feedback()
    assert warehouse_feedback().get("fulfilments_created", 0) == 0  # nothing left to push

    truth = {o["name"]: o for o in shop.truth()}
    with state_of(home) as state:
        shipped = state.shipments(shop.running.shop, [truth[n]["id"] for n in sent])
        assert shipped
        assert all(s.fulfillment_id for s in shipped)
        for name in {s.entity_name for s in shipped}:
            order = truth[name]
            ours = {s.tracking_number for s in shipped if s.entity_name == name}
            numbers = [
                t["number"] for f in order["fulfillments"] for t in f["trackingInfo"] if t["number"] in ours
            ]
            assert sorted(numbers) == sorted(ours)  # one fulfilment per parcel, none twice
            units = sum(
                li["quantity"]
                for f in order["fulfillments"] if {t["number"] for t in f["trackingInfo"]} & ours
                for li in f["fulfillmentLineItems"]["nodes"]
            )  # fmt: skip
            assert units == sum(s.quantity for s in shipped if s.entity_name == name)
        story = [s.summary for s in state.trace(shop.running.shop, next(iter(sent)))]
        assert any("Shopify fulfilment" in s for s in story), story
