"""Fault injection rules, switchable at run time through the admin endpoint."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLError, IntValueNode, VariableNode, parse
from graphql.language import OperationDefinitionNode, Visitor, visit

BULK_RUN_KINDS = ("bulk_fail", "bulk_stuck")  # match requests that run bulkOperationRunQuery
DOWNLOAD_KINDS = ("bulk_download_cut",)  # match result downloads only
KINDS = (
    "http_error",
    "http_429",
    "stall",
    "reset",
    "throttled",
    "truncated",
    "http_5xx_when_first_gt",
    *BULK_RUN_KINDS,
    *DOWNLOAD_KINDS,
)
BULK_ERROR_CODES = ("INTERNAL_SERVER_ERROR", "TIMEOUT")
COMMIT_KINDS = ("http_error", "reset")


@dataclass
class FaultRule:
    """One rule: what to do, to which requests, how often.

    ``times`` = how many requests it fires on (``None`` until cleared); ``after`` = matching requests
    to let through first; ``operation`` = only this GraphQL operation name; ``probability`` = seeded
    chance of firing on an eligible request; ``commit`` (``http_error``, ``reset``) = run the request
    first, writes included, then fail its response (a "ghost write").
    """

    id: int
    kind: str
    status: int = 500
    seconds: float = 5.0
    retry_after: float = 2.0
    threshold: int = 100
    after_objects: int = 0
    error_code: str = "INTERNAL_SERVER_ERROR"
    times: int | None = 1
    after: int = 0
    operation: str | None = None
    probability: float | None = None
    commit: bool = False
    seen: int = 0
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def as_json(self) -> dict[str, Any]:
        """The rule as the admin endpoint shows it."""
        data = asdict(self)
        data.pop("_rng")
        return data


@dataclass(frozen=True)
class RequestFacts:
    """What a rule can match on."""

    operation: str | None
    max_first: int
    bulk_run: bool = False
    download: bool = False


class _Sizes(Visitor):
    def __init__(self, variables: dict[str, Any]) -> None:
        super().__init__()
        self.variables = variables
        self.sizes: list[int] = []
        self.operations: list[str] = []
        self.bulk_run = False

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        if node.name:
            self.operations.append(node.name.value)

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.bulk_run = self.bulk_run or node.name.value == "bulkOperationRunQuery"
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                self.sizes.append(int(value.value))
            elif isinstance(value, VariableNode) and isinstance(self.variables.get(value.name.value), int):
                self.sizes.append(int(self.variables[value.name.value]))


def request_facts(query: str, variables: dict[str, Any] | None, operation_name: str | None) -> RequestFacts:
    """Operation name and the largest ``first``/``last`` of a request (0 if it does not parse)."""
    sizes = _Sizes(variables or {})
    try:
        visit(parse(query), sizes)
    except GraphQLError:
        return RequestFacts(operation_name, 0)
    return RequestFacts(
        operation_name or (sizes.operations[0] if sizes.operations else None),
        max(sizes.sizes, default=0),
        bulk_run=sizes.bulk_run,
    )


class FaultBook:
    """The active rules; the first rule that fires decides the request's fate."""

    def __init__(self, seed: int = 0) -> None:
        """Create an empty book; rule ``n`` draws from ``Random(seed * 1000 + n)``."""
        self._seed = seed
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, spec: dict[str, Any]) -> FaultRule:
        """Add a rule from its JSON spec (``kind`` required; see :class:`FaultRule`)."""
        if spec.get("kind") not in KINDS:
            raise ValueError(f"unknown fault kind {spec.get('kind')!r}; one of {KINDS}")
        allowed = {f for f in FaultRule.__dataclass_fields__ if not f.startswith("_")} - {
            "id",
            "seen",
            "fired",
        }
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}")
        if spec.get("error_code", BULK_ERROR_CODES[0]) not in BULK_ERROR_CODES:
            raise ValueError(f"error_code must be one of {BULK_ERROR_CODES}")
        if spec.get("commit") and spec["kind"] not in COMMIT_KINDS:
            raise ValueError(f"commit applies to {COMMIT_KINDS} only ('truncated' always commits)")
        with self._lock:
            rule = FaultRule(id=self._next_id, **spec)
            rule._rng = random.Random(self._seed * 1000 + rule.id)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def clear(self, rule_id: int | None = None) -> int:
        """Remove one rule (or all); returns how many were removed."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def rules(self) -> list[dict[str, Any]]:
        """Every active rule as JSON."""
        with self._lock:
            return [r.as_json() for r in self._rules]

    def decide(self, facts: RequestFacts) -> FaultRule | None:
        """The rule that fires for this request, if any (counters advance for every matching rule)."""
        with self._lock:
            chosen = None
            for rule in self._rules:
                if rule.operation is not None and rule.operation != facts.operation:
                    continue
                if rule.kind == "http_5xx_when_first_gt" and facts.max_first <= rule.threshold:
                    continue
                if (rule.kind in BULK_RUN_KINDS and not facts.bulk_run) or (
                    rule.kind in DOWNLOAD_KINDS
                ) != facts.download:
                    continue
                rule.seen += 1
                if chosen is not None or rule.seen <= rule.after:
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if rule.probability is not None and rule._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                chosen = rule
            return chosen
