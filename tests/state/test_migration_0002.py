"""Migration 0002: upgrading a used 0001 database, the CHECKs autogenerate cannot see, downgrade."""

from __future__ import annotations

import pytest
from sqlalchemy import CheckConstraint, Engine, insert, inspect, text
from sqlalchemy.exc import IntegrityError

from shoplines.state.db import make_engine, migrate
from shoplines.state.models import Base, Lease
from shoplines.state.store import StateStore
from tests.state.conftest import StepClock
from tests.state.factories import DEST, LINE, SHOP, WINDOW, order, plan, record_before_0003, start
from tests.state.test_migrations import HEAD, alembic, tables, version

STATUS_TABLES = ("runs", "files", "deliveries")


@pytest.fixture
def engine(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def model_checks() -> dict[str, set[str]]:
    """The CHECK constraint names models.py declares, per table (after the naming convention)."""
    return {
        table.name: {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
        for table in Base.metadata.sorted_tables
    }


def test_a_used_0001_database_upgrades_with_its_ledger(engine: Engine) -> None:
    alembic(engine, "upgrade", "0001_initial")
    clock = StepClock()
    old = StateStore(engine, clock)  # 0001 has every column runs and confirmations touch
    run_id = start(old)
    record_before_0003(old, run_id, plan("ORD-1.csv", order(1), order(2)), clock())
    old.confirm_file(SHOP, DEST, "ORD-1.csv", "inbound/ORD-1.csv")
    record_before_0003(old, run_id, plan("ORD-2.csv", order(3)), clock())

    migrate(engine)
    store = StateStore(engine, StepClock())
    assert version(engine) == HEAD
    assert [(f.file_name, f.status) for f in store.files(SHOP, DEST)] == [
        ("ORD-1.csv", "delivered"),
        ("ORD-2.csv", "intent"),
    ]
    assert set(
        store.delivered_versions(SHOP, LINE, DEST, [f"gid://shopify/Order/{n}" for n in (1, 2, 3)])
    ) == {
        "gid://shopify/Order/1",
        "gid://shopify/Order/2",
    }
    store.finish_run(run_id, "failed", {})
    assert [f.file_name for f in store.unresolved_files(SHOP, DEST)] == ["ORD-2.csv"]


def test_check_constraints_are_named_and_enforced_as_the_models_say(engine: Engine) -> None:
    migrate(engine)
    inspector = inspect(engine)
    for table, names in model_checks().items():
        assert {c["name"] for c in inspector.get_check_constraints(table)} == names, table
    store = StateStore(engine, StepClock())
    store.record_file_intent(plan("ORD-1.csv", order(1)), start(store))
    with engine.begin() as conn:  # the widened statuses are accepted ...
        for table in STATUS_TABLES:
            conn.execute(text(f"UPDATE {table} SET status = 'abandoned'"))  # noqa: S608 - constant
    refused = [f"UPDATE {table} SET status = 'lost'" for table in STATUS_TABLES]  # noqa: S608 - constant
    for statement in [*refused, "UPDATE deliveries SET record_type = 'UPDATE'"]:  # ... nothing else is
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(statement))
    empty = dict.fromkeys(("window_start", "window_end", "acquired_at", "expires_at"), WINDOW[0])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(Lease), [{"lease_id": "l", "shop_id": SHOP, "line": LINE, "holder": "h"} | empty])


def test_downgrade_to_0001_and_back(engine: Engine) -> None:
    migrate(engine)
    alembic(engine, "downgrade", "0001_initial")
    assert tables(engine) == {"runs", "files", "deliveries", "quarantine", "shoplines_alembic_version"}
    checks = {c["name"] for c in inspect(engine).get_check_constraints("deliveries")}
    assert checks == {
        "ck_deliveries_ck_deliveries_status",
        "ck_deliveries_ck_deliveries_record_type",
    }  # 0001's
    migrate(engine)
    assert version(engine) == HEAD


def test_downgrade_is_refused_while_rows_are_abandoned(engine: Engine) -> None:
    migrate(engine)
    store = StateStore(engine, StepClock())
    store.record_file_intent(plan("ORD-1.csv", order(1)), start(store))
    store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="not_delivered", resolved_by="t", note="lost")
    with pytest.raises(RuntimeError, match="files has rows with status 'abandoned'"):
        alembic(engine, "downgrade", "0001_initial")
    assert version(engine) == HEAD
    assert [f.status for f in store.files(SHOP, DEST)] == ["abandoned"]
