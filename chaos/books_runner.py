"""One accounting schedule end to end: faulted rounds of orders and refunds → Xero with crashes, then a clean
run on an identical sandbox, then the verdict from both sandboxes' Xero documents."""

from __future__ import annotations

import time
import traceback
from datetime import date
from pathlib import Path

from chaos.books import Books, connect_books, plant_payment, read_books, xero_admin
from chaos.books_schedule import LINES, AccountingSchedule, Step
from chaos.check_books import check_books
from chaos.ops import abandon_killed_runs
from chaos.runner import ScheduleResult, window
from chaos.runs import Launcher, Line, run_until_done
from chaos.sandbox import Sandbox

START = "2026-11-02T08:00:00Z"  # the same seed, start and size give the clean run an identical store
TIME_SCALE = "10"  # access tokens live 3 real minutes; a sandbox minute is 6 real seconds
MODE = "SHOPLINES_ACCOUNTING_MODE"
STANDARD_LIMITS = {"tier": "standard", "minute": 60, "concurrent": 5}


def serve_options(schedule: AccountingSchedule) -> list[str]:
    """`python -m sandbox serve` options: Shopify and Xero only (the accounting lines need no SFTP)."""
    return ["--seed", str(schedule.seed), "--orders", str(schedule.orders), "--time-scale", TIME_SCALE,
            "--start", START, "--no-sftp"]  # fmt: skip


def run_accounting_schedule(
    schedule: AccountingSchedule, workdir: Path, launcher: Launcher, *, plant: bool = False
) -> ScheduleResult:
    """Run `schedule` in `workdir/accounting-NNNN` (logs stay there) and judge it; with `plant`, pay an owed
    invoice once more through Xero's API before judging (the check must count it)."""
    folder = workdir / f"accounting-{schedule.index:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    line = Line(launcher, folder / "faulted", folder / "chaos.log", env={MODE: schedule.mode})
    line.note(f"accounting schedule {schedule.index}: {schedule}")
    result = ScheduleResult(schedule, 0, 0, 0.0, line.log)
    started = time.monotonic()
    try:
        with (
            (folder / "sandbox.log").open("ab") as log,
            Sandbox.start(line.home, serve_options(schedule), log) as shop,
        ):
            books = _faulted_rounds(schedule, line, shop, result)
            if plant and result.failure is None:
                line.note(f"planted {plant_payment(shop.description, books)}")
                books = read_books(shop.description)
            if result.failure is None:
                result.verdict = check_books(books, _reference(schedule, line, folder))
                for problem in result.verdict.lost + result.verdict.duplicated:
                    line.note(f"PROBLEM {problem}")
    except Exception as exc:  # a harness problem fails this schedule, never the whole chaos run
        result.failure = f"{type(exc).__name__}: {exc}"
        line.note(traceback.format_exc())
    result.seconds = time.monotonic() - started
    line.note(f"verdict: {result.verdict}; failure: {result.failure}")
    return result


def _faulted_rounds(schedule: AccountingSchedule, line: Line, shop: Sandbox, result: ScheduleResult) -> Books:
    connect_books(line.home, shop.description)
    first, last = window(shop.orders(), shop.timezone)
    days = sorted(window([o], shop.timezone)[0] for o in shop.orders() if o.get("processedAt"))
    for number, step_round in enumerate(schedule.rounds, start=1):
        to = days[min(len(days) - 1, int(step_round.share * len(days)))] if step_round.share < 1 else last
        for step in step_round.steps:
            if not _step(step, line, shop, (first, to), result, label=f"round {number} {step.line}"):
                return {}
    return read_books(shop.description)


def _step(
    step: Step, line: Line, shop: Sandbox, days: tuple[date, date], result: ScheduleResult, *, label: str
) -> bool:
    description = shop.description
    for rule in step.xero_faults:
        xero_admin(description, "POST", "/faults", rule)
    if step.minute_limit:
        xero_admin(description, "POST", "/tier", {"minute": step.minute_limit})
    line.command, (line.date_from, line.date_to) = step.line, days
    shop_id = str(description["shopify"]["shop"])
    after_kill = lambda: line.note(f"operator: {abandon_killed_runs(line.home, shop_id, step.line)}")  # noqa: E731
    outcome = run_until_done(line, step.crash_at, label, settle_wait=0.5, after_kill=after_kill)
    fired = xero_admin(description, "GET", "/faults").get("fired")
    line.note(f"{label}: xero faults fired {fired}")
    xero_admin(description, "DELETE", "/faults")
    xero_admin(description, "POST", "/tier", STANDARD_LIMITS)
    result.runs += outcome.runs
    result.crashes += outcome.crashed
    if not outcome.done:
        result.failure = f"{label} not done after {outcome.runs} runs (exits {outcome.codes})"
    return outcome.done


def _reference(schedule: AccountingSchedule, line: Line, folder: Path) -> Books:
    """The books of one clean run of both lines over the whole window, on an identical fault-free sandbox."""
    reference = Line(line.launcher, folder / "reference", line.log, env=line.env)
    with (
        (folder / "sandbox.log").open("ab") as log,
        Sandbox.start(reference.home, serve_options(schedule), log) as clean,
    ):
        connect_books(reference.home, clean.description)
        reference.date_from, reference.date_to = window(clean.orders(), clean.timezone)
        for command in LINES:
            reference.command = command
            outcome = run_until_done(
                reference, None, f"reference {command}", settle_wait=0.5, after_kill=lambda: None
            )
            if not outcome.done:
                raise ValueError(f"the clean reference run of {command} failed (exits {outcome.codes})")
        return read_books(clean.description)
