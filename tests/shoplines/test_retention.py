"""Retention: resolved quarantined payloads, persisted results and archive copies go after their time; open
quarantine rows, recent files and everything in dry-run stay. Against real sshd and the SFTP sandbox."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shoplines.retention import purge
from shoplines.state.records import QuarantineRow
from shoplines.state.store import StateStore
from tests.state.factories import LINE, SHOP, start
from tests.support.sftp_targets import SftpTarget, sftp_sandbox, sshd_server, target

__all__ = ["sftp_sandbox", "sshd_server", "target"]
DAYS_90 = timedelta(days=90)


def aged(path: Path, days: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"order data")
    stamp = (datetime.now(UTC) - timedelta(days=days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_purge_removes_only_what_is_past_its_retention(
    target: SftpTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "results"
    monkeypatch.setenv("PREFECT_RESULTS_LOCAL_STORAGE_PATH", str(results))
    old_result, new_result = aged(results / "a", 5), aged(results / "b", 0)
    old_copy, new_copy = (
        aged(target.local_dir / "ORD_old.csv", 120),
        aged(target.local_dir / "ORD_new.csv", 10),
    )
    old_answer = aged(target.local_dir / "answers" / "ACK_ORD_old.csv", 120)

    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        run_id = start(state)
        for subject in ("v2", "v3"):  # one decided (its addresses go), one pending (a person needs them)
            state.request_approval(
                SHOP, line=LINE, kind="address-change", entity_id="gid://shopify/Order/1", entity_name="#1",
                subject=subject, summary="moved", detail={"shopify_now": "1 Long St"},
            )  # fmt: skip
        decided = state.approvals(SHOP)[0]
        state.decide_approval(SHOP, decided.id, approve=True, by="Thandi", reason="ok")
        rows = [
            QuarantineRow(f"gid://shopify/Order/{n}", f"#{n}", "bad", {"email": "x@y.co.za"}) for n in (1, 2)
        ]
        state.quarantine_rows(SHOP, LINE, run_id, rows)
        [first, _] = state.open_quarantine(SHOP, LINE)
        state.resolve_quarantine(SHOP, first.id, "fixed")
        later = datetime.now(UTC) + DAYS_90 + timedelta(days=1)

        def run(dry_run: bool) -> str:
            report = purge(state, target.client, target.remote_dir, retention=DAYS_90,
                           results_retention=timedelta(days=2), dry_run=dry_run, now=later)  # fmt: skip
            return report.sentence()

        assert run(dry_run=True) == (
            "would purge 1 quarantined payload(s), 2 persisted result file(s), 3 archived file(s), "
            "1 decided approval(s)' addresses"
        )
        assert old_result.exists()
        assert old_copy.exists()
        # `later` is 91 days on: both result files and both copies are old by then
        assert run(dry_run=False) == (
            "purged 1 quarantined payload(s), 2 persisted result file(s), 3 archived file(s), "
            "1 decided approval(s)' addresses"
        )
        assert not old_answer.exists()
        assert [a.detail for a in state.approvals(SHOP, status=None)] == [{}, {"shopify_now": "1 Long St"}]
        assert not old_result.exists()
        assert not new_result.exists()
        assert not old_copy.exists()
        assert not new_copy.exists()
        [kept] = state.open_quarantine(SHOP, LINE)
        assert kept.payload == {"email": "x@y.co.za"}  # still open: a person needs it
        assert "email" not in state.quarantined(SHOP, first.id).payload
        assert run(dry_run=False).startswith("purged 0 quarantined payload(s)")


def test_recent_things_stay(target: SftpTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "results"
    monkeypatch.setenv("PREFECT_RESULTS_LOCAL_STORAGE_PATH", str(results))
    old_result, new_result = aged(results / "x" / "a", 5), aged(results / "b", 0)
    old_copy, new_copy = (
        aged(target.local_dir / "ORD_old.csv", 120),
        aged(target.local_dir / "ORD_new.csv", 10),
    )
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        report = purge(state, target.client, target.remote_dir, retention=DAYS_90,
                       results_retention=timedelta(days=2))  # fmt: skip
    assert (report.result_files, report.archive_files) == (1, 1)
    assert (old_result.exists(), new_result.exists(), old_copy.exists(), new_copy.exists()) == (
        False, True, False, True,
    )  # fmt: skip
