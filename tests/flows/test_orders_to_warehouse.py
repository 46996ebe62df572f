"""Orders → warehouse end to end: Shopify sandbox over HTTP, real OpenSSH sshd and the embedded SFTP
server."""

from __future__ import annotations

import csv
import io
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clients.sftp import SftpHostKeyError
from flows.orders_to_warehouse import orders_to_warehouse
from sandbox.clock import parse_instant
from sandbox.sftp.server import RunningSftp, start_sftp_sandbox
from sandbox.sftp.threepl import ThreePL
from shoplines.state.records import LeaseHeld
from shoplines.state.store import StateStore
from tests.clients.shopify_sandbox import Shop, running_shop
from tests.state.conftest import fresh_pg_schema
from tests.support.sshd import SshdServer, write_ed25519_key

pytestmark = pytest.mark.usefixtures("prefect_server")

FIRST, LAST = date(2026, 7, 1), date(2026, 11, 2)  # every business day of the generated store
_folders = itertools.count(1)


@dataclass
class Warehouse:
    """Where the line delivers in one test: the SFTP settings and the local folder behind inbound/."""

    env: dict[str, str]
    inbound: Path

    def files(self) -> list[Path]:
        return sorted(self.inbound.glob("*.csv"))


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running_shop(seed=7, orders=40) as running:
        yield running


def sshd_warehouse(sshd: SshdServer) -> Warehouse:
    base = sshd.root_dir / f"w{next(_folders):03d}"
    folders = {name: base / name for name in ("inbound", "archive", "processed", "outbound")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    env = {"SFTP_HOST": sshd.host, "SFTP_PORT": str(sshd.port), "SFTP_USERNAME": sshd.username,
           "SFTP_KEY_FILE": str(sshd.key_file), "SFTP_KNOWN_HOSTS": str(sshd.known_hosts),
           **{f"SFTP_{name.upper()}_DIR": str(path) for name, path in folders.items()}}  # fmt: skip
    return Warehouse(env, folders["inbound"])


def sandbox_warehouse(box: RunningSftp, folder: str | None = None) -> Warehouse:
    folder = folder or f"w{next(_folders):03d}"
    names = ("inbound", "archive", "processed", "outbound")
    for name in names:
        (box.root / folder / name).mkdir(parents=True, exist_ok=True)
    env = {"SFTP_HOST": box.host, "SFTP_PORT": str(box.port), "SFTP_USERNAME": box.username,
           "SFTP_PASSWORD": box.password, "SFTP_KNOWN_HOSTS": str(box.known_hosts),
           **{f"SFTP_{name.upper()}_DIR": f"{folder}/{name}".lstrip("./") for name in names}}  # fmt: skip
    return Warehouse(env, box.root / folder / "inbound")


@pytest.fixture(params=["sshd", "sandbox"])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    if request.param == "sshd":
        return sshd_warehouse(request.getfixturevalue("sshd_server"))
    return sandbox_warehouse(request.getfixturevalue("sftp_sandbox"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def configure(monkeypatch: pytest.MonkeyPatch, home: Path, shop: Shop, warehouse: Warehouse) -> None:
    settings = {
        "HOME": str(home),
        "SHOP_DOMAIN": shop.running.shop,
        "SHOPIFY_URL": shop.running.url,
        "SHOPIFY_TOKEN": shop.running.token,
        "SHOPIFY_TIME_SCALE": str(shop.clock.scale),
        "SHOPIFY_TIMEOUT_SECONDS": "5",
        "WAREHOUSE_LOCATION_ID": str(shop.store.warehouse_location_id),
        **warehouse.env,
    }
    for name, value in settings.items():
        monkeypatch.setenv(f"SHOPLINES_{name}", value)


def read_file(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Data rows and the TRAILER row of a warehouse file, by column name."""
    raw = path.read_bytes()
    assert b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[-1]["record_type"] == "TRAILER"
    return rows[:-1], rows[-1]


def delivered(files: list[Path]) -> dict[str, set[str]]:
    """order number → record types seen, over all files."""
    seen: dict[str, set[str]] = {}
    for path in files:
        for row in read_file(path)[0]:
            seen.setdefault(row["order_number"], set()).add(row["record_type"])
    return seen


def run() -> dict[str, int]:
    return orders_to_warehouse(FIRST, LAST)


def truth_by_name(shop: Shop) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in shop.truth()}


def test_first_run_delivers_each_eligible_order_once_and_a_rerun_delivers_nothing(
    monkeypatch: pytest.MonkeyPatch, home: Path, shop: Shop, warehouse: Warehouse
) -> None:
    configure(monkeypatch, home, shop, warehouse)
    counts = run()
    files = warehouse.files()
    assert counts["received"] == len(shop.truth())
    assert counts["quarantined"] == 0  # discount codes, unicode, formula-like text: all valid orders
    assert counts["new"] > 10
    assert counts["files"] == len(files) == 1
    assert not [p for p in warehouse.inbound.iterdir() if not p.name.endswith(".csv")]  # no temp files left
    rows, trailer = read_file(files[0])
    orders = {r["order_number"] for r in rows}
    assert len(orders) == counts["new"] == int(trailer["order_number"])
    assert len(rows) == counts["rows"] == int(trailer["line_number"])
    assert sum(int(r["quantity"]) for r in rows) == int(trailer["quantity"])
    truth = truth_by_name(shop)
    for number in orders:  # everything sent is a real, paid, live order the warehouse has not shipped
        order = truth[number]
        assert not order["test"], number
        assert order["cancelledAt"] is None, number
        assert order["displayFinancialStatus"] in {"PAID", "AUTHORIZED", "PARTIALLY_REFUNDED"}, number
        assert order["displayFulfillmentStatus"] not in {"FULFILLED", "ON_HOLD"}, number
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        assert [f.status for f in state.files(shop.running.shop, "warehouse-sftp")] == ["delivered"]

    again = run()
    assert again["files"] == again["new"] == again["amended"] == again["cancelled"] == 0
    assert again["unchanged"] == counts["new"]
    assert warehouse.files() == files


def pick(shop: Shop, sent: set[str], count: int) -> list[dict[str, Any]]:
    """Delivered orders nobody has shipped yet, with a line of two or more units first."""
    truth = truth_by_name(shop)
    candidates = sorted(
        (truth[n] for n in sent if truth[n]["displayFulfillmentStatus"] == "UNFULFILLED"),
        key=lambda o: -max(li["quantity"] for li in o["lineItems"]["nodes"]),
    )
    assert len(candidates) >= count, "the seeded store has too few unshipped orders for this test"
    return candidates[:count]


def test_changes_after_delivery_go_as_amend_or_cancel_and_tag_edits_are_not_resent(
    monkeypatch: pytest.MonkeyPatch, home: Path, shop: Shop, warehouse: Warehouse
) -> None:
    configure(monkeypatch, home, shop, warehouse)
    run()
    first_files = warehouse.files()
    quantity, address, tagged, cancelled = pick(shop, set(delivered(first_files)), 4)
    line = max(quantity["lineItems"]["nodes"], key=lambda li: li["quantity"])
    assert line["quantity"] >= 2
    shop.post(f"/orders/{quantity['legacyResourceId']}/edit",
              {"lines": [{"id": line["id"], "quantity": line["quantity"] - 1}]})  # fmt: skip
    shop.post(
        f"/orders/{address['legacyResourceId']}/edit",
        {"shipping_address": {"address1": "14 Long Street", "city": "Cape Town", "zip": "8001"}},
    )
    shop.post(
        f"/orders/{tagged['legacyResourceId']}/edit", {"tags": ["vip", "gift-wrap"], "note": "call first"}
    )
    shop.post(f"/orders/{cancelled['legacyResourceId']}/cancel", {"reason": "CUSTOMER"})

    counts = run()
    new_files = [p for p in warehouse.files() if p not in first_files]
    assert len(new_files) == counts["files"] == 1
    assert delivered(new_files) == {
        quantity["name"]: {"AMEND"},
        address["name"]: {"AMEND"},
        cancelled["name"]: {"CANCEL"},
    }
    assert (counts["amended"], counts["cancelled"], counts["new"]) == (2, 1, 0)
    rows, _ = read_file(new_files[0])
    changed = next(r for r in rows if r["order_number"] == quantity["name"] and r["sku"] == line["sku"])
    assert int(changed["quantity"]) == line["quantity"] - 1
    moved = {r["ship_to_address1"] for r in rows if r["order_number"] == address["name"]}
    assert moved == {"14 Long Street"}

    assert run()["files"] == 0  # and each change went exactly once


def test_an_address_changed_back_and_forth_goes_as_an_amend_at_every_change(
    monkeypatch: pytest.MonkeyPatch, home: Path, shop: Shop, sftp_sandbox: RunningSftp
) -> None:
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    run()
    [moving] = pick(shop, set(delivered(warehouse.files())), 1)
    home_address = moving["shippingAddress"]["address1"]
    for address in ("14 Long Street", home_address, "14 Long Street"):  # A -> B -> A -> B
        before = warehouse.files()
        shop.post(f"/orders/{moving['legacyResourceId']}/edit", {"shipping_address": {"address1": address}})
        counts = run()
        new_files = [p for p in warehouse.files() if p not in before]
        assert (counts["amended"], counts["new"], counts["files"], len(new_files)) == (1, 0, 1, 1)
        rows, _ = read_file(new_files[0])
        assert {(r["order_number"], r["record_type"], r["ship_to_address1"]) for r in rows} == {
            (moving["name"], "AMEND", address)
        }
    assert run()["files"] == 0  # and the last change went once
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        latest = state.delivered_versions(
            shop.running.shop, "orders-to-warehouse", "warehouse-sftp", [moving["id"]]
        )
    assert (latest[moving["id"]].record_type, latest[moving["id"]].sequence) == ("AMEND", 4)


def test_a_wrong_host_key_is_refused_and_nothing_is_recorded_as_delivered(
    monkeypatch: pytest.MonkeyPatch, home: Path, shop: Shop, warehouse: Warehouse, tmp_path: Path
) -> None:
    configure(monkeypatch, home, shop, warehouse)
    host, port = warehouse.env["SFTP_HOST"], warehouse.env["SFTP_PORT"]
    impostor = tmp_path / "known_hosts"
    impostor.write_text(f"[{host}]:{port} {write_ed25519_key(tmp_path / 'other_key')}\n")
    monkeypatch.setenv("SHOPLINES_SFTP_KNOWN_HOSTS", str(impostor))
    with pytest.raises(SftpHostKeyError):
        run()
    assert warehouse.files() == []
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        assert state.files(shop.running.shop, "warehouse-sftp", status="delivered") == []
        assert [r.status for r in state.runs(shop.running.shop, "orders-to-warehouse")] == ["failed"]


def test_files_appear_whole_and_a_3pl_that_takes_them_at_once_is_fine(
    monkeypatch: pytest.MonkeyPatch, home: Path, shop: Shop, tmp_path: Path
) -> None:
    seen: list[tuple[str, bytes]] = []
    lock = threading.Lock()

    def grab(path: Path) -> None:  # runs inside the server the instant a file gets its final name
        if path.parent.name == "inbound":  # (our archive copy is renamed into place too)
            with lock:
                seen.append((path.name, path.read_bytes()))

    root = tmp_path / "sftp" / "root"
    with start_sftp_sandbox(root, after_rename=grab) as box, ThreePL(root, poll_interval=0.05) as threepl:
        configure(monkeypatch, home, shop, sandbox_warehouse(box, "."))
        counts = run()
        threepl.process_once()
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        recorded = {f.file_name: f for f in state.files(shop.running.shop, "warehouse-sftp")}
    assert counts["files"] == len(seen) == len(recorded) == 1
    name, content = seen[0]
    assert recorded[name].status == "delivered"
    assert recorded[name].size == len(content)  # never a partial file under the final name
    assert (root / "processed" / name).read_bytes() == content
    assert (root / "outbound" / f"ACK_{name}").is_file()
    assert not (root / "outbound" / f"ERR_{name}").exists()


def test_scheduled_runs_follow_the_watermark_and_pick_up_an_old_order_changed_later(
    monkeypatch: pytest.MonkeyPatch, home: Path, sftp_sandbox: RunningSftp
) -> None:
    # The sandbox clock runs in real time from now, so Shopify's updatedAt and our watermark share a clock.
    now = datetime.now(UTC).replace(microsecond=0)
    with running_shop(seed=11, orders=30, scale=1.0, plan="plus", start=now - timedelta(minutes=1)) as shop:
        warehouse = sandbox_warehouse(sftp_sandbox)
        configure(monkeypatch, home, shop, warehouse)
        first = orders_to_warehouse(lookback_days=31, incremental=True)
        assert first["new"] > 5
        with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
            mark = state.watermark(shop.running.shop, "orders-to-warehouse", "updated")
        assert mark is not None
        assert now <= mark <= datetime.now(UTC)

        quiet = orders_to_warehouse(lookback_days=31, incremental=True)
        assert quiet["files"] == quiet["new"] == 0

        truth = truth_by_name(shop)
        old = min((truth[n] for n in delivered(warehouse.files())), key=lambda o: o["processedAt"])
        assert parse_instant(old["processedAt"]) < now - timedelta(
            days=7
        )  # far outside "yesterday and today"
        shop.post(
            f"/orders/{old['legacyResourceId']}/edit", {"shipping_address": {"address1": "9 Loop Street"}}
        )
        changed = orders_to_warehouse(lookback_days=31, incremental=True)
        assert (changed["amended"], changed["new"], changed["files"]) == (1, 0, 1)
        assert changed["received"] < first["received"]  # only what changed since the watermark was read
        assert orders_to_warehouse(lookback_days=31, incremental=True)["files"] == 0
        with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
            history = state.watermark_history(shop.running.shop, "orders-to-warehouse", "updated")
        marks = [h.to_watermark for h in history]
        assert marks == sorted(marks)


def test_four_overlapping_backfills_on_postgresql_deliver_every_version_once(
    monkeypatch: pytest.MonkeyPatch, home: Path, shop: Shop, sftp_sandbox: RunningSftp, pg_database: str
) -> None:
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    monkeypatch.setenv("SHOPLINES_DATABASE_URL", fresh_pg_schema(pg_database))
    start_together = threading.Barrier(4)
    results: list[dict[str, int]] = []
    failures: list[BaseException] = []

    def backfill() -> None:
        start_together.wait()
        try:
            results.append(run())
        except BaseException as exc:  # surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=backfill) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert sorted(r["files"] for r in results) == [0, 0, 0, 1]  # one run delivered, three found it done
    files = warehouse.files()
    assert len(files) == 1
    rows, _ = read_file(files[0])
    assert len({r["order_number"] for r in rows}) == max(r["new"] for r in results)


def test_a_second_run_on_sqlite_is_refused_clearly(
    monkeypatch: pytest.MonkeyPatch, home: Path, shop: Shop, sftp_sandbox: RunningSftp
) -> None:
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    home.mkdir(parents=True)
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:  # another worker is mid-run
        state.acquire_lease(
            shop.running.shop,
            "orders-to-warehouse",
            datetime(2020, 1, 1, tzinfo=UTC),
            datetime(2020, 1, 2, tzinfo=UTC),
            holder="worker-2",
            ttl=timedelta(hours=1),
        )
    with pytest.raises(LeaseHeld, match="SQLite allows one run per line"):
        run()
    assert warehouse.files() == []


def test_a_server_error_in_the_middle_of_paging_fails_the_run_and_never_moves_the_watermark(
    monkeypatch: pytest.MonkeyPatch, home: Path, sftp_sandbox: RunningSftp
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with running_shop(seed=12, orders=20, scale=1.0, plan="plus", start=now - timedelta(minutes=1)) as shop:
        warehouse = sandbox_warehouse(sftp_sandbox)
        configure(monkeypatch, home, shop, warehouse)
        monkeypatch.setenv("SHOPLINES_SHOPIFY_DEADLINE_SECONDS", "2")
        orders_to_warehouse(lookback_days=31, incremental=True)
        before = len(warehouse.files())
        with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
            mark = state.watermark(shop.running.shop, "orders-to-warehouse", "updated")
        placed = {shop.post("/orders", {})["order"]["name"] for _ in range(4)}

        shop.fault(kind="http_error", status=503, operation="OrdersPage", after=1, times=None)
        with pytest.raises(Exception, match="OrdersPage page 2"):
            orders_to_warehouse(lookback_days=31, incremental=True)
        with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
            assert state.watermark(shop.running.shop, "orders-to-warehouse", "updated") == mark
        assert len(warehouse.files()) == before  # nothing half-read was delivered

        shop.admin.delete("/faults").raise_for_status()
        after = orders_to_warehouse(lookback_days=31, incremental=True)
        assert after["received"] >= len(placed)  # the orders behind the gap were read this time
        fresh = set(delivered(warehouse.files()[before:]))
        assert fresh
        assert fresh <= placed
        with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
            moved = state.watermark(shop.running.shop, "orders-to-warehouse", "updated")
        assert mark is not None
        assert moved is not None
        assert moved > mark


def test_a_long_backfill_read_in_bulk_parts_delivers_what_paging_delivers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, sftp_sandbox: RunningSftp
) -> None:
    """The four-month window goes through one bulk operation, handled 7 orders at a time: the warehouse gets
    the same order versions as a paged run of the same window (in more, smaller files), each once."""
    shop.post("/bulk", {"rate": 1_000_000.0})
    paged, bulk = sandbox_warehouse(sftp_sandbox), sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, tmp_path / "paged", shop, paged)
    monkeypatch.setenv("SHOPLINES_SHOPIFY_BULK_FROM_DAYS", "0")
    by_paging = run()
    configure(monkeypatch, tmp_path / "bulk", shop, bulk)
    monkeypatch.setenv("SHOPLINES_SHOPIFY_BULK_FROM_DAYS", "7")
    monkeypatch.setenv("SHOPLINES_SHOPIFY_BULK_PART_ORDERS", "7")
    by_bulk = run()
    assert by_bulk["received"] == by_paging["received"] == len(shop.truth())
    assert {k: v for k, v in by_bulk.items() if k != "files"} == {
        k: v for k, v in by_paging.items() if k != "files"
    }
    assert by_bulk["files"] > by_paging["files"] == 1  # a file per part with something to send
    assert delivered(bulk.files()) == delivered(paged.files())
    operations = [r["operation_name"] for r in shop.requests()]
    assert operations.count("BulkOrders") == 1  # one job for the whole window
    again = run()
    assert again["files"] == again["new"] == 0
    assert again["unchanged"] == by_bulk["new"]
