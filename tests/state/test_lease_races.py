"""Racing for a lease: threads and OS processes asking for overlapping windows at once, one wins."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from pathlib import Path

import pytest

from shoplines.state.store import StateStore
from tests.state.conftest import migrated_database
from tests.state.factories import SHOP
from tests.state.lease_race import contend, race

WORKERS = 4
ROUNDS = 3
ONE_WINNER = Counter(won=1, held=WORKERS - 1)


def test_threads_racing_for_overlapping_windows(store: StateStore) -> None:
    barrier = threading.Barrier(WORKERS)
    results: list[tuple[int, str]] = []

    def work(worker: int) -> None:
        for round_no in range(ROUNDS):
            barrier.wait(timeout=30)
            results.append((round_no, contend(store, worker, f"line-{round_no}")))

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    per_round = [Counter(outcome for r, outcome in results if r == round_no) for round_no in range(ROUNDS)]
    assert per_round == [ONE_WINNER] * ROUNDS
    for round_no in range(ROUNDS):
        assert len(store.leases(SHOP, f"line-{round_no}")) == 1


def test_processes_racing_for_overlapping_windows(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    # Both backends in one set of processes: spawning 4 interpreters is the slow part. On SQLite the
    # losers must get LeaseHeld, never "database is locked".
    urls = {backend: migrated_database(backend, request, tmp_path) for backend in ("sqlite", "postgresql")}
    context = multiprocessing.get_context("spawn")
    barrier, queue = context.Barrier(WORKERS), context.Queue()
    processes = [
        context.Process(target=race, args=(urls, worker, ROUNDS, barrier, queue)) for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    try:
        results = [queue.get(timeout=60) for _ in range(WORKERS * ROUNDS * len(urls))]
    finally:
        for process in processes:
            process.join(timeout=30)
    assert [process.exitcode for process in processes] == [0] * WORKERS
    for backend, url in urls.items():
        outcomes = {(r, w): outcome for b, r, w, outcome in results if b == backend}
        per_round = [Counter(o for (r, _), o in outcomes.items() if r == n) for n in range(ROUNDS)]
        assert per_round == [ONE_WINNER] * ROUNDS, backend
        with StateStore.open(url) as store:
            for round_no in range(ROUNDS):
                [lease] = store.leases(SHOP, f"line-{round_no}")
                assert outcomes[round_no, int(lease.holder.removeprefix("worker-"))] == "won"
