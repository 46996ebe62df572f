"""Search syntax in ``query:``: timestamps quoted vs unquoted, connectives, negation, status filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sandbox.clock import iso, parse_instant
from sandbox.shopify.filters import compile_orders
from tests.sandbox.conftest import Shop

SAST = ZoneInfo("Africa/Johannesburg")
IDS = "query Q($q: String) { orders(first: 250, query: $q) { nodes { id } } }"


def order(n: int, updated: str, **extra: Any) -> dict[str, Any]:
    base = {
        "id": f"gid://shopify/Order/{n}",
        "name": f"#{n}",
        "createdAt": updated,
        "updatedAt": updated,
        "processedAt": updated,
        "closed": False,
        "cancelledAt": None,
        "test": False,
        "tags": [],
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "email": None,
    }
    return {**base, **extra}


# Shop time is UTC+2: 2026-10-10T00:00 SAST is 2026-10-09T22:00Z.
NODES = [
    order(1, "2026-10-09T21:59:59Z"),  # 23:59:59 SAST on the 9th
    order(2, "2026-10-09T22:00:00Z"),  # midnight SAST on the 10th
    order(3, "2026-10-10T09:00:00Z", test=True),
    order(4, "2026-10-10T12:00:00Z", closed=True, tags=["vip"]),
    order(
        5,
        "2026-10-10T15:30:00Z",
        cancelledAt="2026-10-10T16:00:00Z",
        closed=True,
        displayFinancialStatus="REFUNDED",
    ),
    order(6, "2026-10-11T08:00:00Z", displayFinancialStatus="PARTIALLY_REFUNDED"),
]


def matching(text: str) -> list[int]:
    compiled = compile_orders(text, "Africa/Johannesburg")
    return [int(n["id"].rsplit("/", 1)[1]) for n in NODES if compiled.predicate(n)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("updated_at:>='2026-10-10T12:00:00Z'", [4, 5, 6]),
        ("updated_at:>'2026-10-10T12:00:00Z'", [5, 6]),
        ("updated_at:<'2026-10-10T12:00:00Z'", [1, 2, 3]),
        ("updated_at:<='2026-10-10T12:00:00Z'", [1, 2, 3, 4]),
        ("updated_at:'2026-10-10T12:00:00Z'", [4]),
        ('updated_at:>="2026-10-10T14:00:00+02:00"', [4, 5, 6]),
        # Unquoted: the time part is dropped, the date is read in shop time (midnight SAST).
        ("updated_at:>=2026-10-10T12:00:00Z", [2, 3, 4, 5, 6]),
        ("updated_at:<=2026-10-10T12:00:00Z", [1, 2]),
        ("updated_at:>=2026-10-10", [2, 3, 4, 5, 6]),
        ("updated_at:2026-10-10", [2, 3, 4, 5]),
        ("updated_at:>='2026-10-10T00:00:00Z' updated_at:<'2026-10-11T00:00:00Z'", [3, 4, 5]),
        ("updated_at:>='2026-10-10T00:00:00Z' AND updated_at:<'2026-10-11T00:00:00Z'", [3, 4, 5]),
        ("created_at:<'2026-10-10T00:00:00Z' OR test:true", [1, 2, 3]),
        ("-test:true updated_at:<'2026-10-10T12:00:00Z'", [1, 2]),
        ("NOT test:true AND (status:closed OR financial_status:partially_refunded)", [4, 5, 6]),
        ("status:open", [1, 2, 3, 6]),
        ("status:cancelled", [5]),
        ("status:any", [1, 2, 3, 4, 5, 6]),
        ("financial_status:refunded", [5]),
        ("tag:VIP", [4]),
        ("name:#3", [3]),
        ("name:3", [3]),
        ("id:>=5", [5, 6]),
        ("processed_at:<'2026-10-09T22:00:00Z'", [1]),
    ],
)
def test_search_terms(query: str, expected: list[int]) -> None:
    assert matching(query) == expected


def test_unknown_fields_are_ignored_with_a_warning() -> None:
    compiled = compile_orders("colour:blue test:true", "Africa/Johannesburg")
    assert [n["id"] for n in NODES if compiled.predicate(n)] == ["gid://shopify/Order/3"]
    assert compiled.warnings == [{"field": "colour", "message": "Invalid search field for this query."}]
    assert compile_orders("status:whatever", "Africa/Johannesburg").warnings[0]["field"] == "status"
    assert compile_orders(None, "UTC").warnings == []
    assert matching("") == [1, 2, 3, 4, 5, 6]


def test_search_warnings_reach_the_client(shared_shop: Shop) -> None:
    body = shared_shop.gql(IDS, {"q": "colour:blue"})
    assert len(body["data"]["orders"]["nodes"]) == len(shared_shop.orders_truth())
    (entry,) = body["extensions"]["search"]
    assert entry["path"] == ["orders"]
    assert entry["query"] == "colour:blue"


def test_mid_day_window_quoted_is_exact_unquoted_is_date_rounded(shared_shop: Shop) -> None:
    truth = shared_shop.orders_truth()
    stamps = sorted(parse_instant(o["updatedAt"]) for o in truth)
    low, high = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    low_mid = low.replace(minute=0, second=0) + timedelta(minutes=30)
    high_mid = high.replace(minute=0, second=0) + timedelta(minutes=30)
    query = f"updated_at:>='{iso(low_mid)}' AND updated_at:<'{iso(high_mid)}'"
    got = {n["id"] for n in shared_shop.data(IDS, {"q": query})["orders"]["nodes"]}
    assert got == {o["id"] for o in truth if low_mid <= parse_instant(o["updatedAt"]) < high_mid}
    assert got, "the window is not empty"
    unquoted = f"updated_at:>={iso(low_mid)} AND updated_at:<{iso(high_mid)}"
    rounded = {n["id"] for n in shared_shop.data(IDS, {"q": unquoted})["orders"]["nodes"]}
    start, end = _shop_midnight(low_mid), _shop_midnight(high_mid)
    assert rounded == {o["id"] for o in truth if start <= parse_instant(o["updatedAt"]) < end}


def _shop_midnight(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date()  # the date as written in the (UTC) timestamp
    return datetime(day.year, day.month, day.day, tzinfo=SAST)


def test_count_uses_the_same_search(shared_shop: Shop) -> None:
    truth = shared_shop.orders_truth()
    count = shared_shop.data('{ ordersCount(query: "test:true", limit: null) { count } }')["ordersCount"][
        "count"
    ]
    assert count == sum(1 for o in truth if o["test"]) > 0
