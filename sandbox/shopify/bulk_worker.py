"""Run one bulk operation in a thread: stream the roots, write JSONL at a paced rate, honour faults."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

from sandbox.shopify.access import RequestContext
from sandbox.shopify.bulk import BulkBook, BulkOperation
from sandbox.shopify.bulk_query import BulkPlan

try:
    import orjson

    def _dumps(line: dict[str, Any]) -> bytes:
        return orjson.dumps(line)

except ImportError:  # pragma: no cover - orjson is in the venv; json keeps the sandbox usable without it
    import json

    def _dumps(line: dict[str, Any]) -> bytes:
        return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode()


log = logging.getLogger(__name__)
PACE_EVERY = 32  # lines between pacing / cancel checks


class _Stop(Exception):
    """The job ends early (cancel, fault, sandbox stopping)."""


def encode(line: dict[str, Any]) -> bytes:
    """One JSONL line, slashes escaped as Shopify's files have them (``gid:\\/\\/shopify\\/…``)."""
    # "/" only ever occurs inside JSON strings, where "\/" is a valid escape of it.
    return _dumps(line).replace(b"/", b"\\/") + b"\n"


def start_worker(book: BulkBook, op: BulkOperation, plan: BulkPlan | None, context: RequestContext) -> None:
    """Run ``op`` in a daemon thread (``plan`` None: it fails with ``ACCESS_DENIED``)."""
    thread = threading.Thread(target=_run, args=(book, op, plan, context), name=f"bulk-{op.number}")
    thread.daemon = True
    thread.start()


def _run(book: BulkBook, op: BulkOperation, plan: BulkPlan | None, context: RequestContext) -> None:
    with book.lock:
        if op.status == "CREATED":
            op.status = "RUNNING"
    error = None if plan is not None else "ACCESS_DENIED"
    try:
        if plan is not None:
            with op.path.open("wb") as out:
                _Writer(book, op, out).write_all(plan.projection_lines(context))
    except _Stop:
        error = op.fail_code if op.fail_after is not None and op.object_count >= op.fail_after else None
    except Exception:
        log.exception("bulk operation %s failed", op.gid)
        error = "INTERNAL_SERVER_ERROR"
    _finish(book, op, error)


def _finish(book: BulkBook, op: BulkOperation, error: str | None) -> None:
    with book.lock:
        op.completed_at = book.clock.now()
        op.file_size = op.path.stat().st_size if op.object_count and op.path.exists() else None
        if op.cancel.is_set():
            op.status, op.error_code = "CANCELED", None
        elif error is not None:
            op.status, op.error_code = "FAILED", error
        else:
            op.status = "COMPLETED"


class _Writer:
    """Writes lines grouped (as they come) or through a seeded shuffle buffer, paced and checked."""

    def __init__(self, book: BulkBook, op: BulkOperation, out: IO[bytes]) -> None:
        self.book, self.op, self.out = book, op, out
        self.window = 0 if op.group_objects else max(2, book.settings.shuffle_window)
        self.rng = random.Random(op.number)
        self.buffer: list[tuple[bytes, bool]] = []
        self.started = time.monotonic()

    def write_all(self, lines: Iterator[dict[str, Any]]) -> None:
        if self.op.fail_after == 0:
            raise _Stop
        if self.op.stuck_after == 0:
            self._hang()
        for line in lines:
            item = (encode(line), "__parentId" not in line)
            if not self.window:
                self._put(item)
                continue
            self.buffer.append(item)
            if len(self.buffer) >= self.window:
                pick = self.rng.randrange(len(self.buffer))
                self.buffer[pick], self.buffer[-1] = self.buffer[-1], self.buffer[pick]
                self._put(self.buffer.pop())
        self.rng.shuffle(self.buffer)
        for item in self.buffer:
            self._put(item)
        self._check()

    def _put(self, item: tuple[bytes, bool]) -> None:
        self.out.write(item[0])
        op = self.op
        op.object_count += 1
        op.root_count += item[1]
        if op.fail_after is not None and op.object_count >= op.fail_after:
            raise _Stop
        if op.stuck_after is not None and op.object_count >= op.stuck_after:
            self._hang()
        if op.object_count % PACE_EVERY == 0:
            self._check()

    def _check(self) -> None:
        """Pace to the configured rate; stop on cancel or shutdown."""
        op = self.op
        while True:
            if op.cancel.is_set() or self.book.stopping.is_set():
                raise _Stop
            due = self.started + op.object_count / max(self.book.settings.rate, 1e-9)
            wait = due - time.monotonic()
            if wait <= 0:
                return
            self.out.flush()
            op.cancel.wait(min(wait, 0.05))

    def _hang(self) -> None:
        """A stuck job (fault ``bulk_stuck``): RUNNING until cancelled or the sandbox stops."""
        self.out.flush()
        while not (self.op.cancel.wait(0.05) or self.book.stopping.is_set()):
            pass
        raise _Stop
