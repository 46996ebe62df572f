"""The money and stock GraphQL documents ask only for what Shopify's schema (the sandbox's copy) has."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest

from clients import shopify_money_queries as q

SCHEMA = graphql.build_schema(
    (Path(__file__).parents[2] / "sandbox" / "shopify" / "schema.graphql").read_text()
)


@pytest.mark.parametrize("name", ["ORDERS_MONEY_PAGE", "LOCATIONS_PAGE", "LOCATION_INVENTORY_LEVELS"])
def test_document_validates_against_the_schema(name: str) -> None:
    document = graphql.parse(getattr(q, name))
    assert graphql.validate(SCHEMA, document) == []


def test_inventory_fragment_asks_for_the_quantity_names_the_transform_reads() -> None:
    for quantity in q.INVENTORY_QUANTITY_NAMES:
        assert f'"{quantity}"' in q.INVENTORY_LEVEL_FIELDS


def requested_cost(document: str, variables: dict[str, object]) -> int:
    """The sandbox's reading of Shopify's requested-cost rules, for one operation."""
    from graphql.execution.values import get_variable_values

    from sandbox.shopify.cost import requested
    from sandbox.shopify.engine import fragments
    from sandbox.shopify.walk import Walk

    parsed = graphql.parse(document)
    operation = parsed.definitions[0]
    assert isinstance(operation, graphql.OperationDefinitionNode)
    coerced = get_variable_values(SCHEMA, operation.variable_definitions or (), variables)
    assert not isinstance(coerced, list)
    walk = Walk(SCHEMA, operation, fragments(parsed), dict(coerced.coerced))
    assert SCHEMA.query_type is not None
    return requested(walk, SCHEMA.query_type, walk.collect([operation.selection_set]))


def test_pages_of_a_useful_size_stay_under_shopifys_single_query_limit() -> None:
    # ~73 points per order (refund connections sized 5/1/2): 12 orders a page fit under 1,000.
    assert requested_cost(q.ORDERS_MONEY_PAGE, {"first": 12}) <= 1000
    assert (
        requested_cost(q.LOCATION_INVENTORY_LEVELS, {"id": "gid://shopify/Location/1", "first": 200}) <= 1000
    )
