"""The `shoplines` command: one-line errors with exit codes, the background sandbox, and the demo."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shoplines.cli import main
from shoplines.state.records import LeaseLost, QuarantineRow
from shoplines.state.store import EntityVersion, FilePlan, StateStore


def shoplines(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-11-31", "--to", "2026-12-01"], "Invalid value for '--from'"),
        (["--from", "2026-11-05", "--to", "2026-11-01"], "--to is before --from"),
        (["--from", "2026-11-05"], "Missing option '--to'"),
        (["--from", "2026-11-05", "--to", "2026-11-05", "--by", "created"], "Invalid value for '--by'"),
    ],
)
def test_bad_input_is_one_clear_error_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = shoplines(["run", "orders-to-warehouse", *argv], capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_run_without_a_shop_says_what_to_set_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPLINES_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env here
    code, _, err = shoplines(
        ["run", "orders-to-warehouse", "--from", "2026-11-01", "--to", "2026-11-01"], capsys
    )
    assert code == 1
    assert err.strip().splitlines() == [
        "error: SHOPLINES_SHOP_DOMAIN is not set: run `shoplines sandbox up` or configure a real shop "
        "(see README, 'Connecting a real shop')"
    ]


def test_status_without_a_sandbox_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPLINES_HOME", str(tmp_path))
    code, out, _ = shoplines(["sandbox", "status"], capsys)
    assert code == 1
    assert "no sandbox is running" in out


@pytest.fixture
def cli_env(tmp_path: Path, prefect_server: None) -> Iterator[dict[str, str]]:
    """Environment for `shoplines` in a child process: its own home, and this session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLINES_")}
    env |= {"SHOPLINES_HOME": str(tmp_path / "home"), "PREFECT_API_URL": str(PREFECT_API_URL.value()),
            "COLUMNS": "200"}  # fmt: skip
    yield env
    subprocess.run([sys.executable, "-c", "from shoplines.cli import main; main()", "sandbox", "down"],
                   env=env, cwd=tmp_path, capture_output=True, timeout=60, check=False)  # fmt: skip


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from shoplines.cli import main; main()", *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_demo_delivers_files_into_the_sandbox_folder_and_the_sandbox_can_be_stopped(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    demo = run_cli(["demo", "--orders", "30"], cli_env, tmp_path)
    assert demo.returncode == 0, demo.stderr
    root = tmp_path / "home" / "sftp" / "root"
    sent = sorted((root / "inbound").glob("ORD_*.csv")) + sorted((root / "processed").glob("ORD_*.csv"))
    assert len(sent) == 1
    assert sent[0].name in demo.stdout
    assert "received" in demo.stdout
    out = " ".join(demo.stdout.split())  # rich wraps long lines
    # the 3PL's answers came back: one order rejected, the rest shipped, tracking now in Shopify
    assert "the warehouse REJECTED it in ERR_" in out
    assert "does not know a SKU on the order (UNKNOWN_SKU, sku UNKNOWN-GIFT-BOX)" in out
    assert re.search(r"Shopify now shows #\d+ with tracking [A-Z]{3}\d+", out)
    assert "the warehouse acknowledged the NEW in ACK_" in out
    archived = {p.name for p in (root / "archive" / "answers").iterdir()}
    assert f"ACK_{sent[0].name}" in archived  # read once, moved out of the 3PL's outbound folder
    # the stock comparison: the sandbox 3PL's two planted miscounts, and its SKU below its reorder level
    planted = json.loads((tmp_path / "home" / "sandbox.json").read_text())["sftp"]["stock"]["mismatches"]
    assert "The 3PL counted its stock: STOCK_" in out
    assert "2 SKU(s) differ between Shopify and the warehouse's count" in out
    for miscount in planted:
        assert f"{miscount['sku']}: Shopify " in out
    assert re.search(r"Alert: \S+ is low at JHB-DC1: \d+ left \(threshold \d+\)", out)
    assert "Traceback" not in demo.stderr

    status = run_cli(["sandbox", "status"], cli_env, tmp_path)
    assert status.returncode == 0
    assert "sandbox running" in status.stdout
    down = run_cli(["sandbox", "down"], cli_env, tmp_path)
    assert "sandbox stopped" in down.stdout
    assert run_cli(["sandbox", "status"], cli_env, tmp_path).returncode == 1
    assert not (tmp_path / "home" / "sandbox.json").exists()


def test_the_sandbox_replays_recorded_orders_from_a_json_lines_file(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    from sandbox.shopify.generator import generate_store

    recorded = tmp_path / "recorded.jsonl"
    orders = list(generate_store(5, orders=3).orders())
    recorded.write_text("".join(json.dumps(order) + "\n" for order in orders), encoding="utf-8")
    up = run_cli(["sandbox", "up", "--orders", str(recorded)], cli_env, tmp_path)
    assert up.returncode == 0, up.stderr
    assert "3 orders" in up.stdout
    running = json.loads((tmp_path / "home" / "sandbox.json").read_text())
    assert running["store"]["orders"] == 3

    missing = run_cli(["sandbox", "up", "--orders", "nowhere.jsonl"], cli_env, tmp_path)
    assert missing.returncode == 2
    assert "neither a number of orders nor a JSON Lines file" in missing.stderr


SHOP = "shoplines-test.myshopify.com"
WINDOW = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))


def local_shop(home: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, tuple[datetime, datetime]]:
    """A shop whose state database lives in `home` (no sandbox needed): its domain and a day's window."""
    monkeypatch.setenv("SHOPLINES_HOME", str(home))
    monkeypatch.setenv("SHOPLINES_SHOP_DOMAIN", SHOP)
    return SHOP, WINDOW


def test_ledger_lists_unconfirmed_uploads_and_a_person_settles_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shop, window = local_shop(tmp_path, monkeypatch)
    version = EntityVersion("gid://shopify/Order/1", "#1001", "f" * 64, "NEW")
    plan = FilePlan(
        shop,
        "orders-to-warehouse",
        "warehouse-sftp",
        "ORD_test_abc_001.csv",
        "abc",
        "0" * 64,
        10,
        1,
        [version],
    )
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        run = state.start_run(shop, "orders-to-warehouse", "processed", *window, {})
        state.record_file_intent(plan, run)
        state.finish_run(run, "failed", {}, "killed")

    code, out, _ = shoplines(["ledger", "unresolved"], capsys)
    assert code == 1
    assert "ORD_test_abc_001.csv" in out
    code, _, err = shoplines(
        ["ledger", "resolve", "ORD_nope.csv", "--outcome", "delivered", "--note", "x"], capsys
    )
    assert code == 2
    assert "is not an unresolved upload" in err
    verdict_args = [
        "--outcome",
        "not-delivered",
        "--note",
        "Thandi at the 3PL: never received",
        "--by",
        "sipho",
    ]
    code, out, _ = shoplines(["ledger", "resolve", "ORD_test_abc_001.csv", *verdict_args], capsys)
    assert code == 0
    assert "not-delivered by sipho" in out
    code, out, _ = shoplines(["ledger", "unresolved"], capsys)
    assert (code, out.strip()) == (0, "no unresolved uploads")
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        [verdict] = state.file_resolutions(shop, "warehouse-sftp")
    assert (verdict.outcome, verdict.resolved_by) == ("not_delivered", "sipho")


def test_a_person_frees_a_stuck_runs_lease_and_the_run_is_marked_abandoned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shop, window = local_shop(tmp_path, monkeypatch)
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        run = state.start_run(shop, "orders-to-warehouse", "processed", *window, {})
        hour = timedelta(hours=1)
        lease = state.acquire_lease(
            shop, "orders-to-warehouse", *window, holder="worker-7", ttl=hour, run_id=run
        )

    code, out, _ = shoplines(["lease", "list"], capsys)
    assert code == 0
    assert f"{lease.lease_id}  window 2026-11-01 00:00 → 2026-11-02 00:00  holder worker-7  run {run}" in out
    code, _, err = shoplines(["lease", "release", "no-such-lease", "--note", "x"], capsys)
    assert code == 1
    assert "no lease 'no-such-lease'" in err
    code, out, _ = shoplines(
        ["lease", "release", lease.lease_id, "--note", "worker hung", "--by", "sipho"], capsys
    )
    assert code == 0
    assert "held by worker-7" in out

    code, out, _ = shoplines(["lease", "list"], capsys)
    assert out.strip() == "no live leases on orders-to-warehouse"
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        [record] = state.runs(shop, "orders-to-warehouse")
        assert (record.status, record.message) == (
            "abandoned",
            "abandoned: lease released by sipho: worker hung",
        )
        with pytest.raises(LeaseLost):  # the stuck process, should it wake, stops at its next renewal
            state.renew_lease(lease, timedelta(minutes=1))
        state.acquire_lease(shop, "orders-to-warehouse", *window, holder="worker-8", ttl=timedelta(minutes=1))


def test_quarantine_is_listed_shown_masked_and_closed_by_a_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shop, window = local_shop(tmp_path, monkeypatch)
    payload = {
        "id": "gid://shopify/Order/9",
        "name": "#1009",
        "email": "thandi@gmail.com",
        "lineItems": {"nodes": []},
    }
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        run = state.start_run(shop, "orders-to-warehouse", "processed", *window, {})
        bad = QuarantineRow("gid://shopify/Order/9", "#1009", "currency is USD; sku: missing", payload)
        state.quarantine_rows(shop, "orders-to-warehouse", run, [bad])
        [row] = state.open_quarantine(shop, "orders-to-warehouse")

    code, out, _ = shoplines(["quarantine", "list"], capsys)
    assert (code, f"{row.id:>5}" in out, "#1009" in out) == (0, True, True)
    code, out, _ = shoplines(["quarantine", "show", str(row.id)], capsys)
    assert code == 0
    assert "  - currency is USD\n  - sku: missing" in out
    assert "email: t***@g***.com" in out
    assert "thandi@gmail.com" not in out
    assert "lineItems: 0 item(s)" in out
    closing = ["quarantine", "resolve", str(row.id), "--note", "deleted in Shopify", "--by", "sipho"]
    code, out, _ = shoplines(closing, capsys)
    assert (code, out.strip()) == (0, "#1009: closed by sipho: deleted in Shopify")
    code, out, _ = shoplines(["quarantine", "list"], capsys)
    assert out.strip() == "nothing in quarantine on orders-to-warehouse"
    code, _, err = shoplines(["quarantine", "show", "999"], capsys)
    assert code == 1
    assert "no quarantined record 999" in err


def test_the_problems_demo_shows_each_planted_failure_and_its_story(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    demo = run_cli(["demo", "--orders", "80", "--problems"], cli_env, tmp_path)
    try:
        assert demo.returncode == 0, demo.stderr
        out = " ".join(demo.stdout.split())  # rich wraps long lines
        assert "#9001 in US dollars" in out
        titles = (
            "1 order(s) could not be sent: their data failed checks",
            "changed after the warehouse got it",
            "the warehouse does not match Shopify for",
            "no scheduled run of orders-to-warehouse has completed",
        )
        for title in titles:
            assert title in out, title
        assert "DOES NOT TIE OUT" in out
        assert "quarantined held back: currency is USD" in out
        assert "mapped to CANCEL in ORD_" in out
        assert "no notification channel configured" in out
        assert "the ship-to address changed after the warehouse acknowledged it; waiting for a person" in out
        assert "Waiting for a person: approval 1" in out
        assert "The run failed as it should: ShopifyRetriesExhausted" in out
        # parcels that left before their orders were held or cancelled: Shopify refuses the tracking
        assert "Not yet in Shopify (tried again next run): #" in out
    finally:
        run_cli(["sandbox", "down"], cli_env, tmp_path)
