"""One month-end run: build the month from Shopify, then decide by the fingerprint. The same data as the
issued pack is the same pack (delivered again only where it has not been); other data for an issued month
is not issued unless `revise` asks for a new revision (r2, with its changes); a new month becomes r1."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from clients.notify import Email
from clients.sftp import SftpClient
from clients.shopify import ShopifyClient
from clients.shopify_totals import ProcessedBefore
from clients.shopify_windows import OrderWindow
from shoplines.alerting import Problem
from shoplines.errors import DeliveryError
from shoplines.state.packs import PackRecord
from shoplines.state.store import StateStore
from tasks.pack_build import Built, Sources, build_sheets
from tasks.pack_check import ShopifyTotals, shopify_totals
from tasks.pack_deliver import PackFiles, deliver_email, deliver_sftp
from tasks.pack_issue import Draft, files_of, issue, render_and_check
from tasks.pack_manifest import Identity, changes, fingerprint
from tasks.pack_period import Period
from tasks.pack_read import Shop
from tasks.pack_state import books, latest
from tasks.pack_totals import summary_rows

OPEN_END = datetime(2100, 1, 1, tzinfo=UTC)  # "changed since the month began", up to whenever we read
Outcome = Literal["delivered", "issued", "unchanged", "closed"]


@dataclass(frozen=True)
class Targets:
    """Where packs go: finance's SFTP folder and/or finance's email."""

    sftp: Callable[[], SftpClient] | None = None
    sftp_dir: str | None = None
    email: Email | None = None


@dataclass(frozen=True)
class MonthEnd:
    """What a run did with a month, for people and the CLI."""

    month: str
    outcome: Outcome
    pack: str | None
    folder: str | None
    fingerprint: str
    control_totals: dict[str, str]
    delivered_to: list[str] = field(default_factory=list)
    changes: list[list[str]] = field(default_factory=list)


def sources(shopify: ShopifyClient, period: Period) -> Sources:
    changed = ProcessedBefore(period.start, OPEN_END, period.start)
    money = ProcessedBefore(period.start, OPEN_END, period.end)
    return Sources(
        shopify.iter_order_pages(OrderWindow(period.start, period.end)),
        shopify.iter_order_pages(changed, field="updated_at"),
        shopify.iter_money_order_pages(money, field="updated_at"),
    )


def check_read(shopify: ShopifyClient, period: Period, currency: str) -> ShopifyTotals:
    """Shopify's own totals for the month: a second read, by another query."""
    later = ProcessedBefore(period.start, OPEN_END, period.end)
    return shopify_totals(
        shopify.iter_order_totals(OrderWindow(period.start, period.end)),
        shopify.iter_order_totals(later, field="updated_at"),
        period,
        currency,
    )


@dataclass(frozen=True)
class Job:
    """Everything one month's run needs."""

    shopify: ShopifyClient
    state: StateStore
    shop: Shop
    who: Identity
    archive: Path
    targets: Targets
    revise: bool = False


def make_pack(job: Job) -> MonthEnd:
    """Build, decide, issue, deliver; the working folder is removed whatever happens."""
    work = job.archive / ".work" / job.who.run_id
    work.mkdir(parents=True)
    try:
        built = build_sheets(
            sources(job.shopify, job.shop.period),
            job.shop,
            books(job.state, job.who.shop, job.shop.period),
            work,
        )
        return _decide(job, built)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _changes(job: Job, previous: PackRecord | None, built: Built) -> list[list[str]]:
    if previous is None:
        return []
    before = job.state.pack_figures(previous.id)
    return changes(previous.manifest, summary_rows(built.totals), before, built.folder)


def _decide(job: Job, built: Built) -> MonthEnd:
    """The same data is the issued pack; changed data of an issued month is closed unless revised."""
    period, found = job.shop.period, fingerprint(built.files)
    previous = latest(job.state, job.who.shop, period.label)
    if previous is not None and previous.fingerprint == found:
        names = sorted(previous.manifest.get("files", {}))
        files = files_of(job.archive / previous.name, previous.name, names)
        return deliver(job, previous, files, unchanged=True)
    listed = _changes(job, previous, built)
    if previous is not None and not job.revise:  # closed: the issued pack still goes where it has not gone
        names = sorted(previous.manifest.get("files", {}))
        sent = deliver(job, previous, files_of(job.archive / previous.name, previous.name, names))
        return dataclasses.replace(sent, outcome="closed", changes=listed)
    revision, replaces = (1, None) if previous is None else (previous.revision + 1, previous.name)
    draft = Draft(built, period, revision, replaces, listed)
    workbook = render_and_check(draft, job.who, found, check_read(job.shopify, period, job.shop.currency))
    record, files = issue(job.state, draft, job.who, workbook, job.archive)
    return deliver(job, record, files)


def deliver(job: Job, record: PackRecord, files: PackFiles, *, unchanged: bool = False) -> MonthEnd:
    """Send the pack wherever it has not gone yet; note each delivery."""
    done = list(record.delivered_to)
    wanted = []
    if job.targets.sftp is not None and job.targets.sftp_dir:
        wanted.append(f"sftp:{job.targets.sftp_dir.rstrip('/')}/{record.name}")
    if job.targets.email is not None:
        wanted.append("email")
    missing = [w for w in wanted if w not in done]
    if missing and not files.manifest.exists():
        raise DeliveryError(
            f"{record.name} is not delivered everywhere yet and its files are not in {files.folder}"
        )
    for target in missing:
        if target == "email" and job.targets.email is not None:
            deliver_email(job.targets.email, files, f"[shoplines] month-end pack {record.name}", body(record))
        elif job.targets.sftp is not None and job.targets.sftp_dir:
            deliver_sftp(job.targets.sftp, job.targets.sftp_dir, files)
        record = job.state.pack_delivered(record.id, [target])
    outcome: Outcome = "unchanged" if unchanged and not missing else ("delivered" if wanted else "issued")
    return MonthEnd(
        record.month,
        outcome,
        record.name,
        str(files.folder),
        record.fingerprint,
        dict(record.manifest.get("control_totals", {})),
        list(record.delivered_to),
        list(record.manifest.get("changes", [])),
    )


def body(record: PackRecord) -> str:
    totals = record.manifest.get("control_totals", {})
    lines = [
        f"The month-end pack {record.name} for {record.shop_id} ({record.manifest.get('timezone')}).",
        "",
    ]
    lines += [f"{name}: {value}" for name, value in totals.items()]
    lines += ["", "Attached: the workbook, the manifest (each CSV's SHA-256) and the CSVs (zip)."]
    if record.manifest.get("replaces"):
        lines.append(f"This revision replaces {record.manifest['replaces']}: see its Changes sheet.")
    return "\n".join(lines)


def changed_after_issue(result: MonthEnd) -> Problem | None:
    """A closed month whose data changed: finance must hear of it (the changes go into the month they
    happened as adjustments; a revision of the closed month is a person's decision)."""
    if result.outcome != "closed" or not result.changes:
        return None
    return Problem(
        key=f"month-end-changed:{result.month}",
        title=f"{result.month} changed after its pack {result.pack} was issued",
        what=f"{len(result.changes)} change(s) to {result.month}'s figures since {result.pack}; the "
        "issued pack is not rewritten.",
        next_step="They appear as adjustments in the pack of the month they happened. To re-issue "
        f"{result.month} itself: `shoplines run month-end --month {result.month} --revise` (a new "
        "revision with a Changes sheet).",
        kind="event",
    )
