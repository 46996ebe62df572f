"""Alembic migrations: from empty, idempotent, reversible, in step with the models, runnable from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from shoplines.state.db import MIGRATIONS_DIR, VERSION_TABLE, make_engine, migrate, migration_connection
from shoplines.state.models import Base
from shoplines.state.store import StateStore
from tests.state.conftest import fresh_pg_schema
from tests.state.factories import SHOP, deliver, order, plan, start

REPO = Path(__file__).resolve().parents[2]
TABLES = {"runs", "files", "deliveries", "quarantine", "leases", "watermarks", "watermark_history"}
TABLES |= {"file_resolutions", "alerts", "journal", "answer_files", "shipments", "approvals"}
TABLES |= {"accounting_tokens", "postings", "inventory_levels", "stock_files", "stock_corrections"}
TABLES |= {"month_end_packs", "month_end_figures"}
HEAD = "0009_month_end_packs"


@pytest.fixture
def engine(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def version(engine: Engine) -> str:
    with engine.connect() as conn:
        query = text(f"SELECT version_num FROM {VERSION_TABLE}")  # noqa: S608 - a constant, not input
        return conn.execute(query).scalar_one()


def test_migrate_creates_the_schema_from_empty(engine: Engine) -> None:
    assert tables(engine) == set()
    migrate(engine)
    assert tables(engine) == TABLES | {VERSION_TABLE}
    assert version(engine) == HEAD


def test_migrate_again_is_a_no_op_and_keeps_data(db_url: str) -> None:
    with StateStore.open(db_url) as first:
        deliver(first, start(first), plan("ORD-1.csv", order(1001)))
    with StateStore.open(db_url) as second:
        migrate(second.engine)
        assert [f.file_name for f in second.files(SHOP, "warehouse-sftp")] == ["ORD-1.csv"]
        assert len(second.runs(SHOP, "orders-to-warehouse")) == 1
        assert version(second.engine) == HEAD


def alembic(engine: Engine, verb: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, revision)


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    migrate(engine)
    alembic(engine, "downgrade", "base")
    assert tables(engine) == {VERSION_TABLE}
    migrate(engine)
    assert tables(engine) == TABLES | {VERSION_TABLE}


def test_models_match_the_migrations(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, Base.metadata) == []


def run_alembic(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLINES_")}
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini"), *args],
        cwd=tmp_path,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_alembic_cli_upgrades_the_configured_database(pg_database: str, tmp_path: Path) -> None:
    db_url = fresh_pg_schema(pg_database)  # SQLite through the CLI is covered by the default below
    result = run_alembic(tmp_path, {"SHOPLINES_DATABASE_URL": db_url}, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    engine = make_engine(db_url)
    try:
        assert tables(engine) == TABLES | {VERSION_TABLE}
        assert version(engine) == HEAD
    finally:
        engine.dispose()


def test_alembic_cli_defaults_to_sqlite_under_home(tmp_path: Path) -> None:
    home = tmp_path / "shoplines-home"
    result = run_alembic(tmp_path, {"SHOPLINES_HOME": str(home)}, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{home / 'state.db'}")
    try:
        assert version(engine) == HEAD
    finally:
        engine.dispose()
