"""Daily retention (POPIA): purge personal data past its time. Wiring only (see shoplines.retention)."""

from __future__ import annotations

from datetime import timedelta

from prefect import flow

from shoplines.retention import purge
from shoplines.settings import load_settings
from shoplines.wiring import open_state, run_logger, sftp_factory


@flow(name="purge")
def purge_expired(dry_run: bool = False) -> str:
    """Empty resolved quarantined payloads and delete archive copies after SHOPLINES_RETENTION_DAYS, and
    Prefect's persisted results after SHOPLINES_RESULTS_RETENTION_DAYS."""
    settings = load_settings()
    connect = sftp_factory(settings) if settings.sftp_host and settings.sftp_archive_dir else None
    with open_state(settings) as state:
        report = purge(
            state,
            connect,
            settings.sftp_archive_dir,
            retention=timedelta(days=settings.retention_days),
            results_retention=timedelta(days=settings.results_retention_days),
            dry_run=dry_run,
        )
    run_logger().info("%s", report.sentence())
    return report.sentence()
