"""Bulk query text → Shopify's userErrors, or a projection compiled once over the stored objects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from graphql import (
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    is_list_type,
    is_specified_scalar_type,
    parse,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path

from sandbox.shopify.access import FIELD_SCOPES, RequestContext
from sandbox.shopify.bulk_projection import Leaf, Nested, Projection
from sandbox.shopify.bulk_sources import SOURCES, Source
from sandbox.shopify.errors import validation_errors
from sandbox.shopify.fields import FIELD_RESOLVERS
from sandbox.shopify.graphql_replies import parse_error
from sandbox.shopify.operation import fragments
from sandbox.shopify.totals import nodes
from sandbox.shopify.walk import Grouped, Walk

Node = dict[str, Any]
MAX_CONNECTIONS = 5
MAX_DEPTH = 2  # nested connections below the top-level one
IN_LIST = "Queries that contain a connection field within a list field are not currently supported."
_PAGING = ("first", "after", "last", "before", "reverse")


@dataclass
class BulkPlan:
    """A checked bulk query: where its roots come from and how each becomes lines."""

    source: Source
    arguments: dict[str, Any]
    projection: Projection
    missing_scopes: list[str]

    def projection_lines(self, context: RequestContext) -> Iterator[Node]:
        """Every line of the result, root by root (the store is read once)."""
        for root in self.source(context, self.arguments):
            yield from self.projection.lines(root)


class _Info:
    """The bits of ``GraphQLResolveInfo`` the sandbox's resolvers read."""

    def __init__(self, context: RequestContext, parent: GraphQLObjectType, name: str) -> None:
        self.context, self.parent_type, self.field_name = context, parent, name
        self.path = Path(None, name, parent.name)


@dataclass
class _Compiler:
    walk: Walk
    context: RequestContext
    connections: int = 0
    depth: int = -1  # the top-level connection is depth 0
    errors: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)

    def selection(self, parent: GraphQLObjectType, grouped: Grouped, in_list: bool = False) -> Projection:
        projection = Projection()
        for key, field_nodes in grouped.items():
            name = field_nodes[0].name.value
            if name == "__typename":
                projection.leaves.append(Leaf(key, name, compute=_constant(parent.name)))
                continue
            definition = parent.fields[name]
            scopes = FIELD_SCOPES.get((parent.name, name))
            if scopes and not any(self.context.has(s) for s in scopes):
                self.missing.add(scopes[0])
            named = get_named_type(definition.type)
            info = _Info(self.context, parent, name)
            args = get_argument_values(definition, field_nodes[0])
            if named.name.endswith("Connection"):
                if in_list:
                    self.errors.append(IN_LIST)
                projection.nested.append(self.connection(parent, name, field_nodes, info, args))
                continue
            compute = None
            if definition.resolve is not None:
                resolve = definition.resolve
                compute = partial(_call, resolve, info, args)
            leaf = Leaf(key, name, compute)
            if isinstance(named, GraphQLObjectType):
                listed = in_list or _is_list(definition.type)
                leaf.sub = self.selection(named, self.walk.subfields(field_nodes), listed)
            elif isinstance(named, GraphQLScalarType) and not is_specified_scalar_type(named):
                leaf.serialize = named.serialize
            projection.leaves.append(leaf)
        return projection

    def connection(
        self, parent: GraphQLObjectType, name: str, field_nodes: list[Any], info: _Info, args: dict[str, Any]
    ) -> Nested:
        self.connections += 1
        node_type, grouped = self.node_selection(parent.fields[name].type, field_nodes, name)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.errors.append("Bulk queries cannot contain connections with a nesting depth greater than 2.")
        before = self.connections
        projection = self.selection(node_type, grouped)
        self.depth -= 1
        if self.connections > before and not _selects_id(grouped):
            inner = ", ".join(n.name for n in projection.nested)
            self.errors.append(
                "The parent 'node' field for a nested connection must select the 'id' field without an alias "
                f"and must be of 'ID' return type. Connection fields without 'id': {inner}."
            )
        stored = getattr(FIELD_RESOLVERS.get(parent.name, {}).get(name), "stored_key", None)
        if stored is not None:
            return Nested(name, partial(_stored, stored), projection)
        resolve = parent.fields[name].resolve
        assert resolve is not None
        kept = {k: v for k, v in args.items() if k not in _PAGING}
        return Nested(name, partial(_all_pages, resolve, info, kept), projection)

    def node_selection(
        self, type_: Any, field_nodes: list[Any], name: str
    ) -> tuple[GraphQLObjectType, Grouped]:
        connection = get_named_type(type_)
        assert isinstance(connection, GraphQLObjectType)
        edge = get_named_type(connection.fields["edges"].type)
        assert isinstance(edge, GraphQLObjectType)
        node_type = get_named_type(edge.fields["node"].type)
        assert isinstance(node_type, GraphQLObjectType)
        grouped = self.walk.subfields(field_nodes)
        if any(nodes_[0].name.value == "nodes" for nodes_ in grouped.values()):
            self.errors.append(
                "All connection fields in a bulk query must select their contents using 'edges' > 'node', "
                f"e.g: '{name} {{ edges {{ node {{'. Selecting via 'nodes' is not supported. "
                f"Invalid connection fields: '{name}'."
            )
        edges = [n for group in grouped.values() for n in group if n.name.value == "edges"]
        inner = self.walk.subfields(edges)
        node_fields = [n for group in inner.values() for n in group if n.name.value == "node"]
        return node_type, self.walk.subfields(node_fields)


def _is_list(type_: Any) -> bool:
    inner = getattr(type_, "of_type", None)
    return is_list_type(type_) or (inner is not None and is_list_type(inner))


def _selects_id(grouped: Grouped) -> bool:
    return "id" in grouped and grouped["id"][0].name.value == "id"


def _constant(value: str) -> Callable[[Node], str]:
    return lambda _: value


def _call(resolve: Callable[..., Any], info: _Info, args: dict[str, Any], node: Node) -> Any:
    return resolve(node, info, **args)


def _stored(key: str, owner: Node) -> list[Node]:
    return nodes(owner.get(key))


def _all_pages(resolve: Callable[..., Any], info: _Info, args: dict[str, Any], owner: Node) -> Iterator[Node]:
    """Every node of a computed connection, paged through its own resolver (250 at a time)."""
    after = None
    while True:
        page = resolve(owner, info, first=250, after=after, **args)
        yield from page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def compile_bulk_query(text: str, context: RequestContext, schema: GraphQLSchema) -> BulkPlan | list[str]:
    """Check ``text`` against Shopify's bulk rules and compile it, or the userError messages."""
    try:
        document = parse(text)
    except GraphQLSyntaxError as error:
        return ["Invalid bulk query: " + parse_error(error)["message"]]
    problems = validation_errors(schema, document)
    if problems:
        return ["Invalid bulk query: " + str(problems[0]["message"])]
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    if operation.operation != OperationType.QUERY:
        return ["Invalid operation type. Only `query` operations are supported."]
    walk = Walk(schema, operation, fragments(document), {})
    root = schema.query_type
    assert root is not None
    top = walk.collect([operation.selection_set])
    return _compile_top(_Compiler(walk, context), root, top)


def _compile_top(compiler: _Compiler, root: GraphQLObjectType, top: Grouped) -> BulkPlan | list[str]:
    names = [group[0].name.value for group in top.values()]
    if any(n in ("node", "nodes") for n in names):
        compiler.errors.append("Bulk queries cannot contain a top level `node` field.")
    connections = [
        n
        for n in names
        if n in root.fields and get_named_type(root.fields[n].type).name.endswith("Connection")
    ]
    projection = compiler.selection(root, top)
    if compiler.connections > MAX_CONNECTIONS:
        compiler.errors.append("Bulk queries cannot contain more than 5 connections.")
    if not connections and not compiler.errors:
        compiler.errors.append("Bulk queries must contain at least one connection.")
    if compiler.errors:
        return list(dict.fromkeys(compiler.errors))  # each rule once, in the order first broken
    if len(names) != 1:
        return ["Bulk queries must contain exactly one top-level connection field."]
    source = SOURCES.get(names[0])
    if source is None:
        return [f"Bulk queries for '{names[0]}' are not supported by the sandbox."]
    (nested,) = projection.nested
    definition = root.fields[names[0]]
    arguments = get_argument_values(definition, next(iter(top.values()))[0])
    return BulkPlan(source, arguments, nested.projection, sorted(compiler.missing))
