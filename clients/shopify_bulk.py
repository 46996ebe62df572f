"""Shopify bulk operations: start our own job, poll it by id on our clock, cancel it when stuck."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress

from clients import shopify_bulk_queries as bq
from clients.shopify_bulk_types import BulkOperation, BulkPolicy
from clients.shopify_errors import APP_SETTINGS_HINT, ShopifyBulkError, ShopifyBulkJobFailed, ShopifyError
from clients.shopify_events import ClientEvent, EventKind
from clients.shopify_http import GraphQLSession

__all__ = ["BulkOperation", "BulkPolicy", "BulkRunner"]

BUSY_CODES = frozenset({"OPERATION_IN_PROGRESS", "LIMIT_REACHED"})
ENDED = frozenset({"FAILED", "CANCELED", "EXPIRED"})
MUTATION_COST = 10.0  # bulk mutations cost ~10 points through the normal bucket (reference §6)


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
        try:
            return self._poll(operation_id, started)
        except ShopifyBulkJobFailed:
            raise
        except ShopifyError:
            # the polls themselves failed (retries exhausted): do not leave our job holding a slot
            with suppress(ShopifyError):
                self.cancel(operation_id)
            raise

    def _poll(self, operation_id: str, started: float) -> BulkOperation:
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

    def _emit(self, kind: EventKind, message: str, **details: object) -> None:
        self.session.events.emit(ClientEvent(kind, message, details))


def _failed(operation: BulkOperation, why: str = "") -> ShopifyBulkJobFailed:
    if operation.error_code == "ACCESS_DENIED" and not why:
        why = (
            "Shopify denied access to a field of the query: the custom app lacks a scope the order fields "
            f"need (read_orders, a fulfilment-order scope; see README), to be granted {APP_SETTINGS_HINT}."
        )
    return ShopifyBulkJobFailed(
        operation.id,
        operation.status,
        operation.error_code,
        partial=operation.partial_data_url is not None,
        why=why,
    )
