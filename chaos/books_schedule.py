"""One accounting fault schedule, derived only from (seed, index): store size, Xero faults, crash points."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from shoplines.crashpoints import ACCOUNTING_POINTS

LINES = ("orders-to-accounting", "refunds-to-accounting")
MODES = ("per-order", "daily-summary")
WRITES = {LINES[0]: ("/Invoices", "/Payments"), LINES[1]: ("/CreditNotes", "/Payments")}  # PUT paths
STALL_SECONDS = 3  # a `timeout` or `ghost_timeout` holds the answer this long; the client gives up after 2 s
OUTAGE_TIMES = 5  # the Xero client's attempts per request (XeroRetryPolicy.max_attempts)
MINUTE_LIMITS = (3, 4, 6)  # calls per (sandbox) minute in a 429 burst: a run makes about 4 to 8


@dataclass(frozen=True)
class Step:
    """One line run until done: the crash point of its first run(s), the Xero faults active during it, and
    the per-minute call limit (None: Xero's 60)."""

    line: str
    crash_at: str | None
    xero_faults: tuple[dict[str, Any], ...]
    minute_limit: int | None = None

    def describe(self) -> str:
        faults = ",".join(f"{f['kind']}{f.get('times', 1)}{f.get('path') or ''}" for f in self.xero_faults)
        faults = faults or "none"
        burst = f", 429s at {self.minute_limit}/min" if self.minute_limit else ""
        return f"{self.line.split('-')[0]} crash {self.crash_at or 'none'} xero {faults}{burst}"


@dataclass(frozen=True)
class Round:
    """Both lines over the shop days from the first to `share` of the way through the store's orders."""

    share: float
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class AccountingSchedule:
    """Everything random about one accounting schedule, fixed up front."""

    index: int
    seed: int
    orders: int
    rounds: tuple[Round, ...]
    mode: str = "per-order"  # SHOPLINES_ACCOUNTING_MODE: an invoice per order, or "daily-summary"

    def describe(self) -> str:
        """The accounting mode, then per round: the window's share, each line's crash point and faults."""
        rounds = " | ".join(
            f"to {r.share:.0%}: " + "; ".join(s.describe() for s in r.steps) for r in self.rounds
        )
        return f"{self.mode}: {rounds}"


def plan_accounting(seed: int, index: int) -> AccountingSchedule:
    """The accounting schedule number `index` of a chaos run seeded with `seed`."""
    rng = random.Random(f"chaos-accounting:{seed}:{index}")
    count = rng.randint(2, 3)
    rounds = tuple(
        Round(round((n + 1) / count, 2), tuple(_step(rng, line) for line in LINES)) for n in range(count)
    )
    seed_, orders = rng.randrange(1, 1_000_000), rng.randint(20, 40)
    return AccountingSchedule(index, seed_, orders, rounds, rng.choice(MODES))


def _step(rng: random.Random, line: str) -> Step:
    crash_at = rng.choice((*ACCOUNTING_POINTS, None))
    faults = tuple(_xero_fault(rng, line) for _ in range(rng.randint(0, 2)))
    return Step(line, crash_at, faults, rng.choice(MINUTE_LIMITS) if rng.random() < 0.1 else None)


def _xero_fault(rng: random.Random, line: str) -> dict[str, Any]:
    """A rule for the Xero sandbox's admin `POST /faults`: writes that commit unseen, or calls that fail."""
    kind = rng.choice(("ghost_5xx", "ghost_drop", "ghost_timeout", "http_5xx", "timeout", "outage"))
    after = rng.randint(0, 3)
    if kind == "outage":  # a write refused on every attempt the client makes: the run fails, unwritten
        return {"kind": "http_5xx", "method": "PUT", "path": rng.choice(WRITES[line]), "status": 503,
                "times": OUTAGE_TIMES}  # fmt: skip
    if kind.startswith("ghost"):
        rule = {
            "kind": kind,
            "method": "PUT",
            "path": rng.choice(WRITES[line]),
            "times": 1,
            "after": rng.randint(0, 1),
        }
        return rule | (
            {"status": rng.choice((500, 503))} if kind == "ghost_5xx" else {"seconds": STALL_SECONDS}
        )
    if kind == "timeout":
        return {"kind": kind, "seconds": STALL_SECONDS, "times": 1, "after": after}
    return {
        "kind": kind,
        "status": rng.choice((500, 502, 503, 504)),
        "times": rng.randint(1, 3),
        "after": after,
    }
