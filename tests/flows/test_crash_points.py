"""A run SIGKILLed at each named crash point, then run again: every version reaches the 3PL exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chaos.check import duplicated, read_journal, warehouse_state
from chaos.runs import KILLED, Launcher, child_env
from shoplines.crashpoints import ENV as CRASH_ENV
from shoplines.crashpoints import WAREHOUSE_POINTS as POINTS

CLI = [sys.executable, "-c", "from shoplines.cli import main; main()"]


@pytest.fixture
def env(tmp_path: Path, prefect_server: None) -> Iterator[dict[str, str]]:
    """A child `shoplines` with its own home, this session's Prefect server, and a sandbox it started."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLINES_")}
    env |= {"SHOPLINES_HOME": str(tmp_path / "home"), "PREFECT_API_URL": str(PREFECT_API_URL.value()),
            "SHOPLINES_RUN_LEASE_SECONDS": "3"}  # a killed run's window is free again within 3 s  # fmt: skip
    up = cli(["sandbox", "up", "--orders", "25", "--time-scale", "50"], env, tmp_path)
    assert up.returncode == 0, up.stderr
    yield env
    cli(["sandbox", "down"], env, tmp_path)


def cli(args: list[str], env: dict[str, str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env | extra, cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def test_a_run_killed_at_every_crash_point_then_rerun_delivers_each_version_once(
    env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from prefect.settings import PREFECT_API_URL

    launcher = Launcher(child_env(str(PREFECT_API_URL.value()), env.get("PREFECT_HOME", str(tmp_path))))
    launcher.start()  # children forked from a server that preloaded shoplines: ~3 s saved per run
    ours = {k: v for k, v in env.items() if k.startswith("SHOPLINES_")}

    def run(argv: list[str], extra: dict[str, str]) -> tuple[int, str]:
        output = tmp_path / "run.log"
        code = launcher.run(argv, ours | extra, tmp_path, output)
        return code, output.read_text(errors="replace")[-2000:]

    home = Path(env["SHOPLINES_HOME"])
    described: dict[str, Any] = json.loads((home / "sandbox.json").read_text())
    days = ["--from", described["store"]["first_day"], "--to", described["store"]["last_day"]]
    admin = httpx.Client(base_url=described["shopify"]["admin_url"], timeout=10)
    request.addfinalizer(admin.close)
    journal = home / "sftp" / "received.jsonl"
    shop_orders = admin.get("/orders").json()
    orders = shop_orders["orders"] if isinstance(shop_orders, dict) else shop_orders
    for round_number, point in enumerate(POINTS):
        if round_number:  # give this round something new to deliver: an address change on a sent order
            sent = sorted(warehouse_state(read_journal(journal)))
            target = next(o for o in orders if o["name"] == sent[round_number % len(sent)])
            address = {"address1": f"{round_number} Crash Street"}
            admin.post(f"/orders/{target['legacyResourceId']}/edit", json={"shipping_address": address})
        killed = run(["run", "orders-to-warehouse", *days], {CRASH_ENV: point})
        assert killed[0] == KILLED, f"{point}: {killed}"
        for _attempt in range(10):  # the dead run's lease expires; the 3PL may not have answered yet
            again = run(["run", "orders-to-warehouse", *days], {})
            if again[0] == 0:
                break
            assert "is leased to" in again[1] or "may already be with the warehouse" in again[1], (
                f"{point}: {again}"
            )
            time.sleep(1.5)
        assert again[0] == 0, f"{point}: {again}"
        time.sleep(1.0)  # let the 3PL take the file before the next round looks at its journal
        assert duplicated(read_journal(journal)) == [], point
    assert len(warehouse_state(read_journal(journal))) > 5
