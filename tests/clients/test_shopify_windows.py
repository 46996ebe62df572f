"""Order windows: validation, quoted search queries, boundaries and de-duplication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from clients.shopify_windows import OrderWindow, SeenOrders, dedupe_orders, shopify_timestamp, sort_key

JAN1 = datetime(2026, 1, 1, tzinfo=UTC)
JAN2 = datetime(2026, 1, 2, tzinfo=UTC)


def test_query_quotes_both_timestamps_and_is_half_open() -> None:
    window = OrderWindow(JAN1, JAN2)
    assert window.search_query() == (
        "processed_at:>='2026-01-01T00:00:00Z' AND processed_at:<'2026-01-02T00:00:00Z'"
    )


@pytest.mark.parametrize(
    ("field", "key"),
    [("processed_at", "PROCESSED_AT"), ("updated_at", "UPDATED_AT"), ("created_at", "CREATED_AT")],
)
def test_sort_key_matches_the_field(field: str, key: str) -> None:
    assert sort_key(field) == key
    assert OrderWindow(JAN1, JAN2).search_query(field).startswith(f"{field}:>='")  # type: ignore[arg-type]


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported order window field"):
        OrderWindow(JAN1, JAN2).search_query("id")  # type: ignore[arg-type]


def test_overlap_widens_only_the_start() -> None:
    query = OrderWindow(JAN1, JAN2).search_query("updated_at", overlap=timedelta(minutes=5))
    assert query == "updated_at:>='2025-12-31T23:55:00Z' AND updated_at:<'2026-01-02T00:00:00Z'"
    with pytest.raises(ValueError, match="overlap"):
        OrderWindow(JAN1, JAN2).search_query("updated_at", overlap=timedelta(seconds=-1))


def test_other_time_zones_are_converted_to_utc() -> None:
    sast = timezone(timedelta(hours=2))
    window = OrderWindow(datetime(2026, 1, 1, 2, tzinfo=sast), datetime(2026, 1, 2, 2, tzinfo=sast))
    assert window.start == JAN1
    assert window.start.tzinfo == UTC
    assert "'2026-01-01T00:00:00Z'" in window.search_query()


@pytest.mark.parametrize(
    ("start", "end", "match"),
    [
        (datetime(2026, 1, 1), JAN2, "timezone-aware"),  # noqa: DTZ001 - the point of the test
        (JAN1, datetime(2026, 1, 2), "timezone-aware"),  # noqa: DTZ001
        (JAN2, JAN1, "before"),
        (JAN1, JAN1, "before"),
    ],
)
def test_invalid_windows_are_rejected(start: datetime, end: datetime, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        OrderWindow(start, end)


def test_an_order_on_the_boundary_belongs_to_exactly_one_window() -> None:
    first, second = OrderWindow(JAN1, JAN2), OrderWindow(JAN2, JAN2 + timedelta(days=1))
    assert [first.contains(JAN2), second.contains(JAN2)] == [False, True]
    assert first.contains(JAN2 - timedelta(seconds=1))


def test_sub_second_boundaries_round_up_so_adjacent_windows_still_partition() -> None:
    cut = datetime(2026, 1, 1, 12, 0, 0, 250_000, tzinfo=UTC)
    assert shopify_timestamp(cut) == "2026-01-01T12:00:01Z"
    left, right = OrderWindow(JAN1, cut).search_query(), OrderWindow(cut, JAN2).search_query()
    assert left.endswith("<'2026-01-01T12:00:01Z'")
    assert right.startswith("processed_at:>='2026-01-01T12:00:01Z'")
    assert shopify_timestamp(JAN1) == "2026-01-01T00:00:00Z"


def order(gid: str, updated: str, tag: str = "") -> dict[str, str]:
    return {"id": gid, "updatedAt": updated, "tag": tag}


def test_dedupe_keeps_the_newest_copy_in_first_seen_position() -> None:
    orders = [
        order("gid://shopify/Order/1", "2026-01-01T10:00:00Z", "old"),
        order("gid://shopify/Order/2", "2026-01-01T11:00:00Z"),
        order("gid://shopify/Order/1", "2026-01-01T12:00:00Z", "new"),
        order("gid://shopify/Order/1", "2026-01-01T09:00:00Z", "older"),
    ]
    kept = dedupe_orders(orders)
    assert [(o["id"], o["tag"]) for o in kept] == [
        ("gid://shopify/Order/1", "new"),
        ("gid://shopify/Order/2", ""),
    ]


def test_seen_orders_lets_through_only_new_ids_or_newer_copies() -> None:
    seen = SeenOrders()
    assert seen.is_new(order("gid://shopify/Order/1", "2026-01-01T10:00:00Z"))
    assert not seen.is_new(order("gid://shopify/Order/1", "2026-01-01T10:00:00Z"))
    assert not seen.is_new(order("gid://shopify/Order/1", "2026-01-01T09:00:00Z"))
    assert seen.is_new(order("gid://shopify/Order/1", "2026-01-01T10:00:01Z"))
