"""Take the 3PL's stock files from its outbound folder: each complete file read once, the newest compared,
older ones (and a count no newer than one already compared, sent late or again) recorded as superseded, all
moved to our archive. A file still being written is left alone; a
file that cannot be read stays in place, is recorded with its reason and is tried again every run."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from prefect import get_run_logger

from clients.sftp import SftpClient
from shoplines.state.records import StockFileRecord
from shoplines.state.store import StateStore
from tasks.warehouse_stock import StockFile, StockFormat, parse_stock

DONE = ("compared", "superseded")


@dataclass
class Taken:
    """What one look at the outbound folder found."""

    newest: StockFile | None = None
    path: str | None = None
    sha256: str = ""
    size: int = 0
    superseded: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # name, reason
    writing: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)  # read by an earlier run: archived, not read again


def take_stock_files(
    connect: Callable[[], SftpClient], state: StateStore, *, shop_id: str, outbound: str, archive: str,
    fmt: StockFormat, sites: dict[str, str], run_id: str,
) -> Taken:  # fmt: skip
    """Read every settled stock file; keep the newest count (by as-of time) for comparison."""
    taken = Taken()
    readable: list[tuple[str, StockFile, str, int]] = []  # path, parsed, sha, size
    with connect() as sftp:
        listing = sftp.modified(outbound)
        settled, taken.writing = fmt.ready(listing, state.now())
        for name in settled:
            path = posixpath.join(outbound, name)
            data = sftp.read_bytes(path)
            sha = hashlib.sha256(data).hexdigest()
            if sftp.modified(outbound).get(name) != listing[name]:  # changed while we read it
                taken.writing.append(name)
                continue
            known = state.stock_file(shop_id, name, sha)
            if known is not None and known.status in DONE:
                taken.repeated.append(name)
                _archive(sftp, state, known, path, archive)
                continue
            parsed = parse_stock(name, data, fmt, sites)
            if parsed.error is not None:
                state.record_stock_file(
                    shop_id, file_name=name, sha256=sha, size=len(data), as_of=None, rows=0, set_aside=0,
                    mismatches=0, status="unreadable", reason=parsed.error, run_id=run_id,
                )  # fmt: skip
                taken.unreadable.append((name, parsed.error))
                continue
            readable.append((path, parsed, sha, len(data)))
        readable.sort(key=lambda found: (found[1].as_of, found[1].name))
        last = _last_compared(state, shop_id)
        stale = [r for r in readable if last is not None and r[1].as_of is not None and r[1].as_of <= last]
        readable = [r for r in readable if r not in stale]  # a count older than one compared: never current
        for path, parsed, sha, size in stale + readable[:-1]:
            record = _record(state, shop_id, parsed, sha, size, status="superseded", run_id=run_id)
            _archive(sftp, state, record, path, archive)
            taken.superseded.append(parsed.name)
    if readable:  # recorded once compared (`finish_compared`): a run dying before that compares it again
        taken.path, taken.newest, taken.sha256, taken.size = readable[-1]
    return taken


def _last_compared(state: StateStore, shop_id: str) -> datetime | None:
    """The as-of time of the newest count compared so far."""
    times = [f.as_of for f in state.stock_files(shop_id, limit=50) if f.status == "compared" and f.as_of]
    return max(times, default=None)


def _record(
    state: StateStore, shop_id: str, parsed: StockFile, sha: str, size: int, *, status: str, run_id: str,
    mismatches: int = 0,
) -> StockFileRecord:  # fmt: skip
    return state.record_stock_file(
        shop_id, file_name=parsed.name, sha256=sha, size=size, as_of=parsed.as_of, rows=len(parsed.stock),
        set_aside=len(parsed.bad_rows), mismatches=mismatches, status=status, reason=None, run_id=run_id,
    )  # fmt: skip


def finish_compared(
    connect: Callable[[], SftpClient], state: StateStore, taken: Taken, *, shop_id: str, archive: str,
    mismatches: int, run_id: str,
) -> StockFileRecord | None:  # fmt: skip
    """Record the compared file (after its report and alerts are out), then move it to our archive."""
    if taken.newest is None or taken.path is None:
        return None
    record = _record(state, shop_id, taken.newest, taken.sha256, taken.size, status="compared",
                     run_id=run_id, mismatches=mismatches)  # fmt: skip
    with connect() as sftp:
        _archive(sftp, state, record, taken.path, archive)
    return record


def _archive(sftp: SftpClient, state: StateStore, record: StockFileRecord, path: str, archive: str) -> None:
    folder = posixpath.join(archive, "stock")
    sftp.makedirs(folder)
    destination = posixpath.join(folder, record.file_name)
    if sftp.exists(destination):  # the 3PL reused a name for other content: keep both
        destination = posixpath.join(folder, f"{record.sha256[:12]}_{record.file_name}")
    if sftp.exists(destination):
        sftp.remove(path)  # this very content is archived already (a run died after archiving it)
    else:
        sftp.rename(path, destination)
    state.stock_file_archived(record.id, destination)
    get_run_logger().info("Archived stock file %s as %s", record.file_name, destination)
