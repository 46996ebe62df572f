"""Page size from requestedQueryCost: probe, derive per-node cost, stay within 1,000 and the bucket."""

from __future__ import annotations

import pytest

from clients.shopify_errors import ShopifyQueryError, ShopifyTransientError
from clients.shopify_sizing import MAX_QUERY_COST, PROBE_PAGE_SIZE, PageSizer


def test_first_page_is_a_small_probe() -> None:
    assert PageSizer().choose() == PROBE_PAGE_SIZE
    assert PageSizer().estimate(PROBE_PAGE_SIZE) is None


@pytest.mark.parametrize(
    ("probe_first", "requested", "expected"),
    [
        (1, 123, 8),  # 121 points per order → 2 + 8 × 121 = 970
        (1, 6, 249),  # 4 per node → 249 (2 + 996)
        (10, 32, 250),  # 3 per node would allow 332: capped at 250
        (5, 2 + 5 * 998, 1),  # one node fits exactly
    ],
)
def test_largest_first_within_the_single_query_limit(probe_first: int, requested: int, expected: int) -> None:
    sizer = PageSizer()
    sizer.learn(probe_first, requested)
    first = sizer.choose()
    assert first == expected
    assert sizer.estimate(first) == 2 + first * (requested - 2) / probe_first <= MAX_QUERY_COST
    bigger = sizer.estimate(first + 1)
    assert first == 250 or (bigger is not None and bigger > MAX_QUERY_COST)


def test_bucket_maximum_smaller_than_1000_limits_the_page() -> None:
    sizer = PageSizer()
    sizer.learn(1, 12)  # 10 per node
    assert sizer.choose(bucket_max=502.0) == 50
    assert sizer.choose(bucket_max=2000.0) == 99


def test_max_page_size_caps_and_is_validated() -> None:
    sizer = PageSizer(max_size=20)
    sizer.learn(1, 3)
    assert sizer.choose() == 20
    with pytest.raises(ValueError, match="max_page_size"):
        PageSizer(max_size=251)
    with pytest.raises(ValueError, match="max_page_size"):
        PageSizer(max_size=0)


def test_a_node_too_expensive_for_one_query_is_refused_before_sending() -> None:
    sizer = PageSizer()
    sizer.learn(1, 1200)
    with pytest.raises(ShopifyQueryError, match="fewer fields"):
        sizer.choose()


def test_repeated_server_errors_halve_the_page_down_to_one() -> None:
    sizer = PageSizer(node_cost=3.0)
    assert sizer.choose() == 250
    error = ShopifyTransientError("HTTP 500", kind="http_5xx")
    assert sizer.note_failure(error) is None  # one failure may be a blip
    sizes = []
    for _ in range(9):
        shrunk = sizer.note_failure(error)
        sizes.append(sizer.choose())
        assert shrunk in (None, sizes[-1])
    assert sizes == [125, 62, 31, 15, 7, 3, 1, 1, 1]


def test_rate_limits_and_bad_bodies_do_not_shrink_the_page() -> None:
    sizer = PageSizer(node_cost=3.0)
    sizer.choose()
    for kind in ("throttled", "http_429", "bad_body", "transport"):
        for _ in range(3):
            assert sizer.note_failure(ShopifyTransientError(kind, kind=kind)) is None
    assert sizer.choose() == 250


def test_success_resets_the_failure_streak_but_keeps_the_smaller_size() -> None:
    sizer = PageSizer(node_cost=3.0)
    sizer.choose()
    timeout = ShopifyTransientError("timeout", kind="timeout")
    sizer.note_failure(timeout)
    assert sizer.note_failure(timeout) == 125
    sizer.learn(125, 2 + 125 * 3)
    assert sizer.note_failure(timeout) is None
    assert sizer.choose() == 125
