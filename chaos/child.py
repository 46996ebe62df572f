"""What runs inside a forked child: the `shoplines` command with its own environment, folder and output file.

Kept tiny and free of heavy imports: the fork server preloads shoplines, so each run starts in milliseconds.
"""

from __future__ import annotations

import atexit
import os

PRELOAD = ["chaos.child", "shoplines.cli", "flows.orders_to_warehouse", "flows.orders_to_accounting",
           "flows.refunds_to_accounting", "flows.inventory"]  # fmt: skip


def shoplines_main(argv: list[str], env: dict[str, str], cwd: str, output: str) -> None:
    """`shoplines ARGV` in `cwd` with exactly `env`; stdout and stderr go to the file `output`."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)  # never a developer's .env from the repository
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    from shoplines.cli import main

    try:
        main(argv)
    finally:
        atexit._run_exitfuncs()  # multiprocessing ends a child with os._exit: do what a normal exit does


def ready() -> None:
    """A no-op run that starts the fork server (and its preloading) before the first timed run."""
