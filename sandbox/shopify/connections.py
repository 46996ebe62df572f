"""Relay connections: first/after/last/before slicing over a stable (sort value, id) order, opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError

from sandbox.shopify.ids import parse_gid

MAX_PAGE = 250
SortValue = tuple[int, Any]  # (0 for null / 1 for a value, the value) so nulls sort first
Node = dict[str, Any]


def id_number(node: Node) -> int:
    """The numeric part of a node's gid (tie-breaker; position-based for id-less nodes)."""
    parsed = parse_gid(str(node.get("id", "")))
    return parsed[1] if parsed else 0


def encode_cursor(value: SortValue, number: int) -> str:
    """Opaque cursor: base64 JSON of the last sort value and id (shaped like Shopify's observed ones)."""
    raw = json.dumps({"last_id": number, "last_value": list(value)}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[SortValue, int]:
    """Inverse of :func:`encode_cursor`; a malformed cursor is a GraphQL error."""
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        flag, value = data["last_value"]
        return (int(flag), value), int(data["last_id"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        # Shopify's exact wording for a bad cursor is unconfirmed.
        raise GraphQLError(f"Invalid cursor: {cursor!r}", extensions={"code": "BAD_REQUEST"}) from exc


def page_size(args: dict[str, Any]) -> tuple[int | None, int | None]:
    """Validate ``first``/``last``: one of them is required and neither may exceed 250."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        # Observed wording (gnikyt/Basic-Shopify-API#22).
        raise GraphQLError("you must provide one of first or last")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            # Shopify's exact wording for page sizes over 250 is unconfirmed.
            raise GraphQLError(
                f"The '{name}' argument must be between 0 and {MAX_PAGE}; {value} was given.",
                extensions={"code": "MAX_PAGE_SIZE_EXCEEDED", "argumentName": name, "maxPageSize": MAX_PAGE},
            )
    return first, last


def paginate(
    items: Sequence[Node],
    args: dict[str, Any],
    sort_value: Callable[[Node], SortValue] | None = None,
) -> dict[str, Any]:
    """Slice ``items`` into a connection result (``edges``, ``nodes``, ``pageInfo``).

    Order is ``(sort value, id)`` ascending, both descending with ``reverse: true``; ``after``/``before``
    compare against that key, so pages never skip or repeat even when many share one sort value.
    Without ``sort_value`` the given order is kept and cursors carry the position.
    """
    first, last = page_size(args)
    reverse = bool(args.get("reverse"))
    keyed = [(_key(node, index, sort_value), node) for index, node in enumerate(items)]
    keyed.sort(key=lambda pair: pair[0], reverse=reverse)
    start, end = 0, len(keyed)
    if args.get("after"):
        start = _first_beyond(keyed, _cursor_key(args["after"]), reverse, after=True)
    if args.get("before"):
        end = _first_beyond(keyed, _cursor_key(args["before"]), reverse, after=False)
    window = list(range(start, max(start, end)))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[max(0, len(window) - last) :] if last else []
    edges = [{"cursor": encode_cursor(*keyed[i][0]), "node": keyed[i][1]} for i in window]
    after_last = window[-1] + 1 if window else end
    before_first = window[0] if window else start
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": after_last < len(keyed),
            "hasPreviousPage": before_first > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _key(node: Node, index: int, sort_value: Callable[[Node], SortValue] | None) -> tuple[SortValue, int]:
    if sort_value is None:
        return (1, index), id_number(node)
    return sort_value(node), id_number(node)


def _cursor_key(cursor: str) -> tuple[SortValue, int]:
    value, number = decode_cursor(cursor)
    return (value[0], value[1]), number


def _first_beyond(keyed: list[tuple[Any, Node]], mark: Any, reverse: bool, *, after: bool) -> int:
    """Index of the first item strictly after (``after``) or at-or-after (``before``) the cursor."""
    for index, (key, _) in enumerate(keyed):
        beyond = key < mark if reverse else key > mark
        at_or_beyond = beyond or key == mark
        if (after and beyond) or (not after and at_or_beyond):
            return index
    return len(keyed)
