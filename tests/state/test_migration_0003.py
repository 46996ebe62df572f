"""Migration 0003: a used 0002 ledger gets its delivery sequences and keeps its meaning; downgrade."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, select

from shoplines.state.db import make_engine, migrate
from shoplines.state.models import Delivery
from shoplines.state.store import StateConflict, StateStore
from tests.state.conftest import StepClock
from tests.state.factories import DEST, LINE, SHOP, deliver, order, plan, record_before_0003, start
from tests.state.test_migrations import HEAD, alembic, version

BEFORE = "0002_leases_watermarks_audit"


@pytest.fixture
def engine(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def sequences(engine: Engine) -> dict[tuple[str, str], tuple[int, str]]:
    """(file name, order name) → (sequence, status) of every delivery."""
    query = select(Delivery.file_name, Delivery.entity_name, Delivery.sequence, Delivery.status)
    with engine.connect() as conn:
        return {(r.file_name, r.entity_name): (r.sequence, r.status) for r in conn.execute(query)}


def used_0002_ledger(engine: Engine, clock: StepClock) -> str:
    """A 0002 database with delivered, re-planned, abandoned and unconfirmed files; the run id."""
    alembic(engine, "upgrade", BEFORE)
    old = StateStore(engine, clock)  # 0002 has every column runs, confirmations and verdicts touch

    def intent(name: str, *entities) -> None:
        record_before_0003(old, run_id, plan(name, *entities), clock())

    def confirm(name: str) -> None:
        old.confirm_file(SHOP, DEST, name, f"inbound/{name}")

    run_id = start(old)
    intent("ORD-1.csv", order(1), order(2))
    confirm("ORD-1.csv")
    intent("ORD-2.csv", order(1, "v2", "AMEND"))
    confirm("ORD-2.csv")
    intent("ORD-3.csv", order(2, "v2", "AMEND"))  # lost, then sent again in ORD-4
    old.resolve_file(SHOP, DEST, "ORD-3.csv", outcome="not_delivered", resolved_by="t", note="lost")
    intent("ORD-4.csv", order(2, "v2", "AMEND"))
    confirm("ORD-4.csv")
    intent("ORD-5.csv", order(4))  # confirmed only after ORD-6: the ledger took it as the latest
    intent("ORD-6.csv", order(4, "v2", "AMEND"))
    confirm("ORD-6.csv")
    confirm("ORD-5.csv")
    intent("ORD-7.csv", order(1, "v3", "AMEND"), order(3))  # never confirmed
    return run_id


def test_a_used_0002_database_upgrades_with_its_ledger_intact_and_sequences_numbered(engine: Engine) -> None:
    clock = StepClock()
    run_id = used_0002_ledger(engine, clock)

    migrate(engine)
    assert version(engine) == HEAD
    assert sequences(engine) == {  # per order: delivered rows as delivered, then the rest as created
        ("ORD-1.csv", "#1"): (1, "delivered"),
        ("ORD-2.csv", "#1"): (2, "delivered"),
        ("ORD-7.csv", "#1"): (3, "intent"),
        ("ORD-1.csv", "#2"): (1, "delivered"),
        ("ORD-4.csv", "#2"): (2, "delivered"),
        ("ORD-3.csv", "#2"): (3, "abandoned"),
        ("ORD-7.csv", "#3"): (1, "intent"),
        ("ORD-6.csv", "#4"): (1, "delivered"),
        ("ORD-5.csv", "#4"): (2, "delivered"),
    }
    store = StateStore(engine, clock)
    assert [(f.file_name, f.status) for f in store.files(SHOP, DEST)] == [
        ("ORD-1.csv", "delivered"), ("ORD-2.csv", "delivered"), ("ORD-3.csv", "abandoned"),
        ("ORD-4.csv", "delivered"), ("ORD-5.csv", "delivered"), ("ORD-6.csv", "delivered"),
        ("ORD-7.csv", "intent"),
    ]  # fmt: skip
    latest = store.delivered_versions(SHOP, LINE, DEST, [f"gid://shopify/Order/{n}" for n in range(1, 5)])
    assert {oid[-1]: (v.file_name, v.sequence) for oid, v in latest.items()} == {
        "1": ("ORD-2.csv", 2),
        "2": ("ORD-4.csv", 2),
        "4": ("ORD-5.csv", 2),  # the same latest version as before the upgrade
    }

    # The ledger goes on: #1 goes back to v2 (0002's key refused that), and no place is taken twice.
    store.confirm_file(SHOP, DEST, "ORD-7.csv", "inbound/ORD-7.csv")
    deliver(store, run_id, plan("ORD-8.csv", order(1, "v2", "AMEND", 4)))
    with pytest.raises(StateConflict, match=r"#2 in ORD-4\.csv"):
        store.record_file_intent(plan("ORD-9.csv", order(2, "v3", "AMEND", 2)), run_id)
    store.record_file_intent(
        plan("ORD-9.csv", order(2, "v2", "AMEND", 3)), run_id
    )  # ORD-3's place: abandoned
    latest = store.delivered_versions(SHOP, LINE, DEST, ["gid://shopify/Order/1"])
    assert latest["gid://shopify/Order/1"].sequence == 4


def test_downgrade_to_0002_and_back(engine: Engine) -> None:
    clock = StepClock()
    used_0002_ledger(engine, clock)
    migrate(engine)
    before = sequences(engine)

    alembic(engine, "downgrade", BEFORE)
    assert version(engine) == BEFORE
    inspector = inspect(engine)
    assert "sequence" not in {c["name"] for c in inspector.get_columns("deliveries")}
    [key] = [i for i in inspector.get_indexes("deliveries") if i["name"] == "uq_deliveries_live_key"]
    assert key["column_names"] == [
        "shop_id",
        "line",
        "destination",
        "entity_id",
        "content_hash",
        "record_type",
    ]
    assert {c["name"] for c in inspector.get_check_constraints("deliveries")} == {
        "ck_deliveries_status",
        "ck_deliveries_record_type",
    }

    migrate(engine)
    assert version(engine) == HEAD
    assert sequences(engine) == before  # numbered the same way again


def test_downgrade_is_refused_while_an_order_went_back_to_a_version(engine: Engine) -> None:
    migrate(engine)
    store = StateStore(engine, StepClock())
    run_id = start(store)
    history = [("v1", "NEW"), ("v2", "AMEND"), ("v1", "AMEND"), ("v2", "AMEND")]  # A, B, A, B
    for sequence, (content, record_type) in enumerate(history, start=1):
        deliver(store, run_id, plan(f"ORD-{sequence}.csv", order(1, content, record_type, sequence)))
    with pytest.raises(RuntimeError, match=r"cannot downgrade below 0003: 1 entity version\(s\)"):
        alembic(engine, "downgrade", BEFORE)
    assert version(engine) == HEAD
    assert len(sequences(engine)) == 4
