"""A bulk query's selection compiled for stored objects: inline parts, and nested connections as own lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

Node = dict[str, Any]
Pending = list[tuple["Nested", Node, Any]]


@dataclass
class Leaf:
    """One response key: stored (``compute`` None) or computed; ``sub`` for objects."""

    key: str
    name: str
    compute: Callable[[Node], Any] | None = None
    sub: Projection | None = None
    serialize: Callable[[Any], Any] | None = None


@dataclass
class Nested:
    """A nested connection: its nodes go on their own lines."""

    name: str
    children: Callable[[Node], Iterable[Node]]
    projection: Projection


@dataclass
class Projection:
    """A selection on one object type, compiled."""

    leaves: list[Leaf] = field(default_factory=list)
    nested: list[Nested] = field(default_factory=list)

    def project(self, node: Node, pending: Pending, line_id: Any) -> Node:
        """The object's inline part; its nested connections are queued in ``pending``."""
        out: Node = {}
        for leaf in self.leaves:
            value = node.get(leaf.name) if leaf.compute is None else leaf.compute(node)
            if value is not None and leaf.sub is not None:
                sub = leaf.sub
                value = (
                    [sub.project(v, pending, line_id) for v in value]
                    if isinstance(value, list)
                    else sub.project(value, pending, line_id)
                )
            elif value is not None and leaf.serialize is not None:
                convert = leaf.serialize
                value = [convert(v) for v in value] if isinstance(value, list) else convert(value)
            out[leaf.key] = value
        pending.extend((nested, node, line_id) for nested in self.nested)
        return out

    def lines(self, node: Node, parent_id: Any = None) -> Iterator[Node]:
        """The node's line, then (depth first) every line of its nested connections."""
        pending: Pending = []
        line = self.project(node, pending, node.get("id"))
        if parent_id is not None:
            line["__parentId"] = parent_id
        yield line
        for nested, owner, line_id in pending:
            for child in nested.children(owner):
                yield from nested.projection.lines(child, line_id)
