"""The time window an orders ``query:`` pins every match into, so a store can read just that slice.

Only a *superset* is promised: the compiled predicate still decides each order. A window comes from
date terms AND-ed at the top level (``processed_at:>='…' processed_at:<'…'``); anything it cannot be
sure of (an ``OR`` or a stray ``)`` at the top, a negated or unreadable term) gives no window there.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sandbox.shopify.filters import _instant_bounds
from sandbox.shopify.search import _COMPARATOR, Term, _tokens

Window = tuple[str, datetime | None, datetime | None]  # (order field, start, end): [start, end)
_FIELDS = {"created_at": "createdAt", "updated_at": "updatedAt", "processed_at": "processedAt"}
_TICK = timedelta(microseconds=1)


def order_window(text: str | None, timezone: str) -> Window | None:
    """``(field, start, end)`` such that every order matching ``text`` has ``field`` in ``[start, end)``,
    or ``None`` when the query bounds no time field for sure. The field bounded on both sides wins."""
    bounds: dict[str, tuple[datetime | None, datetime | None]] = {}
    for term in _top_level_terms(text or "") or []:
        field = _FIELDS.get(term.field or "")
        found = _term_bounds(term, ZoneInfo(timezone)) if field else None
        if field is None or found is None:
            continue
        low, high = bounds.get(field, (None, None))
        if found[0] is not None:
            low = found[0] if low is None else max(low, found[0])
        if found[1] is not None:
            high = found[1] if high is None else min(high, found[1])
        bounds[field] = (low, high)
    if not bounds:
        return None
    field = max(bounds, key=lambda name: sum(side is not None for side in bounds[name]))
    return field, *bounds[field]


def _top_level_terms(text: str) -> list[Term] | None:
    """The terms AND-ed at depth 0, not negated; ``None`` if the top level is not a plain conjunction."""
    terms: list[Term] = []
    depth, negated = 0, False
    for kind, payload in _tokens(text):
        if kind == "(":
            depth += 1
        elif kind == ")":
            if depth == 0:
                return None  # the parser stops here and drops the rest
            depth -= 1
        elif kind == "OR" and depth == 0:
            return None
        elif kind == "NOT" and depth == 0:
            negated = True
            continue
        elif kind == "TERM" and depth == 0 and not negated:
            word, quoted = payload
            match = _COMPARATOR.match(word)
            if match and not word.startswith("-"):
                terms.append(Term(match["field"].lower(), match["op"] or "=", match["value"], quoted))
        if depth == 0:
            negated = False
    return terms


def _term_bounds(term: Term, tz: tzinfo) -> tuple[datetime | None, datetime | None] | None:
    """The half-open range the term admits, widened to a superset (``>`` as ``>=``)."""
    found = _instant_bounds(term, tz)
    if found is None:
        return None
    start, end = found
    if term.op == "=":
        return start, (end if end > start else start + _TICK)
    if term.op in (">", ">="):
        return start, None
    return None, (start + _TICK if term.op == "<=" else start)
