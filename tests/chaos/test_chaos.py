"""`python -m chaos` end to end, CI-sized: two seeded schedules side by side against this session's Prefect
server (`make chaos` runs 50)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_schedules_lose_nothing_and_send_nothing_twice(tmp_path: Path, prefect_server: None) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLINES_")}
    env |= {"CHAOS_RUNS": "2", "CHAOS_JOBS": "2"}  # side by side: much of a schedule is waiting
    command = [sys.executable, "-m", "chaos", "--seed", "11", "--workdir", str(tmp_path),
               "--prefect-api-url", str(PREFECT_API_URL.value())]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    assert lines[-1] == "chaos: 2 schedules, lost 0, duplicated 0", done.stdout + done.stderr[-3000:]
    assert done.returncode == 0
    assert sum(line.startswith("schedule ") and line.endswith("; ok") for line in lines) == 2
