"""The bulk orders query selects exactly the paged query's order fields (so both paths give one shape)."""

from __future__ import annotations

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, OperationDefinitionNode, parse

from clients import shopify_queries as q
from clients.shopify_bulk_queries import CHILD_CONNECTIONS, bulk_orders_query

SKIPPED = {"pageInfo", "__typename"}  # paging state, and the bulk query's child markers
TRANSPARENT = {"edges", "node", "nodes"}  # connection wrappers: bulk uses edges/node, paging nodes


def field_paths(document: str) -> set[str]:
    """Every selected field as a dotted path below ``orders``, fragments inlined, paging wrappers dropped."""
    parsed = parse(document)
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    [operation] = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    paths: set[str] = set()

    def walk(selections: object, prefix: str) -> None:
        for node in selections:  # type: ignore[attr-defined]
            if isinstance(node, FragmentSpreadNode):
                walk(fragments[node.name.value].selection_set.selections, prefix)
                continue
            assert isinstance(node, FieldNode)
            name = node.name.value
            if name in SKIPPED:
                continue
            path = prefix if name in TRANSPARENT else f"{prefix}.{name}".lstrip(".")
            if node.selection_set is None:
                paths.add(path)
            else:
                walk(node.selection_set.selections, path)

    walk(operation.selection_set.selections, "")
    return paths


def test_the_bulk_query_selects_the_paged_fields_and_no_others() -> None:
    bulk = field_paths(bulk_orders_query("processed_at:>='2026-01-01T00:00:00Z'", "processed_at"))
    paged = field_paths(q.ORDERS_PAGE)
    sort_only = {"orders.shippingLines.id", "orders.fulfillmentOrders.lineItems.id"}  # SORT_ONLY_ID, dropped
    assert sort_only <= bulk
    assert bulk - sort_only == paged
    assert {"orders.lineItems.sku", "orders.fulfillmentOrders.lineItems.lineItem.id"} <= bulk


def test_the_bulk_query_names_every_nested_node_type_and_embeds_the_search_safely() -> None:
    document = bulk_orders_query("""tag:'a "b"' AND updated_at:>='2026-01-01T00:00:00Z'""", "updated_at")
    parse(document)  # the quotes in the search stay inside one GraphQL string
    assert "sortKey: UPDATED_AT" in document
    assert document.count("__typename") == len(CHILD_CONNECTIONS)
    assert "first:" not in document
    assert "pageInfo" not in document
