"""The 3PL's answers in the ledger (sent → acknowledged/rejected, shipped lines), each file applied once, and
approvals (one decision per subject, decided once) — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shoplines.lines import contract
from shoplines.state.records import AnswerRow, ShipmentRow, StateError
from shoplines.state.store import StateStore
from tests.state.factories import DEST, LINE, SHOP, deliver, order, plan, start

SHIPPED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def ack(file: str, number: int, record_type: str = "NEW", status: str = "ACCEPTED") -> AnswerRow:
    return AnswerRow(file, f"#{number}", record_type, status)


def apply(
    store: StateStore, run_id: str, name: str, sha: str, *rows: AnswerRow, ships: tuple[ShipmentRow, ...] = ()
):
    kind = "SHIP" if ships else "ACK"
    return store.apply_answer_file(
        SHOP, DEST, run_id, file_name=name, sha256=sha, size=10, kind=kind, rows=rows, shipments=ships
    )


@pytest.fixture
def sent(store: StateStore) -> str:
    run_id = start(store)
    deliver(store, run_id, plan("ORD_1.csv", order(1), order(2)))
    deliver(store, run_id, plan("ORD_2.csv", order(3)))
    return run_id


def test_an_answer_moves_its_delivery_once_and_the_same_file_again_changes_nothing(
    store: StateStore, sent: str
) -> None:
    first = apply(store, sent, "ACK_ORD_1.csv", "a" * 64, ack("ORD_1.csv", 1), ack("ORD_1.csv", 2))
    assert [(name, row.answer) for _, name, row in first.matched] == [("#1", "ACCEPTED"), ("#2", "ACCEPTED")]
    assert not first.refused
    again = apply(store, sent, "ACK_ORD_1.csv", "a" * 64, ack("ORD_1.csv", 1), ack("ORD_1.csv", 2))
    assert again.already
    assert not again.matched
    latest = store.delivered_versions(SHOP, LINE, DEST, ["gid://shopify/Order/1", "gid://shopify/Order/3"])
    assert latest["gid://shopify/Order/1"].answer == "ACCEPTED"
    assert latest["gid://shopify/Order/3"].answer is None
    waiting = store.awaiting_answers(SHOP, DEST, LINE)
    assert [(w.file_name, w.orders) for w in waiting] == [("ORD_2.csv", ["#3"])]


def test_answers_outside_the_contract_are_refused_and_change_nothing(store: StateStore, sent: str) -> None:
    apply(store, sent, "ACK_ORD_1.csv", "a" * 64, ack("ORD_1.csv", 1))
    result = apply(
        store, sent, "ERR_ORD_1.csv", "b" * 64,
        AnswerRow("ORD_1.csv", "#1", "", "REJECTED", "too late"),  # contradicts the ACK
        ack("ORD_9.csv", 9),  # a file we never sent
        ack("ORD_1.csv", 3),  # an order that file did not carry
        ack("ORD_1.csv", 2, record_type="CANCEL"),  # not the record type we sent
    )  # fmt: skip
    reasons = [why for _, why in result.refused]
    assert len(reasons) == 4
    assert "already answered ACCEPTED" in reasons[0]
    assert "never delivered" in reasons[1]
    assert "did not carry" in reasons[2]
    assert "we sent NEW" in reasons[3]
    latest = store.delivered_versions(SHOP, LINE, DEST, ["gid://shopify/Order/1", "gid://shopify/Order/2"])
    assert (latest["gid://shopify/Order/1"].answer, latest["gid://shopify/Order/2"].answer) == (
        "ACCEPTED",
        None,
    )


def test_a_whole_file_rejection_rejects_every_order_in_it(store: StateStore, sent: str) -> None:
    result = apply(
        store, sent, "ERR_ORD_1.csv", "c" * 64, AnswerRow("ORD_1.csv", "", "", "REJECTED", "MALFORMED")
    )
    assert sorted(name for _, name, _ in result.matched) == ["#1", "#2"]
    latest = store.delivered_versions(SHOP, LINE, DEST, ["gid://shopify/Order/2"])
    assert latest["gid://shopify/Order/2"].answer == "REJECTED"


def test_shipments_attach_to_their_order_and_one_after_a_cancel_is_stored_and_refused(
    store: StateStore, sent: str
) -> None:
    deliver(store, sent, plan("ORD_3.csv", order(2, "v1", "CANCEL", sequence=2)))
    ships = (
        ShipmentRow(2, "#1", "MUG", 2, "Aramex", "ARX1", SHIPPED),
        ShipmentRow(3, "#2", "MUG", 1, "Aramex", "ARX2", SHIPPED),
        ShipmentRow(4, "#77", "MUG", 1, "Aramex", "ARX3", SHIPPED),
    )
    result = apply(store, sent, "SHIP_000001.csv", "d" * 64, ships=ships)
    assert [(s.entity_name, s.quantity) for s in result.shipments] == [("#1", 2), ("#2", 1)]
    assert [why for _, why in result.refused] == [
        "order #2 shipped although it was cancelled",
        "a shipment for order #77, which we never sent",
    ]
    assert [s.tracking_number for s in store.unfulfilled_shipments(SHOP, DEST)] == ["ARX1", "ARX2"]
    store.shipments_fulfilled([result.shipments[0].id], "gid://shopify/Fulfillment/1")
    assert [s.tracking_number for s in store.unfulfilled_shipments(SHOP, DEST)] == ["ARX2"]


def test_a_quarantined_file_is_recorded_once_and_applied_when_it_can_be_read(
    store: StateStore, sent: str
) -> None:
    record, first = store.quarantine_answer_file(SHOP, DEST, sent, file_name="X.csv", sha256="e" * 64, size=3,
                                                 reason="missing columns")  # fmt: skip
    assert first
    assert record.status == "quarantined"
    _, first = store.quarantine_answer_file(SHOP, DEST, sent, file_name="X.csv", sha256="e" * 64, size=3,
                                            reason="missing columns")  # fmt: skip
    assert not first
    assert [f.file_name for f in store.quarantined_answer_files(SHOP, DEST)] == ["X.csv"]
    applied = apply(store, sent, "X.csv", "e" * 64, ack("ORD_2.csv", 3))
    assert not applied.already
    assert applied.file.status == "applied"
    assert store.quarantined_answer_files(SHOP, DEST) == []


def test_the_contract_states_match_what_the_ledger_allows() -> None:
    states = contract("warehouse-feedback").states
    assert states == {
        "sent": ["acknowledged", "rejected", "dispatched"],
        "acknowledged": ["dispatched"],
        "rejected": [],
        "dispatched": ["dispatched"],
    }


def test_an_approval_is_asked_once_decided_once_and_withdrawn_when_the_subject_changes(
    store: StateStore,
) -> None:
    def ask(subject: str):
        return store.request_approval(
            SHOP, line=LINE, kind="address-change", entity_id="gid://shopify/Order/1", entity_name="#1",
            subject=subject, summary="address changed", detail={"shopify_now": "1 Long St"},
        )  # fmt: skip

    first, created = ask("v2")
    assert created
    again, created = ask("v2")
    assert (again.id, created) == (first.id, False)
    with pytest.raises(StateError, match="name of the person"):
        store.decide_approval(SHOP, first.id, approve=True, by=" ", reason="ok")
    decided = store.decide_approval(SHOP, first.id, approve=False, by="Thandi", reason="parcel left")
    assert (decided.status, decided.decided_by) == ("rejected", "Thandi")
    with pytest.raises(StateError, match="rejected already"):
        store.decide_approval(SHOP, first.id, approve=True, by="Sipho", reason="changed my mind")
    with pytest.raises(StateError, match="no approval 999"):
        store.decide_approval(SHOP, 999, approve=True, by="Sipho", reason="x")

    newer, _ = ask("v3")
    store.withdraw_approvals([newer.id], "the order changed again")
    assert store.approvals(SHOP) == []
    revived, created = ask("v3")
    assert (revived.id, revived.status, created) == (newer.id, "pending", True)
    assert [a.subject for a in store.approvals(SHOP, status=None)] == ["v2", "v3"]


def test_an_order_stays_acknowledged_when_a_later_version_is_not_answered_yet(
    store: StateStore, sent: str
) -> None:
    apply(store, sent, "ACK_ORD_1.csv", "a" * 64, ack("ORD_1.csv", 1))
    deliver(store, sent, plan("ORD_4.csv", order(1, "v2", "AMEND", sequence=2)))  # sent, no answer yet
    ids = ["gid://shopify/Order/1", "gid://shopify/Order/2"]
    assert store.delivered_versions(SHOP, LINE, DEST, ids)["gid://shopify/Order/1"].answer is None
    assert store.acknowledged(SHOP, LINE, DEST, ids) == {"gid://shopify/Order/1"}
