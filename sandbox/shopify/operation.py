"""The engine's records: the reply and log facts of a request, a priced plan, picking the operation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, FragmentDefinitionNode, GraphQLObjectType, OperationDefinitionNode

from sandbox.shopify.errors import error_json
from sandbox.shopify.walk import Walk


@dataclass
class Outcome:
    """What the HTTP layer sends and what the request log records."""

    body: dict[str, Any]
    operation_name: str | None = None
    requested: int | None = None
    actual: int | None = None
    deprecated: list[str] = field(default_factory=list)
    page_sizes: list[int] = field(default_factory=list)

    @property
    def error_codes(self) -> list[str]:
        """``extensions.code`` of each error (for the request log)."""
        return [str((e.get("extensions") or {}).get("code", "")) for e in self.body.get("errors") or []]


@dataclass
class Plan:
    """A validated, priced operation ready to execute."""

    document: DocumentNode
    name: str | None
    walk: Walk
    root: GraphQLObjectType
    grouped: dict[str, Any]
    mutation: bool
    outcome: Outcome


def fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """Fragment definitions by name."""
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def pick_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | dict[str, Any]:
    """The operation to run, or the error entry when it is ambiguous or missing."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        found = [op for op in operations if op.name and op.name.value == name]
        return found[0] if found else error_json(f'No operation named "{name}"')
    if len(operations) > 1:
        return error_json("An operation name is required")
    return operations[0]
