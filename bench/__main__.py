"""`make bench`: every benchmark in turn, one table (also written to docs/benchmarks.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from bench import bulk_backfill, month_end, paged_pull, peers, report, sftp

# each module: run(quick) -> list[Figure]
BENCHES: list[tuple[str, Callable[[bool], list[report.Figure]]]] = [
    ("P1 paged pull at Shopify's limits", paged_pull.run),
    ("P5 SFTP uploads, ours vs OpenSSH", sftp.run),
    ("P4 peers", peers.run),
    ("P2/P3 bulk backfill", bulk_backfill.run),
]
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def main() -> int:
    started = report.now()
    figures: list[report.Figure] = []
    for name, run in BENCHES:
        print(f"— {name}", flush=True)
        try:
            measured = run(report.quick())
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            measured = [
                report.Figure(name.split()[0], name, "failed", met=False, note=f"{type(exc).__name__}: {exc}")
            ]
        for figure in measured:
            print(f"  {figure.key}: {figure.value} (target {figure.target or 'none'})", flush=True)
        figures += measured
    print(f"\nMachine: {report.machine()}\n\n{report.table(figures)}", flush=True)
    report.write(figures, RESULTS, started=started)
    month_end.main([] if not report.quick() else ["--orders", "2000"])
    return 0 if all(f.met is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
