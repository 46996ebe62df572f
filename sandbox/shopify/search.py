"""Shopify search syntax (``query:`` argument): terms, comparators, AND/OR, NOT/-, parentheses.

Grammar (https://shopify.dev/docs/api/usage/search-syntax):
  Query = Term { [ws Connective] ws Term };  Connective = AND | OR (AND implied);
  Term = [Modifier] ( "(" Query ")" | [name Comparator] value );  Modifier = "-" | "NOT" ws;
  Comparator = ":" | ":<" | ":>" | ":<=" | ":>=".
AND binds tighter than OR here (Shopify's precedence is not documented).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Node = dict[str, Any]
Predicate = Callable[[Node], bool]
_COMPARATOR = re.compile(r"^(?P<field>[A-Za-z_][\w.]*):(?P<op><=|>=|<|>)?(?P<value>.*)$", re.S)


@dataclass(frozen=True)
class Term:
    """One ``field:op value`` term; ``field`` is ``None`` for free text."""

    field: str | None
    op: str  # one of "=", "<", ">", "<=", ">="
    value: str
    quoted: bool


FieldHandler = Callable[[Term], Predicate | None]  # None: the value cannot be used → term ignored


@dataclass
class Compiled:
    """A compiled query: the predicate plus Shopify-style warnings for ignored terms."""

    predicate: Predicate
    warnings: list[dict[str, str]]


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            out.append((char, None))
            i += 1
        else:
            word, quoted, i = _word(text, i)
            if not quoted and word in ("AND", "OR", "NOT"):
                out.append((word, None))
            else:
                out.append(("TERM", (word, quoted)))
    return out


def _word(text: str, i: int) -> tuple[str, bool, int]:
    chars: list[str] = []
    quoted = False
    while i < len(text) and not text[i].isspace() and text[i] not in "()":
        if text[i] in "'\"":
            close = text.find(text[i], i + 1)
            close = len(text) if close < 0 else close
            chars.append(text[i + 1 : close])
            quoted, i = True, close + 1
        else:
            chars.append(text[i])
            i += 1
    return "".join(chars), quoted, i


class _Parser:
    def __init__(self, text: str, fields: dict[str, FieldHandler], free_text: FieldHandler) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.fields = fields
        self.free_text = free_text
        self.warnings: list[dict[str, str]] = []

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def query(self) -> Predicate:
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda node: any(p(node) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.pos += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda node: all(p(node) for p in parts))

    def unary(self) -> Predicate:
        kind = self.peek()
        if kind == "NOT":
            self.pos += 1
            inner = self.unary()
            return lambda node: not inner(node)
        if kind == "(":
            self.pos += 1
            inner = self.query()
            if self.peek() == ")":
                self.pos += 1
            return inner
        if kind in ("AND", "OR", ")"):  # stray connective or bracket: skip it, as a lenient parser would
            self.pos += 1
            return _always
        if kind is None:
            return _always
        word, quoted = self.tokens[self.pos][1]
        self.pos += 1
        return self.term(word, quoted)

    def term(self, word: str, quoted: bool) -> Predicate:
        negate = word.startswith("-") and len(word) > 1 and not quoted
        body = word[1:] if negate else word
        match = _COMPARATOR.match(body)
        term = (
            Term(match["field"].lower(), match["op"] or "=", match["value"], quoted)
            if match
            else Term(None, "=", body, quoted)
        )
        handler = self.free_text if term.field is None else self.fields.get(term.field)
        predicate = handler(term) if handler else None
        if predicate is None:
            # Shopify ignores an unknown field and reports it in extensions.search (shape unconfirmed).
            self.warnings.append(
                {"field": term.field or "", "message": "Invalid search field for this query."}
            )
            return _always
        return (lambda node: not predicate(node)) if negate else predicate


def _always(_: Node) -> bool:
    return True


def compile_query(text: str | None, fields: dict[str, FieldHandler], free_text: FieldHandler) -> Compiled:
    """Compile a ``query:`` string against the given field handlers (``None`` or blank matches all)."""
    if not text or not text.strip():
        return Compiled(_always, [])
    parser = _Parser(text, fields, free_text)
    predicate = parser.query()
    while parser.pos < len(parser.tokens):  # trailing garbage such as an unmatched ")"
        parser.pos += 1
    return Compiled(predicate, parser.warnings)


def compare(left: Any, op: str, right: Any) -> bool:
    """Apply a search comparator."""
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    if op == ">=":
        return bool(left >= right)
    return bool(left == right)
