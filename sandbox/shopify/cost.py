"""Query cost from the AST (requested, before execution) and from the result (actual, after).

Model (after Shopify's published rules): scalar and enum fields 0; an object field 1 plus its
selection; a connection ``2 + n × (1 + node selection)`` with ``n`` = ``first``/``last`` requested or
the number of nodes returned; a plain list of objects costs one element (the dearest one, for actual);
each top-level mutation field 10. ``edges``/``node``/``nodes``/``pageInfo`` are part of the connection's
``2``. Fragments and aliases are resolved like execution does.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)

from sandbox.shopify.walk import Grouped, Walk

MUTATION_COST = 10


def _is_connection(type_: Any) -> bool:
    return get_named_type(type_).name.endswith("Connection")


def _node_selection(walk: Walk, grouped: Grouped) -> Grouped:
    """The merged selection on the connection's node type, via ``nodes`` and ``edges { node }``."""
    merged: Grouped = {}
    for nodes in grouped.values():
        name = nodes[0].name.value
        inner = walk.subfields(nodes)
        if name == "edges":
            inner = walk.subfields([n for group in inner.values() for n in group if n.name.value == "node"])
        if name in ("nodes", "edges"):
            for key, fields in inner.items():
                merged.setdefault(key, []).extend(fields)
    return merged


def requested(walk: Walk, parent: GraphQLObjectType, grouped: Grouped) -> int:
    """Requested cost of a selection on ``parent``."""
    cost = 0
    for nodes in grouped.values():
        name = nodes[0].name.value
        definition = parent.fields.get(name)
        if definition is None:
            continue
        if definition.deprecation_reason is not None:
            walk.deprecated.add(f"{parent.name}.{name}")
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            continue
        if isinstance(named, GraphQLInterfaceType):  # ``node``: the dearest implementation
            kinds = walk.schema.get_possible_types(named)
            cost += 1 + max((requested(walk, k, walk.subfields(nodes)) for k in kinds), default=0)
            continue
        assert isinstance(named, GraphQLObjectType)
        if _is_connection(definition.type):
            node_type = named.fields["nodes"].type
            node_object = get_named_type(node_type)
            assert isinstance(node_object, GraphQLObjectType)
            per_node = 1 + requested(walk, node_object, _node_selection(walk, walk.subfields(nodes)))
            cost += 2 + walk.page_size(nodes[0]) * per_node
        else:
            cost += 1 + requested(walk, named, walk.subfields(nodes))
    return cost


def actual(walk: Walk, parent: GraphQLObjectType, grouped: Grouped, data: dict[str, Any] | None) -> int:
    """Actual cost of a selection given the returned ``data`` (same model, real counts)."""
    cost = 0
    for key, nodes in grouped.items():
        definition = parent.fields.get(nodes[0].name.value)
        if definition is None or is_leaf_type(get_named_type(definition.type)):
            continue
        named = get_named_type(definition.type)
        value = (data or {}).get(key)
        if isinstance(named, GraphQLInterfaceType):
            kinds = walk.schema.get_possible_types(named)
            inner = walk.subfields(nodes)
            cost += 1 + (max((actual(walk, k, inner, value) for k in kinds), default=0) if value else 0)
            continue
        assert isinstance(named, GraphQLObjectType)
        if _is_connection(definition.type):
            cost += 2 + _connection_actual(walk, named, nodes, value)
        elif _is_list(definition.type) and isinstance(value, list):
            inner = walk.subfields(nodes)
            cost += 1 + max((actual(walk, named, inner, item) for item in value), default=0)
        else:
            cost += 1 + (actual(walk, named, walk.subfields(nodes), value) if value else 0)
    return cost


def _is_list(type_: Any) -> bool:
    return is_list_type(type_.of_type if is_non_null_type(type_) else type_)


def _connection_actual(walk: Walk, named: GraphQLObjectType, nodes: list[FieldNode], value: Any) -> int:
    if not isinstance(value, dict):
        return 0
    grouped = walk.subfields(nodes)
    items: list[dict[str, Any]] = []
    for key, fields in grouped.items():
        if fields[0].name.value == "nodes":
            items = _merge(items, value.get(key) or [])
        elif fields[0].name.value == "edges":
            node_keys = [k for k, f in walk.subfields(fields).items() if f[0].name.value == "node"]
            for edge_key in node_keys:
                items = _merge(items, [edge.get(edge_key) or {} for edge in value.get(key) or []])
    node_object = get_named_type(named.fields["nodes"].type)
    assert isinstance(node_object, GraphQLObjectType)
    selection = _node_selection(walk, grouped)
    return sum(1 + actual(walk, node_object, selection, item) for item in items)


def _merge(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> list[dict[str, Any]]:
    longest = max(len(left), len(right))
    pad: dict[str, Any] = {}
    return [
        {**(left[i] if i < len(left) else pad), **(right[i] if i < len(right) else pad)}
        for i in range(longest)
    ]
