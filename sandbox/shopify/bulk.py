"""Bulk query operations: their records, the concurrency limit, cancel, expiry and the GraphQL view."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.clock import SandboxClock, iso
from sandbox.shopify.bulk_urls import signed_url

ACTIVE = ("CREATED", "RUNNING", "CANCELING")
FINISHED = ("COMPLETED", "FAILED", "CANCELED")
GID = "gid://shopify/BulkOperation/"


@dataclass
class BulkSettings:
    """Admin knobs (``POST /_sandbox/bulk``)."""

    rate: float = 700.0  # objects written per real second (1,000 objects ≈ 1.4 s; peers F4)
    url_lifetime_seconds: float = 7 * 86400.0
    expire_after_seconds: float = 7 * 86400.0
    shuffle_window: int = 64


@dataclass
class BulkOperation:
    """One bulk query operation as the sandbox keeps it."""

    number: int
    query: str
    group_objects: bool
    api_version: str
    created_at: datetime
    path: Path
    status: str = "CREATED"
    error_code: str | None = None
    completed_at: datetime | None = None
    object_count: int = 0
    root_count: int = 0
    file_size: int | None = None
    stuck_after: int | None = None
    fail_after: int | None = None
    fail_code: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def gid(self) -> str:
        """``gid://shopify/BulkOperation/N``."""
        return f"{GID}{self.number}"

    def as_admin(self) -> dict[str, Any]:
        """The record for ``GET /_sandbox/bulk``."""
        return {
            "id": self.gid,
            "status": self.status,
            "error_code": self.error_code,
            "object_count": self.object_count,
            "root_object_count": self.root_count,
            "file_size": self.file_size,
            "path": str(self.path),
            "group_objects": self.group_objects,
            "api_version": self.api_version,
            "created_at": iso(self.created_at),
            "completed_at": iso(self.completed_at) if self.completed_at else None,
            "stuck_after": self.stuck_after,
            "fail_after": self.fail_after,
            "query": self.query,
        }


def concurrency_limit(api_version: str) -> int:
    """Running query operations allowed per shop: 5 from 2026-01 (and ``unstable``), 1 before."""
    return 5 if api_version >= "2026-01" or api_version == "unstable" else 1


def group_objects_default(api_version: str) -> bool:
    """``groupObjects`` when omitted: true before 2026-01, false from 2026-01."""
    return not (api_version >= "2026-01" or api_version == "unstable")


class BulkBook:
    """Every bulk operation of the sandbox, their files (a temporary folder it owns) and the knobs."""

    def __init__(self, clock: SandboxClock) -> None:
        """Create an empty book; files go to a fresh temporary folder."""
        self.clock = clock
        self.settings = BulkSettings()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.secret = secrets.token_bytes(32)
        self.folder = Path(tempfile.mkdtemp(prefix="shopify-bulk-"))
        self._operations: dict[int, BulkOperation] = {}

    def create(self, query: str, group_objects: bool, api_version: str) -> BulkOperation | str:
        """A new ``CREATED`` operation, or the gid of the newest running one when the limit is reached."""
        with self.lock:
            active = [op for op in self._operations.values() if op.status in ACTIVE]
            if len(active) >= concurrency_limit(api_version):
                return active[-1].gid
            number = len(self._operations) + 1
            op = BulkOperation(
                number, query, group_objects, api_version, self.clock.now(), self.folder / f"{number}.jsonl"
            )
            self._operations[number] = op
            return op

    def get(self, gid: str) -> BulkOperation | None:
        """The operation ``gid`` (expired ones marked so)."""
        number = gid.removeprefix(GID)
        op = self._operations.get(int(number)) if number.isdigit() else None
        if op is not None:
            self._expire(op)
        return op

    def all(self) -> list[BulkOperation]:
        """Every operation, oldest first."""
        ops = list(self._operations.values())
        for op in ops:
            self._expire(op)
        return ops

    def request_cancel(self, op: BulkOperation) -> bool:
        """``CREATED``/``RUNNING`` → ``CANCELING`` (the worker finishes the job); False if already over."""
        with self.lock:
            if op.status not in ("CREATED", "RUNNING"):
                return op.status == "CANCELING"
            op.status = "CANCELING"
            op.cancel.set()
            return True

    def _expire(self, op: BulkOperation) -> None:
        if op.status in FINISHED and op.completed_at is not None:
            lifetime = timedelta(seconds=self.settings.expire_after_seconds)
            if self.clock.now() >= op.completed_at + lifetime:
                op.status = "EXPIRED"

    def expires_at(self, op: BulkOperation) -> datetime:
        """When a URL signed now stops working: the URL lifetime, capped by the operation's expiry."""
        assert op.completed_at is not None
        signed = self.clock.now() + timedelta(seconds=self.settings.url_lifetime_seconds)
        return min(signed, op.completed_at + timedelta(seconds=self.settings.expire_after_seconds))

    def view(self, op: BulkOperation, base_url: str) -> dict[str, Any]:
        """The operation as GraphQL serves it, with freshly signed URLs."""
        self._expire(op)
        url = partial = None
        if op.object_count and op.status in FINISHED:
            signed = signed_url(base_url, op.number, self.expires_at(op), self.secret)
            url, partial = (signed, None) if op.status == "COMPLETED" else (None, signed)
        return {
            "__typename": "BulkOperation",
            "id": op.gid,
            "status": op.status,
            "errorCode": op.error_code,
            "createdAt": iso(op.created_at),
            "completedAt": iso(op.completed_at) if op.completed_at else None,
            "objectCount": str(op.object_count),
            "rootObjectCount": str(op.root_count),
            "fileSize": str(op.file_size) if op.file_size is not None else None,
            "url": url,
            "partialDataUrl": partial,
            "query": op.query,
            "type": "QUERY",
        }

    def close(self) -> None:
        """Stop every worker and remove the files."""
        self.stopping.set()
        shutil.rmtree(self.folder, ignore_errors=True)
