"""Alerts remembered per problem (announced once, resolved once) and the journal behind `trace`."""

from __future__ import annotations

import pytest

from shoplines.state.records import JournalRow, QuarantineRow
from shoplines.state.store import StateError, StateStore
from tests.state.factories import LINE, OTHER_SHOP, SHOP, deliver, order, plan, start

CONTENT = {"title": "t", "what": "w", "next_step": "n", "counts": {"x": 1}, "window": None, "link": None}


def test_an_open_problem_is_one_row_however_often_it_is_reported(store: StateStore) -> None:
    first, opened, _ = store.open_alert(SHOP, LINE, "quarantine", kind="problem", **CONTENT)
    assert opened
    assert (first.status, first.occurrences, first.notified_at) == ("open", 1, None)
    again, opened, grew = store.open_alert(
        SHOP, LINE, "quarantine", kind="problem", **CONTENT | {"what": "w2"}
    )
    assert not opened
    assert (again.id, again.occurrences, again.what, grew) == (first.id, 2, "w2", False)
    _, _, grew = store.open_alert(SHOP, LINE, "quarantine", kind="problem", **CONTENT | {"counts": {"x": 3}})
    assert grew  # worse than people were told: announced again
    other, opened, _ = store.open_alert(OTHER_SHOP, LINE, "quarantine", kind="problem", **CONTENT)
    assert opened  # shops are independent
    assert other.id != first.id
    with pytest.raises(ValueError, match="an alert is one of"):
        store.open_alert(SHOP, LINE, "x", kind="shout", **CONTENT)


def test_announcements_owed_until_a_channel_takes_them_and_resolution_owed_once(store: StateStore) -> None:
    alert, _, _ = store.open_alert(SHOP, LINE, "run-failed", kind="problem", **CONTENT)
    assert [a.key for a in store.pending_alerts(SHOP, LINE)] == ["run-failed"]
    store.alert_announced(alert.id, kind="problem", ok=False, error="slack: HTTP 500")
    [owed] = store.pending_alerts(SHOP, LINE)
    assert (owed.failed_attempts, owed.last_error) == (1, "slack: HTTP 500")
    store.alert_announced(alert.id, kind="problem", ok=True, error=None)
    assert store.pending_alerts(SHOP, LINE) == []

    [resolved] = store.resolve_alerts(SHOP, LINE, ["run-failed", "not-open"])
    assert resolved.status == "resolved"
    assert [a.key for a in store.pending_alerts(SHOP, LINE)] == ["run-failed"]  # its resolution is owed
    store.alert_announced(alert.id, kind="resolved", ok=True, error=None)
    assert store.pending_alerts(SHOP, LINE) == []
    assert store.resolve_alerts(SHOP, LINE, ["run-failed"]) == []  # nothing open any more
    reopened, opened, _ = store.open_alert(SHOP, LINE, "run-failed", kind="problem", **CONTENT)
    assert opened
    assert reopened.id != alert.id  # a new occurrence is a new problem, announced again


def test_a_problem_nobody_was_told_of_is_resolved_without_a_word(store: StateStore) -> None:
    store.open_alert(SHOP, LINE, "held:gid://shopify/Order/1", kind="problem", **CONTENT)
    store.open_alert(SHOP, LINE, "held:gid://shopify/Order/2", kind="problem", **CONTENT)
    store.open_alert(SHOP, LINE, "quarantine", kind="problem", **CONTENT)
    closed = store.resolve_alerts(SHOP, LINE, [], prefix="held:")
    assert sorted(a.key for a in closed) == ["held:gid://shopify/Order/1", "held:gid://shopify/Order/2"]
    assert [a.key for a in store.pending_alerts(SHOP, LINE)] == ["quarantine"]
    assert [a.key for a in store.alerts(SHOP)] == ["quarantine"]
    assert len(store.alerts(SHOP, status=None)) == 3


def test_the_journal_skips_repeats_and_trace_tells_the_story_from_every_table(store: StateStore) -> None:
    run_id = start(store)
    seen = JournalRow("gid://shopify/Order/1001", "#1001", "skipped", "not for the warehouse: on hold")
    assert store.journal(SHOP, LINE, run_id, [seen]) == 1
    assert store.journal(SHOP, LINE, run_id, [seen]) == 0  # the next run says the same: no new entry
    mapped = JournalRow(
        "gid://shopify/Order/1001", "#1001", "mapped", "mapped to NEW in ORD-1.csv, lines 2-3"
    )
    assert store.journal(SHOP, LINE, run_id, [mapped]) == 1
    deliver(store, run_id, plan("ORD-1.csv", order(1001)))
    store.quarantine_rows(
        SHOP, LINE, run_id, [QuarantineRow("gid://shopify/Order/1001", "#1001", "bad sku", {})]
    )

    for needle in ("#1001", "1001", "gid://shopify/Order/1001"):
        steps = store.trace(SHOP, needle)
        assert [s.stage for s in steps] == ["skipped", "mapped", "intent", "delivered", "quarantined"], needle
    steps = store.trace(SHOP, "#1001")
    assert steps[3].summary == "the 3PL has it: inbound/ORD-1.csv"
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert store.trace(SHOP, "#1002") == []
    assert store.trace(OTHER_SHOP, "#1001") == []


def test_quarantine_keeps_one_row_per_order_and_reason_and_closes_it_when_the_order_passes(
    store: StateStore,
) -> None:
    run_id = start(store)
    bad = QuarantineRow("gid://shopify/Order/7", "#7", "sku: failed not_nullable", {"v": 1})
    store.quarantine_rows(SHOP, LINE, run_id, [bad])
    store.quarantine_rows(SHOP, LINE, run_id, [QuarantineRow(bad.entity_id, "#7", bad.reason, {"v": 2})])
    [waiting] = store.open_quarantine(SHOP, LINE)
    assert waiting.payload == {"v": 2}  # the newest copy is kept, the row is not repeated
    store.quarantine_rows(SHOP, LINE, run_id, [QuarantineRow(bad.entity_id, "#7", "another reason", {})])
    assert len(store.open_quarantine(SHOP, LINE)) == 2
    closed = store.resolve_passed_quarantine(
        SHOP, LINE, ["gid://shopify/Order/7", "gid://shopify/Order/8"], run_id
    )
    assert {c.resolution for c in closed} == {f"passed every check in run {run_id}"}
    assert store.open_quarantine(SHOP, LINE) == []
    assert store.quarantined(SHOP, waiting.id).resolved_at is not None
    with pytest.raises(StateError, match="no quarantined record"):
        store.quarantined(OTHER_SHOP, waiting.id)


def test_a_record_without_an_id_is_kept_once_per_reason_and_payload(store: StateStore) -> None:
    run_id = start(store)
    nameless = QuarantineRow(None, None, "id None is not a Shopify order gid", {"name": "#x"})
    store.quarantine_rows(SHOP, LINE, run_id, [nameless])
    store.quarantine_rows(SHOP, LINE, run_id, [nameless])
    store.quarantine_rows(SHOP, LINE, run_id, [QuarantineRow(None, None, nameless.reason, {"name": "#y"})])
    assert sorted(r.payload["name"] for r in store.open_quarantine(SHOP, LINE)) == ["#x", "#y"]
