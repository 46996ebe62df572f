"""`split_cents`: parts always add up to the whole, each within a cent of its exact share."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.splitting import split_cents


@settings(max_examples=100, deadline=None)
@given(
    total=st.integers(min_value=-(10**9), max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30),
)
def test_parts_sum_to_the_total_and_stay_within_a_cent_of_their_share(total: int, weights: list[int]) -> None:
    parts = split_cents(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    whole = sum(weights)
    if whole:
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - Fraction(total * weight, whole)) <= 1


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (100, [1, 1, 1], [33, 34, 33]),  # running 33.33 -> 33, 66.67 -> 67, 100
        (1304, [6666, 3334], [869, 435]),
        (5, [1, 1], [3, 2]),  # 2.5 rounds half up
        (-5, [1, 1], [-3, -2]),
        (7, [0, 0], [0, 7]),
        (10, [0, 3, 0], [0, 10, 0]),
    ],
)
def test_hand_checked_splits(total: int, weights: list[int], parts: list[int]) -> None:
    assert split_cents(total, weights) == parts


def test_no_parts_or_negative_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="no parts"):
        split_cents(1, [])
    with pytest.raises(ValueError, match="negative"):
        split_cents(1, [1, -1])
