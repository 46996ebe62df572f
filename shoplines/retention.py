"""Retention (POPIA): personal data we hold only as long as it is needed.

What holds personal data, and what `shoplines purge` does with it:
- quarantined payloads: emptied once resolved and older than the retention (the reason, ids and
  resolution stay, for the audit trail); open ones stay, a person still needs them;
- Prefect's persisted task results (order payloads, cached for a retry of the same run, one day): files
  older than `results_retention_days` are deleted;
- our archive copies of delivered files on the SFTP server: deleted after the retention.
The state database's journal and alerts hold masked text only and are kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from clients.sftp import SftpClient
from shoplines.state.store import StateStore


@dataclass(frozen=True)
class PurgeReport:
    quarantine_payloads: int
    result_files: int
    archive_files: int
    dry_run: bool
    approval_details: int = 0

    def sentence(self) -> str:
        verb = "would purge" if self.dry_run else "purged"
        return (
            f"{verb} {self.quarantine_payloads} quarantined payload(s), {self.result_files} persisted result "
            f"file(s), {self.archive_files} archived file(s), {self.approval_details} decided approval(s)' "
            "addresses"
        )


def results_folder() -> Path | None:
    """Where Prefect persists task results (PREFECT_RESULTS_LOCAL_STORAGE_PATH, else Prefect's default)."""
    configured = os.environ.get("PREFECT_RESULTS_LOCAL_STORAGE_PATH")
    if configured:
        return Path(configured)
    try:
        from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH

        return Path(str(PREFECT_RESULTS_LOCAL_STORAGE_PATH.value()))
    except Exception:  # Prefect's settings could not be read: nothing to purge there
        return None


def purge_results(folder: Path | None, older_than: datetime, *, dry_run: bool) -> int:
    """Delete persisted result files last written before `older_than`; how many."""
    if folder is None or not folder.is_dir():
        return 0
    count = 0
    for path in folder.rglob("*"):
        if path.is_file() and datetime.fromtimestamp(path.stat().st_mtime, UTC) < older_than:
            count += 1
            if not dry_run:
                path.unlink(missing_ok=True)
    return count


def purge_archive(connect: Callable[[], SftpClient], archive: str | None, older_than: datetime, *,
                  dry_run: bool) -> int:  # fmt: skip
    """Delete our archive copies last modified before `older_than`; how many."""
    if not archive:
        return 0
    purged = 0
    with connect() as sftp:
        answers = f"{archive.rstrip('/')}/answers"  # the 3PL's answers, archived by warehouse-feedback
        for folder in (archive, answers) if sftp.exists(answers) else (archive,):
            old = [name for name, at in sftp.modified(folder).items() if at < older_than]
            if not dry_run:
                for name in old:
                    sftp.remove(f"{folder.rstrip('/')}/{name}")
            purged += len(old)
    return purged


def purge(
    state: StateStore,
    connect: Callable[[], SftpClient] | None,
    archive: str | None,
    *,
    retention: timedelta,
    results_retention: timedelta,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PurgeReport:
    """Purge everything older than its retention; `dry_run` only counts."""
    now = now or datetime.now(UTC)
    payloads = state.purge_quarantine_payloads(now - retention, dry_run=dry_run)
    results = purge_results(results_folder(), now - results_retention, dry_run=dry_run)
    archived = purge_archive(connect, archive, now - retention, dry_run=dry_run) if connect else 0
    approvals = state.purge_approval_details(now - retention, dry_run=dry_run)
    return PurgeReport(payloads, results, archived, dry_run, approvals)
