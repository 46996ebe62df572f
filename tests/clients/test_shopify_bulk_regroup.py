"""Regrouping bulk JSONL (children before or after parents, two levels) into complete orders, on disk."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from clients.shopify_bulk_regroup import BulkResult
from clients.shopify_errors import ShopifyBulkError

FIXTURE = Path(__file__).parent / "fixtures" / "bulk_orders.jsonl"


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def write_lines(path: Path, objects: Iterable[dict[str, Any]]) -> Path:
    with path.open("w") as out:
        for obj in objects:
            out.write(json.dumps(obj) + "\n")
    return path


def regroup(tmp_path: Path, jsonl: Path, chunk: int = 1_000, field: str = "processed_at") -> list[list[Any]]:
    with BulkResult(tmp_path / "regroup.sqlite", field, batch=7) as result:
        result.load(jsonl)
        return list(result.orders(chunk))


def test_children_before_and_after_their_parents_rebuild_the_paged_shape(tmp_path: Path) -> None:
    with BulkResult(tmp_path / "r.sqlite", "processed_at") as result:
        assert result.load(FIXTURE) == 9  # every line counted, to check against objectCount
        [orders] = list(result.orders())
    first, second = orders
    assert first == {
        "id": gid("Order", 1),
        "name": "#1001",
        "processedAt": "2026-11-01T10:00:00Z",
        "totalPriceSet": {"shopMoney": {"amount": "64.90", "currencyCode": "ZAR"}},
        "shippingLines": {"nodes": [{"title": "Courier", "code": "CG"}]},
        "lineItems": {
            "nodes": [
                {"id": gid("LineItem", 11), "sku": "A-1", "quantity": 1},
                {"id": gid("LineItem", 12), "sku": "B-2", "quantity": 3},
            ]
        },
        "fulfillmentOrders": {
            "nodes": [
                {
                    "id": gid("FulfillmentOrder", 21),
                    "status": "OPEN",
                    "lineItems": {
                        "nodes": [
                            {
                                "totalQuantity": 1,
                                "remainingQuantity": 1,
                                "lineItem": {"id": gid("LineItem", 11)},
                            },
                            {
                                "totalQuantity": 3,
                                "remainingQuantity": 0,
                                "lineItem": {"id": gid("LineItem", 12)},
                            },
                        ]
                    },
                }
            ]
        },
    }
    assert second["id"] == gid("Order", 2)
    assert second["lineItems"] == {"nodes": [{"id": gid("LineItem", 13), "sku": "C-3", "quantity": 2}]}
    assert second["shippingLines"] == {"nodes": []}
    assert second["fulfillmentOrders"] == {"nodes": []}
    assert not (tmp_path / "r.sqlite").exists()


def test_a_child_whose_parent_never_appears_is_an_error(tmp_path: Path) -> None:
    lines = FIXTURE.read_text().splitlines()
    orphan = {"id": gid("LineItem", 99), "__typename": "LineItem", "__parentId": gid("Order", 404)}
    jsonl = write_lines(tmp_path / "o.jsonl", [*map(json.loads, lines), orphan])
    with pytest.raises(
        ShopifyBulkError, match=r"Line 10 .* LineItem whose parent gid://shopify/Order/404 never"
    ):
        regroup(tmp_path, jsonl)


def test_a_grandchild_whose_parent_is_missing_is_an_error(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    jsonl = write_lines(
        tmp_path / "o.jsonl", [obj for obj in lines if "FulfillmentOrder/" not in obj.get("id", "")]
    )
    with pytest.raises(ShopifyBulkError, match=r"FulfillmentOrderLineItem whose parent \S+/21"):
        regroup(tmp_path, jsonl)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "gid://shopify/Order/1", ', "Line 2 of the bulk result is not valid JSON"),
        ("[1, 2]", "Line 2 of the bulk result is not a JSON object"),
        ('{"id": "gid://shopify/Order/1", "processedAt": "2026-11-01T00:00:00Z"}', "holds an order twice"),
        ('{"id": "x", "__parentId": "gid://shopify/Order/1"}', "unknown type None"),
        ('{"__typename": "FulfillmentOrderLineItem", "__parentId": "gid://shopify/Order/1"}', "no Fulfil"),
    ],
)
def test_unusable_lines_are_errors(tmp_path: Path, line: str, message: str) -> None:
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"id": "gid://shopify/Order/1", "processedAt": "2026-11-01T00:00:00Z"}\n' + line + "\n")
    with pytest.raises(ShopifyBulkError, match=message):
        regroup(tmp_path, jsonl)


def test_more_than_a_hundred_children_are_all_kept_in_order(tmp_path: Path) -> None:
    order = {"id": gid("Order", 7), "processedAt": "2026-11-01T00:00:00Z"}
    items = [
        {"id": gid("LineItem", n), "__typename": "LineItem", "__parentId": gid("Order", 7)}
        for n in range(250)
    ]
    jsonl = write_lines(tmp_path / "many.jsonl", [*items[:120], order, *items[120:]])
    [[rebuilt]] = regroup(tmp_path, jsonl)
    assert [item["id"] for item in rebuilt["lineItems"]["nodes"]] == [gid("LineItem", n) for n in range(250)]


def test_siblings_come_back_in_id_order_and_sort_only_ids_are_dropped(tmp_path: Path) -> None:
    order = {"id": gid("Order", 7), "processedAt": "2026-11-01T00:00:00Z"}
    lines = [
        {
            "id": gid("FulfillmentOrderLineItem", 52),
            "__typename": "FulfillmentOrderLineItem",
            "__parentId": gid("FulfillmentOrder", 9),
        },
        {"id": gid("LineItem", 30), "__typename": "LineItem", "__parentId": order["id"]},
        {"id": gid("ShippingLine", 6), "code": "b", "__typename": "ShippingLine", "__parentId": order["id"]},
        order,
        {"id": gid("FulfillmentOrder", 9), "__typename": "FulfillmentOrder", "__parentId": order["id"]},
        {
            "id": gid("FulfillmentOrderLineItem", 51),
            "__typename": "FulfillmentOrderLineItem",
            "__parentId": gid("FulfillmentOrder", 9),
        },
        {"id": gid("ShippingLine", 5), "code": "a", "__typename": "ShippingLine", "__parentId": order["id"]},
        {"id": gid("LineItem", 4), "__typename": "LineItem", "__parentId": order["id"]},
    ]
    [[rebuilt]] = regroup(tmp_path, write_lines(tmp_path / "s.jsonl", lines))
    assert rebuilt["lineItems"] == {"nodes": [{"id": gid("LineItem", 4)}, {"id": gid("LineItem", 30)}]}
    assert rebuilt["shippingLines"] == {"nodes": [{"code": "a"}, {"code": "b"}]}
    [fulfillment_order] = rebuilt["fulfillmentOrders"]["nodes"]
    assert fulfillment_order == {"id": gid("FulfillmentOrder", 9), "lineItems": {"nodes": [{}, {}]}}


@pytest.mark.parametrize("chunk", [1, 3, 4, 10, 100])
def test_roots_sharing_one_instant_cross_chunk_boundaries_without_loss(tmp_path: Path, chunk: int) -> None:
    same = "2026-11-01T10:00:00Z"
    roots = [{"id": gid("Order", n), "updatedAt": same} for n in (31, 4, 17, 200, 5, 9, 1000, 2, 8, 60)]
    roots.append(
        {"id": gid("Order", 3), "updatedAt": "2026-11-01T12:00:00+02:00"}
    )  # same instant, other zone
    roots.append({"id": gid("Order", 1), "updatedAt": "2026-11-01T09:59:59Z"})
    children = [
        {"id": gid("LineItem", n), "__typename": "LineItem", "__parentId": r["id"]}
        for n, r in enumerate(roots)
    ]
    pages = regroup(
        tmp_path,
        write_lines(tmp_path / "same.jsonl", [*children[::2], *roots, *children[1::2]]),
        chunk,
        "updated_at",
    )
    assert all(len(page) <= chunk for page in pages)
    ids = [int(order["id"].rsplit("/", 1)[1]) for page in pages for order in page]
    assert ids == [1, 2, 3, 4, 5, 8, 9, 17, 31, 60, 200, 1000]
    for page in pages:
        for order in page:
            [item] = order["lineItems"]["nodes"]
            assert children[int(item["id"].rsplit("/", 1)[1])]["__parentId"] == order["id"]


def test_an_empty_result_has_no_orders(tmp_path: Path) -> None:
    jsonl = tmp_path / "empty.jsonl"
    jsonl.write_text("")
    with BulkResult(tmp_path / "r.sqlite", "created_at") as result:
        assert result.load(jsonl) == 0
        assert list(result.orders()) == []


def big_orders(count: int) -> Iterable[dict[str, Any]]:
    for n in range(count):
        order = gid("Order", n)
        yield {"id": gid("LineItem", 2 * n), "sku": f"SKU-{n}", "__typename": "LineItem", "__parentId": order}
        yield {
            "id": order,
            "name": f"#{n}",
            "processedAt": f"2026-11-{1 + n % 28:02}T10:00:00Z",
            "note": "x" * 200,
        }
        if n % 10 == 0:
            fulfillment_order = gid("FulfillmentOrder", n)
            yield {"id": fulfillment_order, "__typename": "FulfillmentOrder", "__parentId": order}
            yield {
                "totalQuantity": 1,
                "__typename": "FulfillmentOrderLineItem",
                "__parentId": fulfillment_order,
            }


def test_regrouping_twenty_thousand_orders_keeps_memory_bounded_by_the_chunk(tmp_path: Path) -> None:
    count, chunk = 20_000, 500
    jsonl = write_lines(tmp_path / "big.jsonl", big_orders(count))
    tracemalloc.start()
    try:
        with BulkResult(tmp_path / "big.sqlite", "processed_at", batch=2_000) as result:
            assert result.load(jsonl) == 2 * count + count // 5
            seen, held = 0, 0
            for page in result.orders(chunk):
                seen += len(page)
                _, held = tracemalloc.get_traced_memory()
                assert len(page) <= chunk
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        one_chunk = [json.loads(json.dumps(order)) for order in page]
        per_order = tracemalloc.get_traced_memory()[1] / len(one_chunk)
    finally:
        tracemalloc.stop()
    assert seen == count
    # holding every order would take count × per_order; the regroup's peak must stay near one chunk's worth
    all_orders = count * per_order
    print(f"regroup peak {peak / 1e6:.1f} MB; all {count} orders would hold {all_orders / 1e6:.1f} MB")
    assert peak < all_orders / 16, (peak, all_orders, held)
