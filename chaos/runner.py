"""One schedule end to end: faulted rounds with crashes and store changes, then a clean reference run, then
the verdict from both 3PLs' journals."""

from __future__ import annotations

import json
import random
import time
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chaos.books_schedule import AccountingSchedule
from chaos.changes import change_store
from chaos.check import CANCELLED, Verdict, check, read_journal, warehouse_state
from chaos.ops import abandon_killed_runs
from chaos.runs import Launcher, Line, run_until_done
from chaos.sandbox import Sandbox
from chaos.schedule import Schedule

COMMON = ["--time-scale", "100", "--ship-delay", "3600"]  # nothing ships mid-schedule (no ALREADY_SHIPPED)
DRAIN_GRACE = 10.0
BACKLOG_DELAY = 86_400  # seconds: the 3PL's poller is down for the whole schedule


@dataclass
class ScheduleResult:
    """What one schedule did and found; `failure` says why it could not finish."""

    schedule: Schedule | AccountingSchedule
    runs: int
    crashes: int
    seconds: float
    log: Path
    verdict: Verdict | None = None
    failure: str | None = None


def run_schedule(
    schedule: Schedule, workdir: Path, launcher: Launcher, *, backlog: bool = False
) -> ScheduleResult:
    """Run `schedule` in `workdir/schedule-NNNN` (logs stay there) and judge it.

    With `backlog` the 3PL takes no file until the last round is done, then wakes up and takes the pile at
    once (in name order, as the simulated 3PL does): a warehouse whose poller was down.
    """
    folder = workdir / f"schedule-{schedule.index:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    line = Line(launcher, folder / "faulted", folder / "chaos.log")
    line.note(f"schedule {schedule.index}: {schedule}")
    result = ScheduleResult(schedule, 0, 0, 0.0, line.log)
    started = time.monotonic()
    try:
        final_orders = _faulted_rounds(schedule, line, result, folder, backlog=backlog)
        if result.failure is None and backlog:
            _wake_up_3pl(schedule, line, folder)
        if result.failure is None:
            result.verdict = _judge(schedule, line, final_orders, folder)
    except Exception as exc:  # a harness problem fails this schedule, never the whole chaos run
        result.failure = f"{type(exc).__name__}: {exc}"
        line.note(traceback.format_exc())
    result.seconds = time.monotonic() - started
    line.note(f"verdict: {result.verdict}; failure: {result.failure}")
    return result


def _faulted_rounds(
    schedule: Schedule, line: Line, result: ScheduleResult, folder: Path, *, backlog: bool
) -> list[dict[str, Any]]:
    options = ["--seed", str(schedule.seed), "--orders", str(schedule.orders), *COMMON,
               *schedule.threepl_options, "--sftp-faults", schedule.sftp_spec]  # fmt: skip
    options += ["--pickup-delay", str(BACKLOG_DELAY)] if backlog else []
    rng = random.Random(f"changes:{schedule.seed}:{schedule.index}")
    with (folder / "sandbox.log").open("ab") as log, Sandbox.start(line.home, options, log) as shop:
        for number, step in enumerate(schedule.rounds, start=1):
            if step.changes:
                if not backlog:  # as ops would: runs are not seconds apart
                    shop.wait_drained(schedule.pickup_jitter + DRAIN_GRACE)
                _change(shop, step.changes, rng, line, f"round {number}")
            shop.set_faults(step.shopify_faults)
            line.date_from, line.date_to = window(shop.orders(), shop.timezone)
            outcome = run_until_done(
                line, step.crash_at, f"round {number}", settle_wait=schedule.settle_wait,
                after_kill=lambda: _after_kill(line, shop.description),
            )  # fmt: skip
            result.runs += outcome.runs
            result.crashes += outcome.crashed
            if not outcome.done:
                result.failure = f"round {number} not done after {outcome.runs} runs (exits {outcome.codes})"
                return []
        shop.set_faults(())
        if not backlog and not shop.wait_drained(schedule.pickup_jitter + DRAIN_GRACE):
            line.note("the 3PL left files in inbound/")
        return shop.orders()


def _wake_up_3pl(schedule: Schedule, line: Line, folder: Path) -> None:
    """Restart the sandbox on the same SFTP folder without a pickup delay: the 3PL takes the backlog."""
    options = ["--seed", str(schedule.seed), "--orders", str(schedule.orders), *COMMON]
    waiting = sorted(path.name for path in (line.home / "sftp" / "root" / "inbound").glob("*.csv"))
    line.note(f"the 3PL is back and takes {waiting} in name order")
    with (folder / "sandbox.log").open("ab") as log, Sandbox.start(line.home, options, log) as shop:
        shop.wait_drained(DRAIN_GRACE)


def _change(shop: Sandbox, changes: tuple[str, ...], rng: random.Random, line: Line, label: str) -> None:
    holds = warehouse_state(read_journal(shop.journal))
    delivered = {number for number, version in holds.items() if version != CANCELLED}
    for kind in changes:
        line.note(f"{label} change: {change_store(shop, kind, rng, delivered)}")


def _judge(schedule: Schedule, line: Line, final_orders: list[dict[str, Any]], folder: Path) -> Verdict:
    """A clean run against an identical, fault-free store; then compare the two 3PLs' journals."""
    orders_file = folder / "final-orders.jsonl"
    orders_file.write_text("".join(json.dumps(o) + "\n" for o in final_orders), encoding="utf-8")
    reference = Line(line.launcher, folder / "reference", line.log)
    options = ["--seed", str(schedule.seed), "--orders-file", str(orders_file), *COMMON]
    with (folder / "sandbox.log").open("ab") as log, Sandbox.start(reference.home, options, log) as clean:
        reference.date_from, reference.date_to = window(final_orders, clean.timezone)
        outcome = run_until_done(reference, None, "reference", settle_wait=1.0, after_kill=lambda: None)
        if not outcome.done:
            raise ValueError(f"the clean reference run failed (exits {outcome.codes})")
        clean.wait_drained(DRAIN_GRACE)
        reference_journal = read_journal(clean.journal)
    cancelled = {str(o["name"]) for o in final_orders if o.get("cancelledAt")}
    verdict = check(read_journal(line.home / "sftp" / "received.jsonl"), reference_journal, cancelled)
    for problem in verdict.lost + verdict.duplicated:
        line.note(f"PROBLEM {problem}")
    return verdict


def _after_kill(line: Line, description: dict[str, Any]) -> None:
    released, abandoned = abandon_killed_runs(line.home, str(description["shopify"]["shop"]))
    line.note(f"operator: released {released} lease(s), marked run(s) {abandoned} abandoned")


def window(orders: list[dict[str, Any]], timezone: str) -> tuple[date, date]:
    """The first and last shop day any order was processed on."""
    zone = ZoneInfo(timezone)
    days = sorted(
        datetime.fromisoformat(str(o["processedAt"]).replace("Z", "+00:00")).astimezone(zone).date()
        for o in orders
        if o.get("processedAt")
    )
    if not days:
        raise ValueError("the store has no orders")
    return days[0], days[-1]
