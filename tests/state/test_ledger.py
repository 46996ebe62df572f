"""The delivery ledger: intent → confirm, latest delivered versions, idempotency, the delivery key, shops."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shoplines.state import intents
from shoplines.state.models import Delivery
from shoplines.state.store import StateConflict, StateError, StateStore
from tests.state.conftest import StepClock
from tests.state.factories import DEST, LINE, OTHER_SHOP, SHOP, deliver, order, plan, start


def delivery_rows(store: StateStore, shop: str = SHOP) -> list[tuple[str, str, str]]:
    query = select(Delivery.entity_id, Delivery.file_name, Delivery.status).where(Delivery.shop_id == shop)
    with store.engine.connect() as conn:
        return sorted((row.entity_id, row.file_name, row.status) for row in conn.execute(query))


def test_intent_then_confirm(store: StateStore, clock: StepClock) -> None:
    run_id = start(store)
    file = plan("ORD-0001.csv", order(1001), order(1002))
    store.record_file_intent(file, run_id)

    [intent] = store.files(SHOP, DEST)
    assert (intent.status, intent.remote_path, intent.delivered_at, intent.run_id) == (
        "intent",
        None,
        None,
        run_id,
    )
    assert (intent.sha256, intent.size, intent.row_count, intent.batch_id) == (
        file.sha256,
        file.size,
        2,
        "ORD-0001",
    )
    assert store.files(SHOP, DEST, status="delivered") == []
    assert store.delivered_versions(SHOP, LINE, DEST, ["gid://shopify/Order/1001"]) == {}
    assert {status for _, _, status in delivery_rows(store)} == {"intent"}

    store.confirm_file(SHOP, DEST, "ORD-0001.csv", "inbound/ORD-0001.csv")
    [done] = store.files(SHOP, DEST, status="delivered")
    assert done.remote_path == "inbound/ORD-0001.csv"
    assert done.delivered_at == clock.now
    assert {status for _, _, status in delivery_rows(store)} == {"delivered"}
    assert store.files(SHOP, DEST, status="intent") == []


def test_confirm_is_idempotent_but_refuses_another_path_or_an_unknown_file(store: StateStore) -> None:
    deliver(store, start(store), plan("ORD-0001.csv", order(1001)))
    [before] = store.files(SHOP, DEST)
    store.confirm_file(SHOP, DEST, "ORD-0001.csv", "inbound/ORD-0001.csv")
    assert store.files(SHOP, DEST) == [before]
    with pytest.raises(StateConflict, match=r"confirmed at inbound/ORD-0001\.csv"):
        store.confirm_file(SHOP, DEST, "ORD-0001.csv", "elsewhere/ORD-0001.csv")
    with pytest.raises(StateError, match=r"no intent recorded for ORD-0404\.csv"):
        store.confirm_file(SHOP, DEST, "ORD-0404.csv", "inbound/ORD-0404.csv")


def test_latest_delivered_version_per_entity(store: StateStore) -> None:
    run_id = start(store)
    deliver(store, run_id, plan("ORD-1.csv", order(1), order(2)))
    deliver(store, run_id, plan("ORD-2.csv", order(1, "v2", "AMEND", 2)))
    store.record_file_intent(
        plan("ORD-3.csv", order(1, "v2", "CANCEL", 3), order(3)), run_id
    )  # never confirmed

    latest = store.delivered_versions(
        SHOP, LINE, DEST, iter(["gid://shopify/Order/1", "gid://shopify/Order/2"] * 2)
    )
    assert set(latest) == {"gid://shopify/Order/1", "gid://shopify/Order/2"}
    amend = latest["gid://shopify/Order/1"]
    assert (amend.content_hash, amend.record_type, amend.sequence, amend.file_name) == (
        order(1, "v2").content_hash,
        "AMEND",
        2,
        "ORD-2.csv",
    )
    assert (latest["gid://shopify/Order/2"].file_name, latest["gid://shopify/Order/2"].sequence) == (
        "ORD-1.csv",
        1,
    )
    assert latest["gid://shopify/Order/2"].delivered_at < amend.delivered_at
    assert (
        store.delivered_versions(SHOP, LINE, DEST, ["gid://shopify/Order/3", "gid://shopify/Order/9"]) == {}
    )
    assert store.delivered_versions(SHOP, LINE, "accounting", ["gid://shopify/Order/1"]) == {}
    assert store.delivered_versions(SHOP, LINE, DEST, []) == {}


def test_many_entities_in_one_file(store: StateStore) -> None:
    entities = [order(n) for n in range(1, 1201)]  # more than one IN-list chunk
    deliver(store, start(store), plan("ORD-BIG.csv", *entities))
    latest = store.delivered_versions(SHOP, LINE, DEST, [e.entity_id for e in entities])
    assert len(latest) == 1200
    assert {v.file_name for v in latest.values()} == {"ORD-BIG.csv"}


def test_the_same_plan_twice_is_a_no_op(store: StateStore) -> None:
    first_run, retry_run = start(store), start(store)
    file = plan("ORD-1.csv", order(1), order(2))
    store.record_file_intent(file, first_run)
    store.record_file_intent(file, retry_run)
    [recorded] = store.files(SHOP, DEST)
    assert recorded.run_id == first_run
    assert len(delivery_rows(store)) == 2

    store.confirm_file(SHOP, DEST, "ORD-1.csv", "inbound/ORD-1.csv")
    store.record_file_intent(file, retry_run)  # after delivery, too
    assert [f.status for f in store.files(SHOP, DEST)] == ["delivered"]


@pytest.mark.parametrize(
    "changed",
    [
        plan("ORD-1.csv", order(1), order(2), body="other bytes"),
        plan("ORD-1.csv", order(1)),
        plan("ORD-1.csv", order(1), order(2, "v2", "AMEND")),
    ],
    ids=["other-checksum", "fewer-entities", "other-version"],
)
def test_a_different_plan_under_a_recorded_name_is_refused(store: StateStore, changed) -> None:
    run_id = start(store)
    store.record_file_intent(plan("ORD-1.csv", order(1), order(2)), run_id)
    with pytest.raises(StateConflict, match=r"ORD-1\.csv"):
        store.record_file_intent(changed, run_id)
    [recorded] = store.files(SHOP, DEST)
    assert recorded.sha256 == plan("ORD-1.csv", order(1), order(2)).sha256
    assert len(delivery_rows(store)) == 2


def test_an_entity_version_is_recorded_once_per_destination(store: StateStore) -> None:
    run_id = start(store)
    deliver(store, run_id, plan("ORD-1.csv", order(1), order(2)))
    with pytest.raises(StateConflict, match=r"#2 in ORD-1\.csv"):
        store.record_file_intent(plan("ORD-2.csv", order(2), order(3)), run_id)
    # one transaction: neither the file nor its other deliveries were written
    assert [f.file_name for f in store.files(SHOP, DEST)] == ["ORD-1.csv"]
    assert [row[0] for row in delivery_rows(store)] == ["gid://shopify/Order/1", "gid://shopify/Order/2"]
    # the order's next delivery is a new one
    store.record_file_intent(plan("ORD-2.csv", order(2, "v2", "AMEND", 2), order(3)), run_id)
    assert len(store.files(SHOP, DEST)) == 2


def test_the_delivery_key_is_enforced_by_the_database(store: StateStore, clock: StepClock) -> None:
    deliver(store, start(store), plan("ORD-1.csv", order(1)))
    dup = order(1)
    row = {
        "shop_id": SHOP, "line": LINE, "destination": DEST, "entity_id": dup.entity_id,
        "entity_name": dup.entity_name, "content_hash": dup.content_hash, "record_type": "NEW",
        "sequence": 1, "file_name": "ORD-1.csv", "status": "intent", "created_at": clock(),
    }  # fmt: skip
    refused = [
        row,
        row | {"content_hash": "x", "record_type": "AMEND"},  # another version at the same place
        row | {"sequence": 2, "file_name": "ORD-404.csv"},  # foreign key to files
        row | {"sequence": 0},
        {k: v for k, v in row.items() if k != "sequence"},
    ]
    for refused_row in refused:
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(Delivery), [refused_row])
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Delivery)) == 1


def test_a_plan_listing_a_version_twice_or_an_unknown_run_is_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="more than once"):
        store.record_file_intent(plan("ORD-1.csv", order(1), order(1)), start(store))
    with pytest.raises(ValueError, match="unknown record types"):
        store.record_file_intent(plan("ORD-1.csv", order(1, record_type="UPDATE")), start(store))  # type: ignore[arg-type]
    with pytest.raises(StateError, match="unknown run"):
        store.record_file_intent(plan("ORD-1.csv", order(1)), "no-such-run")
    assert store.files(SHOP, DEST) == []


def test_shops_are_isolated(store: StateStore) -> None:
    ours, theirs = start(store, SHOP), start(store, OTHER_SHOP)
    deliver(store, ours, plan("ORD-1.csv", order(1001)))
    # the very same file name and entity version, in another shop: no clash
    store.record_file_intent(plan("ORD-1.csv", order(1001), shop=OTHER_SHOP), theirs)

    assert [(f.shop_id, f.status) for f in store.files(SHOP, DEST)] == [(SHOP, "delivered")]
    assert [(f.shop_id, f.status) for f in store.files(OTHER_SHOP, DEST)] == [(OTHER_SHOP, "intent")]
    assert store.delivered_versions(OTHER_SHOP, LINE, DEST, ["gid://shopify/Order/1001"]) == {}

    store.confirm_file(OTHER_SHOP, DEST, "ORD-1.csv", "inbound/ORD-1.csv")
    mine = store.delivered_versions(SHOP, LINE, DEST, ["gid://shopify/Order/1001"])[
        "gid://shopify/Order/1001"
    ]
    their = store.delivered_versions(OTHER_SHOP, LINE, DEST, ["gid://shopify/Order/1001"])[
        "gid://shopify/Order/1001"
    ]
    assert mine.content_hash == their.content_hash
    assert mine.delivered_at < their.delivered_at
    assert [r.run_id for r in store.runs(OTHER_SHOP, LINE)] == [theirs]
    assert [r.run_id for r in store.runs(SHOP, LINE)] == [ours]


@pytest.mark.parametrize("same_plan", [True, False], ids=["same-plan", "other-plan"])
def test_a_concurrent_writer_of_the_same_file(store: StateStore, clock: StepClock, same_plan: bool) -> None:
    ours, theirs = start(store), start(store)
    file = plan("ORD-1.csv", order(1), order(2))
    errors: list[Exception] = []

    def record() -> None:
        try:
            store.record_file_intent(file, ours)
        except StateConflict as exc:
            errors.append(exc)

    with Session(store.engine) as other, other.begin():
        # another worker is half-way through recording this file name (not committed yet)
        intents.insert_intent(other, file if same_plan else plan("ORD-1.csv", order(1)), theirs, clock())
        other.flush()
        writer = threading.Thread(target=record)
        writer.start()
        writer.join(timeout=0.5)
        assert writer.is_alive(), "our write should wait for theirs"
    writer.join(timeout=10)
    assert [f.run_id for f in store.files(SHOP, DEST)] == [theirs]
    assert [str(e) for e in errors] == (
        [] if same_plan else ["ORD-1.csv is already recorded for warehouse-sftp with other content"]
    )
