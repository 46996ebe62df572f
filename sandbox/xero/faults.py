"""Fault rules for the Xero sandbox: 5xx, timeouts, slow answers and ghost writes."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

# before the handler (nothing written): http_5xx, timeout, slow
# after the handler committed (ghost writes): ghost_5xx, ghost_drop, ghost_timeout
KINDS = ("http_5xx", "timeout", "slow", "ghost_5xx", "ghost_drop", "ghost_timeout")
GHOSTS = ("ghost_5xx", "ghost_drop", "ghost_timeout")


@dataclass
class FaultRule:
    """What to do to which requests, how often.

    ``method``/``path`` match (``path`` is a case-insensitive substring, e.g. ``/Invoices``); ``times``
    fires that many times (``None`` = until cleared); ``after`` lets that many matching requests through
    first; ``probability`` is a seeded chance per eligible request; ``seconds`` is the hold of
    ``timeout``/``slow``/``ghost_timeout``; ``status`` is the 5xx code.
    """

    id: int
    kind: str
    method: str | None = None
    path: str | None = None
    status: int = 500
    seconds: float = 5.0
    times: int | None = 1
    after: int = 0
    probability: float | None = None
    seen: int = 0
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def as_json(self) -> dict[str, Any]:
        """The rule as the admin endpoint shows it."""
        data = asdict(self)
        data.pop("_rng")
        return data

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule looks at the request at all."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or self.path.lower() in path.lower()


class FaultBook:
    """Active rules; the first one that fires decides. Rule ``n`` draws from ``Random(seed*1000+n)``."""

    def __init__(self, seed: int = 0) -> None:
        """An empty book."""
        self._seed = seed
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._lock = threading.Lock()
        self.fired_total: dict[str, int] = dict.fromkeys(KINDS, 0)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        """Add a rule from its JSON spec (``kind`` required)."""
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
        if spec.get("kind") in ("http_5xx", "ghost_5xx") and int(spec.get("status", 500)) not in (
            500,
            502,
            503,
            504,
        ):
            raise ValueError("status must be 500, 502, 503 or 504")
        with self._lock:
            rule = FaultRule(id=self._next_id, **spec)
            rule._rng = random.Random(self._seed * 1000 + rule.id)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def clear(self, rule_id: int | None = None) -> int:
        """Remove one rule (or all); how many went."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def rules(self) -> list[dict[str, Any]]:
        """Every active rule as JSON."""
        with self._lock:
            return [r.as_json() for r in self._rules]

    def decide(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request, if any (every matching rule counts it as seen)."""
        with self._lock:
            chosen = None
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                rule.seen += 1
                if chosen is not None or rule.seen <= rule.after:
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if rule.probability is not None and rule._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                self.fired_total[rule.kind] += 1
                chosen = rule
            return chosen
