"""One GraphQL request end to end: parse, validate, price, throttle, execute, refund, shape the reply."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLSyntaxError,
    OperationType,
    execute,
    parse,
)
from graphql.execution.values import get_variable_values

from sandbox.clock import SandboxClock
from sandbox.shopify.access import RequestContext
from sandbox.shopify.bulk import BulkBook
from sandbox.shopify.cost import MUTATION_COST, actual, requested
from sandbox.shopify.errors import validation_errors
from sandbox.shopify.graphql_replies import (
    execution_error,
    max_cost_exceeded,
    parse_error,
    throttled,
    variable_error,
)
from sandbox.shopify.operation import Outcome, Plan, fragments, pick_operation
from sandbox.shopify.schema import shopify_schema
from sandbox.shopify.store import Store
from sandbox.shopify.throttle import MAX_QUERY_COST, LeakyBucket
from sandbox.shopify.walk import Walk


class Engine:
    """Runs GraphQL requests against one store with one throttle bucket."""

    def __init__(self, store: Store, clock: SandboxClock, bucket: LeakyBucket) -> None:
        """Bind the engine to its store, clock and bucket."""
        self.store, self.clock, self.bucket = store, clock, bucket
        self.schema = shopify_schema()
        self.bulk = BulkBook(clock)

    def _cost(self, requested_cost: int | None, actual_cost: int | None) -> dict[str, Any]:
        status = self.bucket.status().as_json()
        return {
            "requestedQueryCost": requested_cost,
            "actualQueryCost": actual_cost,
            "throttleStatus": status,
        }

    def run(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        scopes: frozenset[str],
        *,
        force_throttle: bool = False,
        api_version: str = "2026-01",
        base_url: str = "",
        bulk_fault: Any = None,
    ) -> Outcome:
        """Answer one request body (HTTP 200 in every case handled here).

        Args:
            query: the GraphQL document.
            variables: request variables.
            operation_name: which operation to run when the document has several.
            scopes: the access token's scopes.
            force_throttle: answer THROTTLED whatever the bucket holds (the ``throttled`` fault).
            api_version: the served API version.
            base_url: scheme and host the client used (for bulk result URLs).
            bulk_fault: a ``bulk_fail``/``bulk_stuck`` fault rule for the bulk operation this request starts.

        Returns:
            The reply body and what the request log needs.
        """
        plan = self._plan(query, variables, operation_name)
        if isinstance(plan, Outcome):
            return plan
        outcome = plan.outcome
        cost = outcome.requested or 0
        if cost > MAX_QUERY_COST:
            outcome.body = {
                "errors": [max_cost_exceeded(cost)],
                "extensions": {"cost": self._cost(cost, None)},
            }
            return outcome
        if force_throttle or not self.bucket.try_charge(cost):
            outcome.body = {"errors": [throttled()], "extensions": {"cost": self._cost(cost, None)}}
            return outcome
        context = RequestContext(self.store, scopes, self.clock.now(), [], api_version, base_url, self.bulk)
        context.bulk_fault = bulk_fault
        return self._execute(plan, variables, context)

    def _plan(
        self, query: str, variables: dict[str, Any] | None, operation_name: str | None
    ) -> Plan | Outcome:
        """Parse, validate, pick the operation, coerce variables and price it (or the error reply)."""
        try:
            document = parse(query)
        except GraphQLSyntaxError as error:
            return Outcome({"errors": [parse_error(error)]}, operation_name)
        problems = validation_errors(self.schema, document)
        if problems:
            return Outcome({"errors": problems}, operation_name)
        operation = pick_operation(document, operation_name)
        if isinstance(operation, dict):
            return Outcome({"errors": [operation]}, operation_name)
        name = operation.name.value if operation.name else operation_name
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            return Outcome({"errors": [variable_error(e, operation) for e in coerced]}, name)
        walk = Walk(self.schema, operation, fragments(document), dict(coerced.coerced))
        mutation = operation.operation == OperationType.MUTATION
        root = self.schema.mutation_type if mutation else self.schema.query_type
        assert root is not None
        grouped = walk.collect([operation.selection_set])
        cost = requested(walk, root, grouped)  # also records deprecated fields and page sizes
        if mutation:
            cost = MUTATION_COST * len(grouped)
        outcome = Outcome({}, name, cost, None, sorted(walk.deprecated), walk.page_sizes)
        return Plan(document, name, walk, root, grouped, mutation, outcome)

    def _execute(self, plan: Plan, variables: dict[str, Any] | None, context: RequestContext) -> Outcome:
        result = execute(
            self.schema,
            plan.document,
            context_value=context,
            variable_values=variables,
            operation_name=plan.name,
        )
        assert not hasattr(result, "__await__")
        data = result.data
        errors = [execution_error(e) for e in result.errors or []]
        outcome = plan.outcome
        used = (
            MUTATION_COST * len(plan.grouped)
            if plan.mutation
            else actual(plan.walk, plan.root, plan.grouped, data)
        )
        used = min(used, outcome.requested or 0)
        self.bucket.refund((outcome.requested or 0) - used)
        outcome.actual = used
        body: dict[str, Any] = {"errors": errors, "data": data} if errors else {"data": data}
        extensions: dict[str, Any] = {"cost": self._cost(outcome.requested, used)}
        if context.search:
            extensions["search"] = context.search
        body["extensions"] = extensions
        outcome.body = body
        return outcome
