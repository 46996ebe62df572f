"""One GraphQL request to the Admin API, paced by the throttle budget and retried inside a deadline."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from clients.shopify_budget import QueryCost, Reservation, ThrottleBudget, query_cost
from clients.shopify_errors import ShopifyTransientError
from clients.shopify_events import ClientEvent, EventKind, EventSink, version_events
from clients.shopify_responses import check_body, decode_body
from clients.shopify_retry import RetryPolicy, RetryState

Variables = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """A successful answer: its ``data``, its cost and the variables of the attempt that worked."""

    data: dict[str, Any]
    cost: QueryCost | None
    variables: Variables


class GraphQLSession:
    """Sends GraphQL documents to one shop; the only place requests are retried."""

    def __init__(
        self,
        endpoint: str,
        token: str,
        api_version: str,
        *,
        budget: ThrottleBudget,
        timeout: float,
        deadline: float,
        retry: RetryPolicy,
        transport: httpx.BaseTransport | None,
        events: EventSink,
    ) -> None:
        self.endpoint = endpoint
        self.api_version = api_version
        self.budget = budget
        self.timeout = timeout
        self.deadline = deadline
        self.retry = retry
        self.events = events
        self._rng = random.Random(retry.seed)  # noqa: S311 - jitter, not security
        self._rng_lock = threading.Lock()
        headers = {"X-Shopify-Access-Token": token, "Accept": "application/json"}
        self._http = httpx.Client(transport=transport, timeout=timeout, headers=headers)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def execute(
        self,
        operation: str,
        query: str,
        variables: Callable[[], Variables],
        *,
        estimate: Callable[[Variables], float | None] = lambda _: None,
        on_failure: Callable[[ShopifyTransientError], None] | None = None,
    ) -> Answer:
        """Run one query until it succeeds, fails fatally, or its retries/deadline run out.

        Args:
            operation: Name used in errors and events (e.g. ``OrdersPage page 3``).
            query: The GraphQL document.
            variables: Builds each attempt's variables (a page may shrink between attempts).
            estimate: Expected requested cost of those variables, to wait for the bucket.
            on_failure: Told about each retriable failure before the next attempt.

        Raises:
            ShopifyRetriesExhausted: retriable failures outlasted the policy or the deadline.
            ShopifyError: any fatal classification (auth, scope, query, HTTP).
        """
        with self._rng_lock:
            rng = random.Random(self._rng.random())  # noqa: S311
        state = RetryState(operation, self.retry, self.deadline, self.budget.clock, rng)
        throttled_cost: float | None = None
        while True:
            state.attempts += 1
            attempt_vars = variables()
            try:
                return self._paced_attempt(
                    query, attempt_vars, state, throttled_cost or estimate(attempt_vars)
                )
            except ShopifyTransientError as error:
                throttled_cost = self._recover(state, error, on_failure)

    def _recover(
        self,
        state: RetryState,
        error: ShopifyTransientError,
        on_failure: Callable[[ShopifyTransientError], None] | None,
    ) -> float | None:
        """Report a failed attempt and wait; returns the cost a THROTTLED attempt must wait for."""
        hinted = None if error.retry_after is None else error.retry_after / self.budget.time_scale
        delay = state.next_delay(error, hinted)
        kind: EventKind = "throttled" if error.rate_limited else "retry"
        message = f"Shopify request {state.operation} attempt {state.attempts} failed ({error}); "
        details = {
            "operation": state.operation,
            "attempt": state.attempts,
            "error": error.kind,
            "delay": delay,
        }
        self.events.emit(ClientEvent(kind, f"{message}retrying in {delay:.2f} s.", details))
        if on_failure is not None:
            on_failure(error)
        if delay > 0:
            self.budget.sleep(delay)
        return error.requested_cost if error.kind == "throttled" else None

    def _paced_attempt(
        self, query: str, variables: Variables, state: RetryState, cost: float | None
    ) -> Answer:
        # every request is paced (a shared budget counts even those whose cost is not estimated)
        reservation = self.budget.acquire(cost or 0.0, max_wait=state.remaining())
        try:
            return self._attempt(
                query, variables, min(self.timeout, max(state.remaining(), 0.001)), reservation
            )
        finally:
            self.budget.release(reservation)

    def _attempt(
        self, query: str, variables: Variables, timeout: float, reservation: Reservation | None
    ) -> Answer:
        try:
            response = self._http.post(
                self.endpoint, json={"query": query, "variables": variables}, timeout=timeout
            )
        except httpx.TimeoutException as exc:
            raise ShopifyTransientError(
                f"Shopify did not answer within {timeout:.1f} s ({type(exc).__name__}).", kind="timeout"
            ) from exc
        except httpx.TransportError as exc:
            raise ShopifyTransientError(
                f"The connection to Shopify failed ({type(exc).__name__}: {exc}).", kind="transport"
            ) from exc
        for event in version_events(response.headers, self.api_version):
            self.events.emit(event)
        body = decode_body(response)
        cost = query_cost(body)
        if cost is not None:
            self.budget.observe(cost, reservation)
        try:
            check_body(body)
        except ShopifyTransientError as error:
            if cost is not None and self.budget.wait_needed(cost.requested) > 0:
                error.requested_cost = float(cost.requested)
            raise  # without a bucket shortfall to wait on, THROTTLED backs off like any failure
        return Answer(body["data"], cost, variables)
