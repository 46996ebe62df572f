"""`python -m chaos --line accounting` end to end, CI-sized: one seeded schedule loses and duplicates nothing
of its own (`make chaos-accounting` runs 50), and a payment planted after the runs (Xero's API, as a double
post would leave it) is caught."""

from __future__ import annotations

import os
import re
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
def test_an_accounting_schedule_posts_nothing_twice_and_a_planted_double_payment_is_caught(
    tmp_path: Path, prefect_server: None
) -> None:
    """The schedule's runs (crashes, Xero faults, 429s) leave the books a clean run leaves; then a payment is
    planted through Xero's API, and the check finds exactly that one and nothing else."""
    done, lines = chaos(tmp_path, "--seed", "11", "--runs", "1", "--jobs", "1", "--plant-duplicate")
    assert lines[-1] == "chaos accounting: 1 schedule, lost 0, duplicated 1", (
        done.stdout + done.stderr[-3000:]
    )
    assert done.returncode == 1  # the planted doubles are findings, as they must be
    schedules = [line for line in lines if line.startswith("schedule ")]
    assert len(schedules) == 1
    assert all(line.endswith(")") and "LOST 0, DUPLICATED 1 (log" in line for line in schedules)
    for log in sorted(tmp_path.glob("accounting-*/chaos.log")):
        text = log.read_text()
        [planted] = re.findall(r"^planted a payment of \S+ to (\S+)$", text, re.MULTILINE)
        [verdict] = re.findall(r"^verdict: (.*)$", text, re.MULTILINE)
        assert verdict.startswith(f"Verdict(lost=[], duplicated=['invoice {planted}: paid "), verdict
        assert verdict.endswith("the clean run nothing']); failure: None"), verdict
