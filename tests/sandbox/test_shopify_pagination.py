"""Cursor pagination: stable (sort value, id) order, no skip or repeat, reverse, last/before, sort keys."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest

from tests.sandbox.conftest import Shop

PAGE = """
query Page($first: Int, $last: Int, $after: String, $before: String, $q: String, $sort: OrderSortKeys,
           $rev: Boolean) {
  orders(first: $first, last: $last, after: $after, before: $before, query: $q, sortKey: $sort,
         reverse: $rev) {
    edges { cursor node { id updatedAt name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def walk(shop: Shop, size: int, **variables: Any) -> list[str]:
    ids: list[str] = []
    after = None
    for _ in range(200):
        page = shop.data(PAGE, {"first": size, "after": after, **variables})["orders"]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


def test_many_orders_sharing_one_updated_at_page_without_skip_or_repeat(shop: Shop) -> None:
    shop.admin("POST", "/clock", {"scale": 0})
    created = [shop.admin("POST", "/orders", {})["order"] for _ in range(23)]
    stamp = created[0]["updatedAt"]
    assert {o["updatedAt"] for o in created} == {stamp}
    query = f"updated_at:>='{stamp}'"
    ids = walk(shop, 4, q=query, sort="UPDATED_AT")
    assert ids == sorted((o["id"] for o in created), key=lambda gid: int(gid.rsplit("/", 1)[1]))
    backwards = walk(shop, 5, q=query, sort="UPDATED_AT", rev=True)
    assert backwards == ids[::-1]


def test_order_edited_mid_walk_moves_to_the_end_but_nothing_is_lost(shop: Shop) -> None:
    truth = sorted(shop.orders_truth(), key=lambda o: (o["updatedAt"], int(o["legacyResourceId"])))
    first_page = shop.data(PAGE, {"first": 10, "sort": "UPDATED_AT"})["orders"]
    seen = [e["node"]["id"] for e in first_page["edges"]]
    assert seen == [o["id"] for o in truth[:10]]
    moved = truth[2]
    shop.admin("POST", f"/orders/{moved['legacyResourceId']}/edit", {"tags": ["edited"]})
    rest = _rest(shop, first_page["pageInfo"]["endCursor"])
    assert rest[-1] == moved["id"]
    assert set(seen) | set(rest) == {o["id"] for o in truth}
    assert len(rest) == len(truth) - 10 + 1


def _rest(shop: Shop, after: str) -> list[str]:
    ids: list[str] = []
    cursor: str | None = after
    while cursor:
        page = shop.data(PAGE, {"first": 10, "after": cursor, "sort": "UPDATED_AT"})["orders"]
        ids += [e["node"]["id"] for e in page["edges"]]
        cursor = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    return ids


def test_cursors_are_opaque_base64_and_page_info_is_accurate(shared_shop: Shop) -> None:
    page = shared_shop.data(PAGE, {"first": 5})["orders"]
    assert page["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": page["edges"][0]["cursor"],
        "endCursor": page["edges"][-1]["cursor"],
    }
    base64.b64decode(page["edges"][0]["cursor"], validate=True)
    second = shared_shop.data(PAGE, {"first": 5, "after": page["pageInfo"]["endCursor"]})["orders"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    back = shared_shop.data(PAGE, {"last": 5, "before": second["pageInfo"]["startCursor"]})["orders"]
    assert [e["node"]["id"] for e in back["edges"]] == [e["node"]["id"] for e in page["edges"]]
    assert back["pageInfo"]["hasPreviousPage"] is False
    assert back["pageInfo"]["hasNextPage"] is True
    bad = shared_shop.gql(PAGE, {"first": 5, "after": "not-a-cursor"})
    assert bad["data"] is None
    assert "cursor" in bad["errors"][0]["message"].lower()


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("ID", lambda o: 0),
        ("CREATED_AT", lambda o: o["createdAt"]),
        ("PROCESSED_AT", lambda o: o["processedAt"]),
        ("ORDER_NUMBER", lambda o: int(o["name"].lstrip("#"))),
        ("TOTAL_PRICE", lambda o: Decimal(o["totalPriceSet"]["shopMoney"]["amount"])),
    ],
)
def test_sort_keys_with_id_tie_break(shared_shop: Shop, sort: str, key: Any) -> None:
    truth = shared_shop.orders_truth()
    expected = [o["id"] for o in sorted(truth, key=lambda o: (key(o), int(o["legacyResourceId"])))]
    assert walk(shared_shop, 13, sort=sort) == expected
    assert walk(shared_shop, 13, sort=sort, rev=True) == expected[::-1]


def test_last_without_before_takes_the_tail(shared_shop: Shop) -> None:
    truth = sorted(shared_shop.orders_truth(), key=lambda o: int(o["legacyResourceId"]))
    page = shared_shop.data(PAGE, {"last": 3})["orders"]
    assert [e["node"]["id"] for e in page["edges"]] == [o["id"] for o in truth[-3:]]
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["hasPreviousPage"] is True
