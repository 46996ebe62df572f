"""Turn any exception into one sentence and an exit code (1 known problem, 70 unexpected)."""

from __future__ import annotations

from shoplines.errors import ShoplinesError

KNOWN_PREFIXES = ("clients.", "shoplines.")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def explain(exc: BaseException) -> tuple[str, int]:
    """A sentence for the terminal: our own errors speak for themselves, anything else is named plainly."""
    if isinstance(exc, ShoplinesError) or type(exc).__module__.startswith(KNOWN_PREFIXES):
        bad_usage = isinstance(exc, ShoplinesError) and isinstance(exc, ValueError)  # e.g. a refused range
        return _first_line(str(exc)) or type(exc).__name__, 2 if bad_usage else 1
    if isinstance(exc, ValueError):
        return _first_line(str(exc)) or "invalid value", 2
    detail = _first_line(str(exc))
    return (
        f"unexpected {type(exc).__name__}{': ' + detail if detail else ''} "
        "(run again with SHOPLINES_DEBUG=1 for the traceback)",
        70,
    )
