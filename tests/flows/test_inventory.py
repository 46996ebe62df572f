"""Inventory end to end: the Shopify sandbox's levels, the simulated 3PL's stock files over SFTP, the
comparison, its report and alerts; files read once and never half-read; low stock told once per crossing."""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from typer.testing import CliRunner

from chaos.runs import KILLED, Launcher, child_env
from flows.inventory import inventory
from sandbox.sftp.server import RunningSftp
from sandbox.sftp.stock import StockLine
from sandbox.sftp.threepl import ThreePL
from sandbox.shopify.access import DEFAULT_SCOPES
from sandbox.warehouse_stock import warehouse_on_hand
from shoplines.cli_approvals import approvals_app
from shoplines.crashpoints import ENV as CRASH_ENV
from shoplines.crashpoints import INVENTORY_POINTS
from shoplines.state.store import StateStore
from tests.clients.shopify_sandbox import Shop, running_shop
from tests.flows.test_orders_to_warehouse import configure, sandbox_warehouse
from tests.support.receivers import HttpReceiver, http_receiver

pytestmark = pytest.mark.usefixtures("prefect_server")
SITE = "JHB-DC1"


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    with running_shop(seed=5, orders=12) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as running:
        yield running


@pytest.fixture
def threepl(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    shop: Shop,
    sftp_sandbox: RunningSftp,
    receiver: HttpReceiver,
) -> ThreePL:
    """A 3PL whose opening count is Shopify's warehouse on_hand; the line configured against it."""
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, tmp_path / "home", shop, warehouse)
    monkeypatch.setenv("SHOPLINES_NOTIFY_WEBHOOK_URL", f"{receiver.url}/hook")
    monkeypatch.setenv("SHOPLINES_WAREHOUSE_STOCK_FORMAT", '{"settle_seconds": 30}')
    stock = [StockLine(sku, qty, SITE) for sku, qty in sorted(warehouse_on_hand(shop.store).items())]
    return ThreePL(warehouse.inbound.parent, stock=stock, stock_site=SITE, journal_dir=tmp_path)


def settled(path: Path) -> Path:
    """Age a file past the settle time, as if the 3PL had finished writing it a while ago."""
    past = time.time() - 120
    os.utime(path, (past, past))
    return path


def keys(receiver: HttpReceiver, kind: str = "problem") -> list[str]:
    return [n["key"] for n in receiver.bodies("/hook") if n["kind"] == kind]


def state(tmp_path: Path) -> StateStore:
    return StateStore.open(f"sqlite:///{tmp_path / 'home' / 'state.db'}")


def test_a_planted_miscount_is_reported_with_its_sku_and_low_stock_is_told_once_per_crossing(
    tmp_path: Path, shop: Shop, threepl: ThreePL, receiver: HttpReceiver
) -> None:
    short, low = sorted(warehouse_on_hand(shop.store))[:2]
    threepl.adjust_stock(short, SITE, -3)  # three units went missing at the warehouse
    threepl.set_reorder_level(low, 10_000)
    settled(threepl.write_stock_file())
    counts = inventory()
    assert (counts["stock_files"], counts["mismatches"], counts["low_stock"]) == (1, 1, 1)
    [mismatch] = [n for n in receiver.bodies("/hook") if n["key"] == "stock-mismatch"]
    assert f"{short}: Shopify " in mismatch["what"]
    assert "(+3 unexplained" in mismatch["what"]
    report = next((tmp_path / "home" / "reports" / "inventory").glob("comparison-STOCK_*.csv"))
    with report.open(encoding="utf-8", newline="") as opened:
        rows = list(csv.DictReader(opened))
    assert (rows[0]["sku"], rows[0]["status"]) == (short, "mismatch")
    assert len(rows) == len(warehouse_on_hand(shop.store))
    assert keys(receiver).count(f"low-stock:{low}@{SITE}") == 1
    with get_client(sync_client=True) as client:  # the mismatch table on the flow run, for ops in the UI
        [table] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["inventory-mismatches"])),
            sort=ArtifactSort.CREATED_DESC, limit=1,
        )  # fmt: skip
    [listed] = json.loads(str(table.data))
    assert (listed["sku"], listed["unexplained"], listed["status"]) == (short, 3, "mismatch")

    settled(threepl.write_stock_file())  # the next count: still low, still short
    inventory()
    assert keys(receiver).count(f"low-stock:{low}@{SITE}") == 1  # not told again
    assert keys(receiver).count("stock-mismatch") == 1

    threepl.set_reorder_level(low, 0)  # back above its threshold: one "recovered"
    threepl.adjust_stock(short, SITE, 3)
    settled(threepl.write_stock_file())
    assert inventory()["mismatches"] == 0
    assert set(keys(receiver, "resolved")) == {f"low-stock:{low}@{SITE}", "stock-mismatch"}
    with state(tmp_path) as store:
        assert [f.status for f in store.stock_files(shop.running.shop)] == ["compared"] * 3
        steps = [s.summary for s in store.trace(shop.running.shop, short)]
    assert any("stock differs from the warehouse's count" in step for step in steps)


def test_a_half_written_file_is_left_alone_and_a_compared_file_is_never_read_again(
    tmp_path: Path, shop: Shop, threepl: ThreePL, receiver: HttpReceiver
) -> None:
    half = threepl.write_stock_file(half=True)  # a 3PL writing in place, under the final name
    counts = inventory()
    assert (counts["stock_files"], counts["still_writing"]) == (0, 1)
    assert half.exists()  # not read, not moved

    settled(half)  # stalled mid-write long enough to look settled: cut mid-row, so it cannot be trusted
    assert not half.read_bytes().endswith(b"\n")
    counts = inventory()
    assert (counts["stock_files"], counts["unreadable"]) == (0, 1)
    assert keys(receiver) == ["stock-unreadable"]
    assert half.exists()  # left in place, tried again every run

    threepl.finish_half_written()
    settled(half)
    assert inventory()["stock_files"] == 1
    assert not half.exists()
    archived = half.parent.parent / "archive" / "stock" / half.name
    assert archived.is_file()

    late = settled(
        threepl.write_stock_file(as_of=datetime(2026, 1, 1, tzinfo=UTC))
    )  # an old count, sent late
    counts = inventory()
    assert (counts["stock_files"], counts["superseded"]) == (0, 1)  # never compared as if it were current
    assert not late.exists()

    (half.parent / half.name).write_bytes(archived.read_bytes())  # the 3PL puts the same file back
    settled(half)
    counts = inventory()
    assert counts["stock_files"] == 0  # archived again, not compared twice
    assert not half.exists()
    assert "stock-unreadable" in keys(receiver, "resolved")
    with state(tmp_path) as store:
        assert [f.status for f in store.stock_files(shop.running.shop)] == [
            "superseded",
            "compared",
            "unreadable",
        ]


def corrections_on(monkeypatch: pytest.MonkeyPatch, shop: Shop) -> None:
    monkeypatch.setenv("SHOPLINES_INVENTORY_CORRECTIONS", "true")
    monkeypatch.setenv("SHOPLINES_SHOPIFY_API_VERSION", "2026-04")
    token = shop.running.state.new_token(DEFAULT_SCOPES | {"write_inventory"})
    monkeypatch.setenv("SHOPLINES_SHOPIFY_TOKEN", token)


def on_hand(shop: Shop, sku: str) -> int:
    location = str(shop.store.warehouse_location_id)
    answer = shop.admin.get("/inventory/levels", params={"sku": sku, "location_id": location}).json()
    [level] = answer["levels"]
    return int(level["quantities"]["on_hand"])


def proposed(tmp_path: Path, shop: Shop, threepl: ThreePL, sku: str) -> tuple[int, dict[str, Any]]:
    """A miscount of -3 compared, its correction proposed and approved: (approval id, the change)."""
    threepl.adjust_stock(sku, SITE, -3)
    settled(threepl.write_stock_file())
    assert inventory()["corrections_proposed"] == 1
    with state(tmp_path) as store:
        [approval] = store.approvals(shop.running.shop, kind="stock-correction")
    shown = CliRunner().invoke(approvals_app, ["show", str(approval.id)])
    assert shown.exit_code == 0, shown.output
    assert f"{sku}: on_hand " in shown.output
    assert "approve: the next inventory run sets Shopify's on_hand" in " ".join(shown.output.split())
    with state(tmp_path) as store:
        store.decide_approval(shop.running.shop, approval.id, approve=True, by="Thandi", reason="recounted")
    [change] = approval.detail["changes"]
    assert (change["sku"], change["to"]) == (sku, change["expected"] - 3)
    return approval.id, change


@pytest.mark.parametrize("point", INVENTORY_POINTS)
def test_an_approved_correction_is_applied_once_even_if_the_run_is_killed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, threepl: ThreePL, point: str
) -> None:
    corrections_on(monkeypatch, shop)
    sku = sorted(warehouse_on_hand(shop.store))[2]
    approval_id, change = proposed(tmp_path, shop, threepl, sku)
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("SHOPLINES_RUN_LEASE_SECONDS", "3")  # the dead run's lease expires soon
    prefect_home = os.environ.get("PREFECT_HOME", str(tmp_path))
    launcher = Launcher(child_env(str(PREFECT_API_URL.value()), prefect_home))
    launcher.start()
    settings = {k: v for k, v in os.environ.items() if k.startswith("SHOPLINES_")}
    code = launcher.run(
        ["run", "inventory"], settings | {CRASH_ENV: point}, tmp_path, tmp_path / "killed.log"
    )
    assert code == KILLED, (tmp_path / "killed.log").read_text()
    assert on_hand(shop, sku) == (
        change["to"] if point == "after_correction_before_mark" else change["expected"]
    )

    time.sleep(3.2)
    settled(threepl.write_stock_file())  # the next count: the corrected SKU must now tie out
    counts = inventory()  # the re-run takes over the dead run's expired lease
    assert counts["corrections_applied"] == 1
    assert on_hand(shop, sku) == change["to"]  # once: not 3 more units off
    assert counts["mismatches"] == 0
    with state(tmp_path) as store:
        record = store.stock_correction(shop.running.shop, approval_id)
        steps = [s.summary for s in store.trace(shop.running.shop, sku)]
    assert record is not None
    assert record.status == "applied"
    assert any("approved by Thandi" in step and step.endswith("applied") for step in steps)


def test_a_sale_between_the_comparison_and_the_correction_is_never_overwritten(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, threepl: ThreePL, receiver: HttpReceiver
) -> None:
    corrections_on(monkeypatch, shop)
    sku = sorted(warehouse_on_hand(shop.store))[3]
    approval_id, change = proposed(tmp_path, shop, threepl, sku)
    sale = {"sku": sku, "location_id": str(shop.store.warehouse_location_id), "name": "on_hand", "delta": -1,
            "reason": "correction"}  # fmt: skip
    shop.admin.post("/inventory/adjust", json=sale).raise_for_status()  # a till sale, fulfilled on the spot
    settled(threepl.write_stock_file())
    counts = inventory()
    assert counts["corrections_stale"] == 1
    assert on_hand(shop, sku) == change["expected"] - 1  # the sale stands; nothing was written over it
    assert f"correction-stale:{approval_id}" in keys(receiver)
    with state(tmp_path) as store:
        record = store.stock_correction(shop.running.shop, approval_id)
        [fresh] = store.approvals(shop.running.shop, kind="stock-correction")
    assert record is not None
    assert record.status == "stale"
    assert fresh.detail["changes"][0]["expected"] == change["expected"] - 1  # the next batch starts from now
    assert fresh.detail["changes"][0]["to"] == change["to"]
