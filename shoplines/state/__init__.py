"""The state database: runs, leases, watermarks, the delivery ledger and quarantine (SQLAlchemy + Alembic)."""

from shoplines.state.db import make_engine, migrate
from shoplines.state.records import (
    DeliveredVersion,
    EntityVersion,
    FilePlan,
    FileRecord,
    FileResolution,
    Lease,
    LeaseHeld,
    LeaseLost,
    QuarantineRecord,
    QuarantineRow,
    RunRecord,
    StateConflict,
    StateError,
    WatermarkAdvance,
)
from shoplines.state.store import StateStore

__all__ = [
    "DeliveredVersion",
    "EntityVersion",
    "FilePlan",
    "FileRecord",
    "FileResolution",
    "Lease",
    "LeaseHeld",
    "LeaseLost",
    "QuarantineRecord",
    "QuarantineRow",
    "RunRecord",
    "StateConflict",
    "StateError",
    "StateStore",
    "WatermarkAdvance",
    "make_engine",
    "migrate",
]
