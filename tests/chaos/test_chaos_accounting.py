"""`python -m chaos --line accounting` end to end, CI-sized: two seeded schedules lose and duplicate nothing,
and a payment planted after the runs (Xero's API, as a double post would leave it) is caught."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def chaos(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLINES_")}
    command = [sys.executable, "-m", "chaos", "--line", "accounting", "--workdir", str(tmp_path),
               "--prefect-api-url", str(PREFECT_API_URL.value()), *options]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return done, lines


@pytest.mark.slow
def test_two_accounting_schedules_lose_nothing_and_post_nothing_twice(
    tmp_path: Path, prefect_server: None
) -> None:
    done, lines = chaos(tmp_path, "--seed", "11", "--runs", "2", "--jobs", "2")
    assert lines[-1] == "chaos accounting: 2 schedules, lost 0, duplicated 0", (
        done.stdout + done.stderr[-3000:]
    )
    assert done.returncode == 0
    assert sum(line.startswith("schedule ") and line.endswith("; ok") for line in lines) == 2


@pytest.mark.slow
def test_a_payment_planted_after_the_runs_is_counted_as_duplicated(
    tmp_path: Path, prefect_server: None
) -> None:
    done, lines = chaos(tmp_path, "--seed", "1", "--first", "0", "--runs", "1", "--plant-duplicate")
    assert lines[-1] == "chaos accounting: 1 schedules, lost 0, duplicated 1", (
        done.stdout + done.stderr[-3000:]
    )
    assert done.returncode == 1
    log = next(tmp_path.glob("accounting-*/chaos.log")).read_text()
    assert "PROBLEM invoice" in log
    assert "the clean run nothing" in log
