"""Thin state tasks: quarantine what could not be used, and summarise the run in plain counts."""

from __future__ import annotations

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from shoplines.state.store import QuarantineRow, StateStore
from tasks.deliver import Target
from tasks.transform_orders import Rejected


@task(name="quarantine-rejected-orders", cache_policy=NO_CACHE)
def quarantine(state: StateStore, target: Target, run_id: str, rejected: list[Rejected]) -> int:
    """Store every rejected order with its reasons; nothing received is dropped."""
    if not rejected:
        return 0
    rows = [QuarantineRow(r.entity_id, r.entity_name, r.reason, r.payload) for r in rejected]
    stored = state.quarantine_rows(target.shop_id, target.line, run_id, rows)
    logger = get_run_logger()
    for r in rejected:
        logger.warning("Quarantined order %s: %s", r.entity_name or r.entity_id or "(no id)", r.reason)
    return stored


def summarise(
    received: int, planned: pd.DataFrame, quarantined: int, files: list[str], rows: int
) -> dict[str, int]:
    """The run's counts: every order received is accounted for exactly once."""
    actions = planned["action"].astype(str).value_counts()
    counts = {
        "received": received,
        "quarantined": quarantined,
        "eligible": int(planned["eligible"].sum()),
        "new": int(actions.get("NEW", 0)),
        "amended": int(actions.get("AMEND", 0)),
        "cancelled": int(actions.get("CANCEL", 0)),
        "replaced": int(actions.get("REPLACEMENT", 0)),
        "unchanged": int(actions.get("UNCHANGED", 0)),
        "held": int(actions.get("HELD", 0)),
        "not_eligible": int(actions.get("SKIPPED", 0)),
        "files": len(files),
        "rows": rows,
    }
    if counts["received"] != len(planned) + quarantined:
        raise AssertionError(
            f"orders unaccounted for: received {received}, planned {len(planned)}, quarantined {quarantined}"
        )
    return counts


def held_orders(planned: pd.DataFrame) -> list[str]:
    """Orders changed after delivery that are not sent now, each with why (for the run log)."""
    held = planned[planned["action"] == "HELD"]
    return [f"{row.order_name} ({row.reason})" for row in held.itertuples()]


def skip_reasons(planned: pd.DataFrame) -> dict[str, int]:
    """How many orders were left out, by reason (for the run log)."""
    skipped = planned[planned["action"] == "SKIPPED"]
    return {str(k): int(v) for k, v in skipped["reason"].value_counts().items()}
