"""One fault schedule, derived only from (seed, index): store size, faults, crash points, store changes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from shoplines.crashpoints import WAREHOUSE_POINTS as POINTS

CHANGES = ("quantity_down", "address", "cancel", "new_order")
SFTP_FAULTS = ("drop_write", "drop_before_rename", "drop_after_rename")


@dataclass(frozen=True)
class Round:
    """One run of the line, re-run until done: the crash point of its first run(s), the Shopify faults
    active during it, and the store changes made before it (none before the first round)."""

    crash_at: str | None
    shopify_faults: tuple[dict[str, Any], ...]
    changes: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    """Everything random about one schedule, fixed up front."""

    index: int
    seed: int
    orders: int
    sftp_faults: dict[str, float]
    pickup_jitter: float
    rounds: tuple[Round, ...]
    answer_delay: float = 0.0
    hide_taken: bool = False  # the 3PL moves taken files where we cannot look (only its answer is evidence)

    @property
    def threepl_options(self) -> list[str]:
        """How the 3PL behaves, as `python -m sandbox serve` options."""
        options = ["--pickup-jitter", str(self.pickup_jitter), "--answer-delay", str(self.answer_delay)]
        return options + (["--hide-taken"] if self.hide_taken else [])

    @property
    def settle_wait(self) -> float:
        """Seconds after which a file the 3PL took has surely been answered."""
        return self.pickup_jitter + self.answer_delay + 1.0

    @property
    def sftp_spec(self) -> str:
        """The faults as `python -m sandbox serve --sftp-faults` takes them."""
        return ",".join(f"{name}={chance:g}" for name, chance in self.sftp_faults.items())

    def describe(self) -> str:
        """Crash points, SFTP and Shopify faults, in one short line."""
        crashes = ",".join(r.crash_at or "none" for r in self.rounds)
        shopify = ",".join(f"{f['kind']}{f.get('status', '')}" for r in self.rounds for f in r.shopify_faults)
        hidden = ", taken out of sight" if self.hide_taken else ""
        threepl = f"3pl jitter {self.pickup_jitter:g} s, answers after {self.answer_delay:g} s{hidden}"
        return f"crash {crashes}; sftp {self.sftp_spec}; shopify {shopify or 'none'}; {threepl}"


def plan(seed: int, index: int) -> Schedule:
    """The schedule number `index` of a chaos run seeded with `seed` (the same pair, the same schedule)."""
    rng = random.Random(f"chaos:{seed}:{index}")
    rounds = tuple(_round(rng, first=n == 0) for n in range(rng.randint(2, 3)))
    return Schedule(
        index=index,
        seed=rng.randrange(1, 1_000_000),
        orders=rng.randint(30, 60),
        sftp_faults={name: rng.choice((0.0, 0.05, 0.1, 0.2)) for name in SFTP_FAULTS},
        pickup_jitter=round(rng.uniform(0.0, 2.0), 2),
        rounds=rounds,
        answer_delay=round(rng.uniform(0.0, 1.5), 2),
        hide_taken=rng.random() < 0.5,
    )


def _round(rng: random.Random, *, first: bool) -> Round:
    crash_at = rng.choice((*POINTS, None))
    faults = tuple(_shopify_fault(rng) for _ in range(rng.randint(0, 2)))
    changes = () if first else tuple(rng.choices(CHANGES, (3, 3, 2, 2), k=rng.randint(1, 4)))
    return Round(crash_at, faults, changes)


def _shopify_fault(rng: random.Random) -> dict[str, Any]:
    """A rule for the Shopify sandbox's admin `POST /faults`, bounded so the client's retries get past it."""
    after = rng.randint(0, 4)
    kind = rng.choice(("http_error", "http_429", "reset", "truncated", "throttled", "flaky"))
    if kind == "http_error":
        return {"kind": kind, "status": rng.choice((500, 502)), "times": rng.randint(1, 2), "after": after}
    if kind == "http_429":
        return {"kind": kind, "retry_after": 1.0, "times": 1, "after": after}
    if kind == "flaky":
        return {"kind": "http_error", "status": 500, "probability": 0.2, "times": 3}
    return {"kind": kind, "times": rng.randint(1, 2), "after": after}
