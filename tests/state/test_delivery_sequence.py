"""Delivery sequences: an order may go back to an earlier version, and each place in its history goes once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shoplines.state import intents
from shoplines.state.models import Delivery
from shoplines.state.records import EntityVersion
from shoplines.state.store import StateConflict, StateStore
from tests.state.conftest import StepClock
from tests.state.factories import DEST, LINE, SHOP, deliver, order, plan, start

ORDER_1 = "gid://shopify/Order/1"
A_B_A_B = [order(1, "A"), order(1, "B", "AMEND", 2), order(1, "A", "AMEND", 3), order(1, "B", "AMEND", 4)]


def history(store: StateStore) -> list[tuple[int, str, str, str]]:
    """Order 1's deliveries: (sequence, record type, file, status), in sequence order."""
    query = select(Delivery).where(Delivery.entity_id == ORDER_1).order_by(Delivery.sequence, Delivery.id)
    with Session(store.engine) as session:
        return [(d.sequence, d.record_type, d.file_name, d.status) for d in session.scalars(query)]


def test_an_order_changed_back_and_forth_is_delivered_at_each_change(store: StateStore) -> None:
    run_id = start(store)
    for n, version in enumerate(A_B_A_B, start=1):
        latest = store.delivered_versions(SHOP, LINE, DEST, [ORDER_1]).get(ORDER_1)
        assert version.sequence == (latest.sequence + 1 if latest else 1)  # what the planner takes
        file = plan(f"ORD-{n}.csv", version)
        deliver(store, run_id, file)
        store.record_file_intent(file, run_id)  # recording the same plan again changes nothing
    assert history(store) == [
        (1, "NEW", "ORD-1.csv", "delivered"),
        (2, "AMEND", "ORD-2.csv", "delivered"),
        (3, "AMEND", "ORD-3.csv", "delivered"),
        (4, "AMEND", "ORD-4.csv", "delivered"),
    ]
    latest = store.delivered_versions(SHOP, LINE, DEST, [ORDER_1])[ORDER_1]
    assert (latest.content_hash, latest.sequence, latest.file_name) == (
        A_B_A_B[3].content_hash,
        4,
        "ORD-4.csv",
    )
    assert len(store.files(SHOP, DEST, status="delivered")) == 4


@pytest.mark.parametrize(
    "late",
    [order(1, "B", "AMEND", 2), order(1, "C", "AMEND", 2), order(1, "A", "REPLACEMENT", 2), order(1, "A")],
    ids=["same-version", "other-version", "replacement", "forgotten-sequence"],
)
def test_a_place_in_an_order_history_is_delivered_once_whatever_goes_there(
    store: StateStore, late: EntityVersion
) -> None:
    run_id = start(store)
    deliver(store, run_id, plan("ORD-1.csv", A_B_A_B[0]))
    store.record_file_intent(plan("ORD-2.csv", A_B_A_B[1]), run_id)  # intent: not confirmed yet
    with pytest.raises(StateConflict, match=r"ORD-3\.csv: another file .* #1 in ORD-[12]\.csv"):
        store.record_file_intent(plan("ORD-3.csv", late), run_id)
    assert [f.file_name for f in store.files(SHOP, DEST)] == ["ORD-1.csv", "ORD-2.csv"]


def test_a_place_whose_file_never_arrived_is_planned_again(store: StateStore) -> None:
    run_id = start(store)
    deliver(store, run_id, plan("ORD-1.csv", A_B_A_B[0]))
    store.record_file_intent(plan("ORD-2.csv", A_B_A_B[1]), run_id)
    store.resolve_file(SHOP, DEST, "ORD-2.csv", outcome="not_delivered", resolved_by="t", note="lost")
    deliver(store, run_id, plan("ORD-3.csv", order(1, "C", "AMEND", 2)))  # changed again meanwhile
    assert history(store) == [
        (1, "NEW", "ORD-1.csv", "delivered"),
        (2, "AMEND", "ORD-2.csv", "abandoned"),
        (2, "AMEND", "ORD-3.csv", "delivered"),
    ]
    with pytest.raises(StateConflict, match="cannot be marked delivered"):  # the 3PL found ORD-2 after all
        store.resolve_file(SHOP, DEST, "ORD-2.csv", outcome="delivered", resolved_by="t", note="found")


@pytest.mark.parametrize(
    "ours", [A_B_A_B[1], order(1, "C", "AMEND", 2)], ids=["same-version", "other-version"]
)
def test_two_runs_planning_the_same_next_delivery_cannot_both_record_it(
    store: StateStore, clock: StepClock, ours: EntityVersion
) -> None:
    first, theirs, mine = start(store), start(store), start(store)
    deliver(store, first, plan("ORD-1.csv", A_B_A_B[0]))
    errors: list[Exception] = []

    def record() -> None:
        try:
            store.record_file_intent(plan("ORD-OURS.csv", ours), mine)
        except StateConflict as exc:
            errors.append(exc)

    with Session(store.engine) as other, other.begin():
        # another run is half-way through recording order 1's second delivery (not committed yet)
        intents.insert_intent(other, plan("ORD-THEIRS.csv", A_B_A_B[1]), theirs, clock())
        other.flush()
        writer = threading.Thread(target=record)
        writer.start()
        writer.join(timeout=0.5)
        assert writer.is_alive(), "our write should wait for theirs"
    writer.join(timeout=10)
    assert [f.file_name for f in store.files(SHOP, DEST)] == ["ORD-1.csv", "ORD-THEIRS.csv"]
    assert len(errors) == 1
    assert "#1 in ORD-THEIRS.csv (delivery 2)" in str(errors[0])
