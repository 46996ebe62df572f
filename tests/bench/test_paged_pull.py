"""P1's measurements: a real pull from the sandbox in its own process, and how a pull becomes a figure."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from bench.paged_pull import Pull, figure, pull

BASE = Pull(
    plan="standard", stored=200, fetched=200, wall=104.0, actual=12_000, requested=29_000, requests=30,
    pages=26, follow_ups=3, throttled_sent=0, throttled_retried=0, slept=90.0,
)  # fmt: skip


def _pull(**changes: Any) -> Pull:
    return dataclasses.replace(BASE, **changes)


def test_a_small_pull_gets_every_order_and_the_cost_the_sandbox_charged() -> None:
    result = pull("standard", 6)
    assert result.fetched == result.stored == 6
    assert result.pages >= 2  # the one-order probe, then pages sized from its cost
    assert result.requests == result.pages + result.follow_ups + 1  # + the access-scopes check
    assert 0 < result.actual < result.requested
    assert result.throttled_sent == result.throttled_retried == 0
    assert result.floor == 0  # 6 orders fit in the initial 2,000-point bucket
    assert math.isinf(result.ratio)


def test_floor_is_the_points_beyond_the_bucket_at_the_restore_rate() -> None:
    assert _pull().floor == (12_000 - 2_000) / 100
    assert _pull(plan="plus", actual=50_000).floor == (50_000 - 20_000) / 1_000
    assert _pull(actual=1_500).floor == 0


def test_figure_is_met_only_within_target_complete_and_with_every_throttle_retried() -> None:
    assert figure("P1b", _pull()).met is True
    assert figure("P1b", _pull()).value == "1.040"
    assert figure("P1b", _pull(wall=106.0)).met is False
    assert figure("P1b", _pull(fetched=199)).met is False
    assert figure("P1b", _pull(throttled_sent=2, throttled_retried=1)).met is False
    assert figure("P1b", _pull(throttled_sent=2, throttled_retried=2)).met is True
