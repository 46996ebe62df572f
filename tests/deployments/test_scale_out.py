"""Scale-out on Prefect's own engine, as production runs it: a Prefect server on PostgreSQL, the state
database in a database of its own, two process workers on one pool, `prefect deploy --all`, overlapping
backfill runs for one shop triggered through the API. All complete; the 3PL gets each order version once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import FlowRun

from chaos.check import duplicated, read_journal
from chaos.sandbox import Sandbox
from deployments import local
from tests.deployments.events import triggered
from tests.state.conftest import PG_HOST, PG_PORT, _admin_connection

pytestmark = pytest.mark.slow
# 40 orders, most of them in October; a clock (and API budget refill) 10x real time keeps the pulls short
SANDBOX = ["--orders", "40", "--seed", "9", "--no-xero", "--time-scale", "10"]
BACKFILLS = [("2026-10-01", "2026-10-20"), ("2026-10-12", "2026-10-31")]  # 12 to 20 October in both


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """Prefect's database and the state database: two databases, so two Alembic version tables."""
    admin, role = _admin_connection()
    names = [f"shoplines_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("prefect", "state")]
    with admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield (f"postgresql+asyncpg://{role}@{PG_HOST}:{PG_PORT}/{names[0]}",
                   f"postgresql+psycopg://{role}@{PG_HOST}:{PG_PORT}/{names[1]}")  # fmt: skip
        finally:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def finished(client: SyncPrefectClient, ids: list[UUID], timeout: float) -> list[FlowRun]:
    deadline = time.monotonic() + timeout
    while True:
        runs = [client.read_flow_run(i) for i in ids]
        if all(r.state is not None and r.state.is_final() for r in runs) or time.monotonic() > deadline:
            return runs
        time.sleep(1)


def test_two_workers_on_postgresql_run_overlapping_backfills_and_deliver_each_order_once(
    tmp_path: Path, databases: tuple[str, str]
) -> None:
    started = time.monotonic()
    prefect_db, state_db = databases
    with (tmp_path / "sandbox.log").open("ab") as log:
        layout = {
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_db,  # Prefect on PostgreSQL
            "SHOPLINES_DATABASE_URL": state_db,  # the state in a database of its own
            "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(tmp_path / "shared-results"),  # one for every worker
            "SHOPLINES_HOME": str(tmp_path / "sandbox"),  # the sandbox's endpoints (sandbox.json)
            "PREFECT_UI_ENABLED": "false",
        }
        env = local.prefect_env(tmp_path / "prefect", local.free_port(), **layout)
        stack = local.Stack(env, tmp_path / "logs")
        stack.start("server", local.SERVER)  # migrates its own database meanwhile
        with Sandbox.start(tmp_path / "sandbox", SANDBOX, log) as shop:
            try:
                local.wait_ready(stack, timeout=120)
                local.setup_and_deploy(stack, workers=2, limit=2)
                with SyncPrefectClient(stack.api) as client:
                    since = datetime.now(UTC)
                    runs = finished(client, trigger(client), timeout=240)
                    alerted = triggered(client, "shoplines: a run failed or crashed", since)
            finally:
                stack.stop()
            drained = shop.wait_drained(30)
            journal = read_journal(shop.journal)
    elapsed = time.monotonic() - started
    print(f"scale-out: {elapsed:.1f} s")  # the figure the README quotes
    states = {str(r.name): (r.state_name, r.state.message if r.state else "") for r in runs}
    *backfills, refused = runs
    assert [r.state_name for r in backfills] == ["Completed", "Completed"], states
    assert refused.state_name == "Failed", states
    assert "The date range ends (2026-10-01) before it starts (2026-10-05)" in str(refused.state.message)
    assert alerted  # the failed run triggered its automation
    assert drained
    assert any((tmp_path / "shared-results").iterdir())  # a retried run finds its steps' results anywhere
    assert duplicated(journal) == []
    assert len({o["order_number"] for e in journal for o in e["orders"]}) >= 10


def trigger(client: SyncPrefectClient) -> list[UUID]:
    """The two overlapping backfills for the shop, then a re-check over days that cannot be meant."""
    backfill = client.read_deployment_by_name("orders-to-warehouse/date-range")
    days = [{"date_from": first, "date_to": last} for first, last in BACKFILLS]
    ids = [client.create_flow_run_from_deployment(backfill.id, parameters=p).id for p in days]
    recheck = client.read_deployment_by_name("reconcile/reconcile-date-range")
    bad = {"date_from": "2026-10-05", "date_to": "2026-10-01"}
    return [*ids, client.create_flow_run_from_deployment(recheck.id, parameters=bad).id]
