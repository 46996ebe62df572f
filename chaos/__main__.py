"""`python -m chaos`: seeded fault schedules end to end; last line `chaos: N schedules, lost L, duplicated D`.

`--line accounting` runs orders and refunds → Xero instead (`chaos/books_runner.py`): Xero faults and kills at
the accounting crash points, judged from the Xero sandbox's documents; last line `chaos accounting: …`.

Each schedule starts its own faulted sandbox (SFTP drops, 3PL pickup jitter, Shopify faults), kills
`shoplines run` at a named crash point, re-runs until done, changes the store, runs again, and finally
compares the faulted 3PL's journal with a clean reference run's (`chaos/check.py`). One Prefect server
serves every schedule: `--prefect-api-url`, else a temporary one started here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from chaos.books_runner import run_accounting_schedule
from chaos.books_schedule import plan_accounting
from chaos.runner import ScheduleResult, run_schedule
from chaos.runs import Launcher, child_env
from chaos.schedule import plan

XERO_TIMEOUT = "SHOPLINES_XERO_TIMEOUT_SECONDS"  # accounting: a stalled call is given up after 2 s


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("CHAOS_RUNS", "50")),
                        help="schedules to run (default: CHAOS_RUNS, else 50)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=int(os.environ.get("CHAOS_SEED", "1")),
                        help="seed of the whole run; schedule s depends only on (seed, s)")  # fmt: skip
    parser.add_argument("--first", type=int, default=0, help="index of the first schedule (to replay one)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("CHAOS_JOBS", "2")),
                        help="schedules run side by side (default: CHAOS_JOBS, else 2)")  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="where schedules keep their logs (default: a temp dir)")
    parser.add_argument("--prefect-api-url", help="use this Prefect server instead of starting one")
    parser.add_argument(
        "--backlog",
        action="store_true",
        help="the 3PL takes nothing until the last round, then the whole pile at once",
    )
    parser.add_argument("--line", choices=("warehouse", "accounting"),
                        default=os.environ.get("CHAOS_LINE", "warehouse"),
                        help="orders → 3PL (default), or orders and refunds → Xero")  # fmt: skip
    parser.add_argument("--plant-duplicate", action="store_true",
                        help="accounting: pay an owed invoice again via Xero's API, then judge")  # fmt: skip
    parser.add_argument("--fresh-processes", action="store_true",
                        help="each run a new interpreter, not forked from a preloaded one")  # fmt: skip
    return parser.parse_args(argv)


@contextmanager
def prefect_server(api_url: str | None) -> Iterator[str]:
    """The Prefect API every child process reports to: the given one, or a temporary server for this run."""
    if api_url:
        yield api_url
        return
    home = tempfile.mkdtemp(prefix="chaos-prefect-")
    os.environ.setdefault("PREFECT_HOME", home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    try:
        with prefect_test_harness(server_startup_timeout=120):
            yield str(PREFECT_API_URL.value())
    finally:
        shutil.rmtree(home, ignore_errors=True)


def summary(result: ScheduleResult) -> str:
    """One line per schedule: seed, crash points and faults, runs needed, seconds, outcome."""
    schedule, verdict = result.schedule, result.verdict
    if result.failure or verdict is None:
        outcome = f"COULD NOT FINISH: {result.failure} (log {result.log})"
    elif verdict.ok:
        outcome = "ok"
    else:
        outcome = f"LOST {len(verdict.lost)}, DUPLICATED {len(verdict.duplicated)} (log {result.log})"
    return (f"schedule {schedule.index} seed {schedule.seed}: {schedule.orders} orders; "
            f"{schedule.describe()}; runs {result.runs} ({result.crashes} killed); {result.seconds:.1f} s; "
            f"{outcome}")  # fmt: skip


def one_schedule(args: argparse.Namespace, index: int, workdir: Path, launcher: Launcher) -> ScheduleResult:
    """Schedule `index` of the chosen line, run and judged."""
    if args.line == "accounting":
        schedule = plan_accounting(args.seed, index)
        return run_accounting_schedule(schedule, workdir, launcher, plant=args.plant_duplicate)
    return run_schedule(plan(args.seed, index), workdir, launcher, backlog=args.backlog)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="chaos-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"chaos: {args.runs} schedules, seed {args.seed}, logs in {workdir}", flush=True)
    results: list[ScheduleResult] = []
    printing = threading.Lock()
    with prefect_server(args.prefect_api_url) as api_url:
        env = child_env(api_url, os.environ.get("PREFECT_HOME") or str(workdir / "prefect"))
        env |= {XERO_TIMEOUT: "2"} if args.line == "accounting" else {}
        launcher = Launcher(env, fresh=args.fresh_processes)
        launcher.start()
        indexes = range(args.first, args.first + args.runs)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(one_schedule, args, index, workdir, launcher) for index in indexes]
            for future in as_completed(futures):
                results.append(future.result())
                with printing:
                    print(summary(results[-1]), flush=True)
    lost = sum(len(r.verdict.lost) for r in results if r.verdict)
    duplicated = sum(len(r.verdict.duplicated) for r in results if r.verdict)
    unfinished = sum(1 for r in results if r.failure or r.verdict is None)
    if not (lost or duplicated or unfinished or args.workdir):
        shutil.rmtree(workdir, ignore_errors=True)
    if unfinished:
        print(f"chaos: {unfinished} schedule(s) could not finish", flush=True)
    name = "chaos accounting" if args.line == "accounting" else "chaos"
    plural = "" if len(results) == 1 else "s"
    print(f"{name}: {len(results)} schedule{plural}, lost {lost}, duplicated {duplicated}", flush=True)
    return 1 if lost or duplicated or unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
