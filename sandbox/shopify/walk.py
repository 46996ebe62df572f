"""Walk an operation the way execution does: fields by response key through fragments and @skip/@include."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

Grouped = dict[str, list[FieldNode]]


@dataclass
class Walk:
    """One operation with its fragments and coerced variables."""

    schema: GraphQLSchema
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    deprecated: set[str] = field(default_factory=set)
    page_sizes: list[int] = field(default_factory=list)

    def collect(self, selection_sets: list[SelectionSetNode]) -> Grouped:
        """Fields by response key, through fragments, honouring @skip/@include."""
        grouped: Grouped = {}
        for selection in self._selections(selection_sets, set()):
            grouped.setdefault(selection.alias.value if selection.alias else selection.name.value, []).append(
                selection
            )
        return grouped

    def _selections(self, sets: list[SelectionSetNode], seen: set[str]) -> Iterator[FieldNode]:
        for selection_set in sets:
            for node in selection_set.selections:
                if not self._included(node):
                    continue
                if isinstance(node, FieldNode):
                    yield node
                elif isinstance(node, InlineFragmentNode):
                    yield from self._selections([node.selection_set], seen)
                elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                    fragment = self.fragments.get(node.name.value)
                    if fragment is not None:
                        yield from self._selections([fragment.selection_set], seen | {node.name.value})

    def _included(self, node: Any) -> bool:
        for directive in node.directives or ():
            if directive.name.value in ("skip", "include"):
                condition = next((a.value for a in directive.arguments if a.name.value == "if"), None)
                value = self._literal(condition)
                if (directive.name.value == "skip") == bool(value):
                    return False
        return True

    def _literal(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, BooleanValueNode):
            return node.value
        return None

    def page_size(self, node: FieldNode) -> int:
        """``first`` (or ``last``) of a connection field, 0 when missing."""
        args = {a.name.value: self._literal(a.value) for a in node.arguments or ()}
        size = args.get("first") if args.get("first") is not None else args.get("last")
        value = int(size) if isinstance(size, int) and size > 0 else 0
        self.page_sizes.append(value)
        return value

    def subfields(self, nodes: list[FieldNode]) -> Grouped:
        """The merged selection of several nodes of one response key."""
        return self.collect([n.selection_set for n in nodes if n.selection_set])
