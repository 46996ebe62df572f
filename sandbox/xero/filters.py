"""``where``-lite and the list filters of GET endpoints, applied to rendered records."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.xero.wire import parse_date

_COMPARE = re.compile(r"^([A-Za-z][\w.]*)\s*(==|!=|>=|<=|>|<)\s*(.+)$")
_METHOD = re.compile(r'^([A-Za-z][\w.]*)\.(Contains|StartsWith|EndsWith)\(\s*"(.*)"\s*\)$')
_GUID = re.compile(r'^guid\(\s*"([^"]*)"\s*\)$', re.IGNORECASE)
_DATETIME = re.compile(r"^DateTime\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})[\d,\s]*\)$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}
Predicate = Callable[[dict[str, Any]], bool]


def _split(where: str) -> list[str]:
    """Split on ``AND``/``&&`` outside double quotes."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(where):
        ch = where[i]
        if ch == '"':
            quoted = not quoted
        if not quoted and re.match(r"\s+(AND|&&)\s+", where[i:], re.IGNORECASE):
            parts.append(current)
            current = ""
            i += len(re.match(r"\s+(AND|&&)\s+", where[i:], re.IGNORECASE).group(0))  # type: ignore[union-attr]
            continue
        current += ch
        i += 1
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if match := _GUID.match(text):
        return match.group(1)
    if match := _DATETIME.match(text):
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.lower() == "null":
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"could not parse the where value {text!r}") from exc


def _lookup(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str) and value.startswith("/Date("):
        return parse_date(value, path)
    return value


def _norm(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _clause(text: str) -> Predicate:
    if match := _METHOD.match(text):
        path, method, needle = match.group(1), match.group(2), match.group(3).casefold()
        test = {"Contains": str.__contains__, "StartsWith": str.startswith, "EndsWith": str.endswith}[method]
        return lambda r: isinstance(v := _lookup(r, path), str) and bool(test(v.casefold(), needle))
    match = _COMPARE.match(text)
    if not match:
        raise ValueError(f"could not parse the where clause {text!r}")
    path, op, wanted = match.group(1), match.group(2), _literal(match.group(3))

    def check(record: dict[str, Any]) -> bool:
        value = _lookup(record, path)
        try:
            return _OPS[op](_norm(value), _norm(wanted))
        except TypeError:
            return False

    return check


def where(text: str | None) -> Predicate:
    """A predicate for a ``where`` expression (``ValueError`` when it cannot be parsed)."""
    if not text:
        return lambda _: True
    clauses = [_clause(part) for part in _split(text)]
    return lambda record: all(c(record) for c in clauses)


def id_list(value: str | None) -> set[str] | None:
    """A comma-separated ``IDs=``/``InvoiceNumbers=`` list (``None`` when absent)."""
    if not value:
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


def page(records: list[dict[str, Any]], number: str | None, size: int = 100) -> list[dict[str, Any]]:
    """The 1-based page ``number`` (all records when absent)."""
    if number is None:
        return records
    index = max(1, int(number))
    return records[(index - 1) * size : index * size]
