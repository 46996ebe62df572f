"""Shopify bulk operations: start our own job, poll it by id on our clock, cancel it when stuck."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clients import shopify_bulk_queries as bq
from clients.shopify_errors import ShopifyBulkError, ShopifyBulkJobFailed
from clients.shopify_events import ClientEvent
from clients.shopify_http import GraphQLSession

BUSY_CODES = frozenset({"OPERATION_IN_PROGRESS", "LIMIT_REACHED"})
ENDED = frozenset({"FAILED", "CANCELED", "EXPIRED"})
MUTATION_COST = 10.0  # bulk mutations cost ~10 points through the normal bucket (reference §6)


@dataclass(frozen=True)
class BulkPolicy:
    """How patiently bulk operations are started, polled and downloaded (seconds of our own clock).

    Attributes:
        first_poll: Wait before the first status poll; each later wait is ``growth`` times longer…
        max_poll: …up to this cap (short jobs are seen quickly, long ones are not polled to death, F4).
        growth: Factor between consecutive poll waits.
        max_wait: A job still running this long after it started is cancelled and reported (peers #8).
        start_wait: Total time to keep retrying a start refused because the shop's bulk slots are busy.
        start_retry: Wait between such start attempts.
        download_timeout: Seconds of silence allowed per read of the result file.
        download_attempts: Attempts per download when the connection is cut.
        chunk_bytes: Size of each piece of the result written to disk.
        chunk_orders: Orders per page read back from the regrouped result.
    """

    first_poll: float = 0.5
    max_poll: float = 5.0
    growth: float = 1.5
    max_wait: float = 4 * 3600.0
    start_wait: float = 900.0
    start_retry: float = 15.0
    download_timeout: float = 60.0
    download_attempts: int = 4
    chunk_bytes: int = 1 << 20
    chunk_orders: int = 1_000

    def __post_init__(self) -> None:
        if min(self.first_poll, self.max_poll, self.max_wait, self.start_retry, self.download_timeout) <= 0:
            raise ValueError(f"invalid bulk policy {self}")
        if self.growth < 1 or self.download_attempts < 1 or self.chunk_bytes < 1 or self.chunk_orders < 1:
            raise ValueError(f"invalid bulk policy {self}")


@dataclass(frozen=True)
class BulkOperation:
    """One status poll of a bulk operation (counts are strings in Shopify's answer, ints here)."""

    id: str
    status: str
    error_code: str | None
    object_count: int
    root_object_count: int
    file_size: int | None
    url: str | None
    partial_data_url: str | None

    @classmethod
    def parse(cls, node: Any, operation_id: str) -> BulkOperation:
        """Read ``bulkOperation(id:)``'s answer; null (an unknown id) is an error."""
        if not isinstance(node, dict) or not node.get("status"):
            raise ShopifyBulkError(f"Shopify does not know bulk operation {operation_id} (answer: {node!r}).")
        size = node.get("fileSize")
        return cls(
            str(node.get("id") or operation_id), str(node["status"]), node.get("errorCode"),
            int(node.get("objectCount") or 0), int(node.get("rootObjectCount") or 0),
            None if size is None else int(size), node.get("url"), node.get("partialDataUrl"),
        )  # fmt: skip


class BulkRunner:
    """Starts, polls and cancels bulk operations through the client's session (budget, retries, events).

    Our job is always found by its own id, never by ``currentBulkOperation`` (other jobs may be running),
    and timed by our monotonic clock, never by Shopify's ``createdAt`` (peers F2).
    """

    def __init__(
        self,
        session: GraphQLSession,
        policy: BulkPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.policy = policy
        self.clock = clock
        self.sleep = sleep

    def start(self, query: str) -> str:
        """Start a bulk query (``groupObjects: false``) and return its id.

        Raises:
            ShopifyBulkError: Shopify refused the query (INVALID, named with Shopify's message), or the
                shop's bulk slots stayed busy for longer than ``policy.start_wait``.
        """
        began = self.clock()
        while True:
            answer = self.session.execute(
                "bulkOperationRunQuery",
                bq.RUN_QUERY,
                lambda: {"query": query},
                estimate=lambda _: MUTATION_COST,
            )
            payload = answer.data.get("bulkOperationRunQuery") or {}
            errors = [e for e in payload.get("userErrors") or [] if isinstance(e, dict)]
            operation = payload.get("bulkOperation")
            if not errors and isinstance(operation, dict) and operation.get("id"):
                self._emit(
                    "bulk_started", f"Shopify bulk operation {operation['id']} started.", id=operation["id"]
                )
                return str(operation["id"])
            said = (
                "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
                or f"no operation ({payload})"
            )
            if not errors or {e.get("code") for e in errors} - BUSY_CODES:
                raise ShopifyBulkError(f"Shopify refused the bulk query: {said}")
            waited = self.clock() - began
            if waited + self.policy.start_retry > self.policy.start_wait:
                raise ShopifyBulkError(
                    f"Shopify's bulk operation slots for this shop stayed busy for {waited:.1f} s "
                    f"(limit {self.policy.start_wait:g} s): {said}"
                )
            self._emit("bulk_waiting", f"Shopify bulk slots are busy ({said}); retrying.", waited=waited)
            self.sleep(self.policy.start_retry)

    def status(self, operation_id: str) -> BulkOperation:
        """Poll ``bulkOperation(id:)`` once."""
        answer = self.session.execute("bulkOperation", bq.BULK_OPERATION, lambda: {"id": operation_id})
        return BulkOperation.parse(answer.data.get("bulkOperation"), operation_id)

    def wait(self, operation_id: str, started: float) -> BulkOperation:
        """Poll until the job completes, with waits growing from ``first_poll`` to ``max_poll``.

        Args:
            operation_id: Our job's id.
            started: Our clock's reading when the job was started.

        Raises:
            ShopifyBulkJobFailed: FAILED, CANCELED or EXPIRED, or still running after ``max_wait``
                (then cancelled); partial data is reported, never returned.
        """
        interval, seen = self.policy.first_poll, -1
        while True:
            operation = self.status(operation_id)
            elapsed = self.clock() - started
            if operation.status == "COMPLETED":
                self._emit(
                    "bulk_finished",
                    f"Shopify bulk operation {operation_id} completed in {elapsed:.1f} s with "
                    f"{operation.object_count} objects ({operation.file_size or 0} bytes).",
                    id=operation_id, seconds=elapsed, objects=operation.object_count,
                    bytes=operation.file_size,
                )  # fmt: skip
                return operation
            if operation.status in ENDED:
                raise _failed(operation)
            if elapsed >= self.policy.max_wait:
                self.cancel(operation_id)
                limit = self.policy.max_wait
                why = f"It was still {operation.status} after {elapsed:.1f} s (limit {limit:g} s)"
                raise _failed(operation, f"{why}, so we cancelled it.")
            if operation.object_count != seen:
                seen = operation.object_count
                self._emit(
                    "bulk_progress", f"Shopify bulk operation {operation_id} is {operation.status} with "
                    f"{seen} objects after {elapsed:.1f} s.", id=operation_id, objects=seen, seconds=elapsed,
                )  # fmt: skip
            self.sleep(max(min(interval, self.policy.max_wait - elapsed), 0.0))
            interval = min(interval * self.policy.growth, self.policy.max_poll)

    def cancel(self, operation_id: str) -> None:
        """Ask Shopify to cancel the job; a refusal (it already finished) is reported in an event."""
        answer = self.session.execute(
            "bulkOperationCancel", bq.CANCEL, lambda: {"id": operation_id}, estimate=lambda _: MUTATION_COST
        )
        payload = answer.data.get("bulkOperationCancel") or {}
        refused = "; ".join(str(e.get("message")) for e in payload.get("userErrors") or [])
        said = f"refused: {refused}" if refused else "accepted"
        self._emit(
            "bulk_cancelled", f"Cancel of Shopify bulk operation {operation_id} {said}.", id=operation_id
        )

    def _emit(self, kind: Any, message: str, **details: object) -> None:
        self.session.events.emit(ClientEvent(kind, message, details))


def _failed(operation: BulkOperation, why: str = "") -> ShopifyBulkJobFailed:
    return ShopifyBulkJobFailed(
        operation.id,
        operation.status,
        operation.error_code,
        partial=operation.partial_data_url is not None,
        why=why,
    )
