"""A progress hook the CLI sets and long pulls report to (no-op unless a terminal is watching)."""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressHook = Callable[[str, int, int | None], None]  # (what, done, total or None)

_lock = threading.Lock()


class _Installed:
    """Holds the process-wide hook (a class attribute, so no `global` is needed to replace it)."""

    hook: ProgressHook | None = None


def set_hook(hook: ProgressHook | None) -> None:
    """Install (or clear) the process-wide progress hook."""
    with _lock:
        _Installed.hook = hook


def report(what: str, done: int, total: int | None = None) -> None:
    """Tell the watcher, if any, how far a long step has come."""
    with _lock:
        hook = _Installed.hook
    if hook is not None:
        hook(what, done, total)
