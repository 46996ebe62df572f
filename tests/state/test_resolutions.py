"""Unconfirmed files: which are unresolved, a person's verdict, re-sending what was lost, the audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shoplines.state.models import Delivery
from shoplines.state.store import StateConflict, StateError, StateStore
from tests.state.conftest import StepClock
from tests.state.factories import DEST, LINE, OTHER_SHOP, SHOP, WINDOW, deliver, order, plan, start

ORDER_1 = "gid://shopify/Order/1"


def statuses(store: StateStore) -> list[tuple[str, str]]:
    query = select(Delivery.file_name, Delivery.status).where(Delivery.shop_id == SHOP)
    with store.engine.connect() as conn:
        return sorted((row.file_name, row.status) for row in conn.execute(query))


def crashed_upload(store: StateStore, name: str = "ORD-1.csv") -> str:
    """A run that recorded an intent and then failed before the confirmation."""
    run_id = start(store)
    store.record_file_intent(plan(name, order(1), order(2)), run_id)
    store.finish_run(run_id, "failed", {}, "connection reset")
    return run_id


def names(files: list) -> list[str]:
    return [f.file_name for f in files]


def test_unresolved_files_are_intents_no_live_run_is_uploading(store: StateStore, clock: StepClock) -> None:
    crashed_upload(store, "ORD-FAILED.csv")
    deliver(store, start(store), plan("ORD-DONE.csv", order(9)))
    live = start(store)
    store.record_file_intent(plan("ORD-LIVE.csv", order(3)), live)
    leased = start(store)
    store.acquire_lease(SHOP, LINE, *WINDOW, holder="worker-2", ttl=timedelta(hours=3), run_id=leased)
    store.record_file_intent(plan("ORD-LEASED.csv", order(4)), leased)
    assert names(store.unresolved_files(SHOP, DEST)) == ["ORD-FAILED.csv"]
    assert store.unresolved_files(SHOP, "accounting") == []
    assert store.unresolved_files(OTHER_SHOP, DEST) == []

    clock.now += timedelta(hours=2)  # the live run is now stale; the leased one still holds its lease
    assert names(store.unresolved_files(SHOP, DEST)) == ["ORD-FAILED.csv", "ORD-LIVE.csv"]
    assert names(store.unresolved_files(SHOP, DEST, stale_after=timedelta(hours=3))) == ["ORD-FAILED.csv"]
    clock.now += timedelta(hours=2)  # and its lease has lapsed
    assert names(store.unresolved_files(SHOP, DEST)) == ["ORD-FAILED.csv", "ORD-LIVE.csv", "ORD-LEASED.csv"]


def test_found_delivered_confirms_it(store: StateStore, clock: StepClock) -> None:
    run_id = crashed_upload(store)
    store.resolve_file(
        SHOP, DEST, "ORD-1.csv", outcome="delivered", resolved_by="thandi@shop", note="in the 3PL's archive",
        remote_path="inbound/ORD-1.csv",
    )  # fmt: skip
    [file] = store.files(SHOP, DEST)
    assert (file.status, file.remote_path, file.delivered_at) == ("delivered", "inbound/ORD-1.csv", clock.now)
    assert store.delivered_versions(SHOP, LINE, DEST, [ORDER_1])[ORDER_1].file_name == "ORD-1.csv"
    assert store.unresolved_files(SHOP, DEST) == []
    [audit] = store.file_resolutions(SHOP, DEST)
    assert (audit.file_name, audit.run_id, audit.outcome, audit.remote_path) == (
        "ORD-1.csv", run_id, "delivered", "inbound/ORD-1.csv",
    )  # fmt: skip
    assert (audit.resolved_by, audit.note, audit.resolved_at) == (
        "thandi@shop", "in the 3PL's archive", file.delivered_at,
    )  # fmt: skip

    # the same verdict again, or the flow's own confirmation, change nothing
    store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="delivered", resolved_by="thandi@shop", note="again")
    store.confirm_file(SHOP, DEST, "ORD-1.csv", "inbound/ORD-1.csv")
    assert len(store.file_resolutions(SHOP, DEST)) == 1
    with pytest.raises(StateConflict, match="cannot be marked not delivered"):
        store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="not_delivered", resolved_by="x", note="oops")
    with pytest.raises(StateConflict, match=r"confirmed at inbound/ORD-1\.csv, not elsewhere"):
        store.resolve_file(
            SHOP, DEST, "ORD-1.csv", outcome="delivered", resolved_by="x", note="", remote_path="elsewhere"
        )


def test_not_delivered_lets_the_next_run_send_the_same_file_again(store: StateStore) -> None:
    first_run = crashed_upload(store)
    store.resolve_file(
        SHOP, DEST, "ORD-1.csv", outcome="not_delivered", resolved_by="thandi@shop", note="3PL never saw it"
    )
    [file] = store.files(SHOP, DEST)
    assert (file.status, file.run_id) == ("abandoned", first_run)
    assert statuses(store) == [("ORD-1.csv", "abandoned")] * 2
    assert store.unresolved_files(SHOP, DEST) == []
    assert store.delivered_versions(SHOP, LINE, DEST, [ORDER_1]) == {}

    resend = start(store)
    store.record_file_intent(plan("ORD-1.csv", order(1), order(2)), resend)  # same name, same content
    [file] = store.files(SHOP, DEST, status="intent")
    assert (file.run_id, file.remote_path, file.delivered_at) == (resend, None, None)
    store.record_file_intent(plan("ORD-1.csv", order(1), order(2)), resend)  # still idempotent
    store.confirm_file(SHOP, DEST, "ORD-1.csv", "inbound/ORD-1.csv")
    assert statuses(store) == [("ORD-1.csv", "delivered")] * 2
    assert store.delivered_versions(SHOP, LINE, DEST, [ORDER_1])[ORDER_1].file_name == "ORD-1.csv"
    [audit] = store.file_resolutions(SHOP, DEST)
    assert (audit.outcome, audit.run_id, audit.remote_path) == ("not_delivered", first_run, None)


def test_other_content_under_an_abandoned_name_is_still_refused(store: StateStore) -> None:
    crashed_upload(store)
    store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="not_delivered", resolved_by="t", note="lost")
    with pytest.raises(StateConflict, match="already recorded for warehouse-sftp with other content"):
        store.record_file_intent(plan("ORD-1.csv", order(1)), start(store))
    assert [f.status for f in store.files(SHOP, DEST)] == ["abandoned"]


def test_abandoned_versions_may_go_out_in_another_file(store: StateStore) -> None:
    crashed_upload(store)
    store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="not_delivered", resolved_by="t", note="lost")
    run_id = start(store)
    deliver(store, run_id, plan("ORD-2.csv", order(1), order(2), order(3)))  # re-planned with a new order
    assert statuses(store)[:2] == [("ORD-1.csv", "abandoned")] * 2
    # now neither the old file's versions nor its name can come back to life
    with pytest.raises(StateConflict, match=r"#1 in ORD-2\.csv"):
        store.record_file_intent(plan("ORD-1.csv", order(1), order(2)), run_id)
    with pytest.raises(StateConflict, match="recorded again in another file"):
        store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="delivered", resolved_by="t", note="found it")
    assert [f.status for f in store.files(SHOP, DEST)] == ["abandoned", "delivered"]
    assert len(store.file_resolutions(SHOP, DEST)) == 1


def test_a_file_marked_not_delivered_can_be_found_delivered_before_a_resend(store: StateStore) -> None:
    crashed_upload(store)
    store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="not_delivered", resolved_by="t", note="lost")
    store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="not_delivered", resolved_by="t", note="twice")
    store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="delivered", resolved_by="t", note="it was there")
    assert [f.status for f in store.files(SHOP, DEST)] == ["delivered"]
    assert statuses(store) == [("ORD-1.csv", "delivered")] * 2
    assert [r.outcome for r in store.file_resolutions(SHOP, DEST)] == ["not_delivered", "delivered"]


def test_bad_verdicts_are_refused(store: StateStore) -> None:
    crashed_upload(store)
    with pytest.raises(ValueError, match="one of"):
        store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="lost", resolved_by="t", note="")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="who resolved"):
        store.resolve_file(SHOP, DEST, "ORD-1.csv", outcome="delivered", resolved_by=" ", note="")
    with pytest.raises(StateError, match=r"no file ORD-404\.csv"):
        store.resolve_file(SHOP, DEST, "ORD-404.csv", outcome="delivered", resolved_by="t", note="")
    assert [f.status for f in store.files(SHOP, DEST)] == ["intent"]
    assert store.file_resolutions(SHOP, DEST) == []


def test_stale_runs_are_marked_abandoned(store: StateStore, clock: StepClock) -> None:
    crashed, leased, done = start(store), start(store), start(store)
    store.acquire_lease(SHOP, LINE, *WINDOW, holder="worker", ttl=timedelta(hours=5), run_id=leased)
    store.finish_run(done, "completed", {})
    clock.now += timedelta(hours=2)
    fresh = start(store)
    assert store.mark_stale_runs(timedelta(hours=1)) == [crashed]
    marked_at = clock.now
    assert store.mark_stale_runs(timedelta(hours=1)) == []
    [abandoned] = store.runs(SHOP, LINE, status="abandoned")
    assert (abandoned.run_id, abandoned.finished_at) == (crashed, marked_at)
    assert "without a live lease" in (abandoned.message or "")
    assert {r.run_id for r in store.runs(SHOP, LINE, status="running")} == {leased, fresh}
    assert [r.run_id for r in store.runs(SHOP, LINE, status="completed")] == [done]
