"""The state database: runs, the delivery ledger and quarantine (SQLAlchemy + Alembic)."""

from shoplines.state.db import make_engine, migrate
from shoplines.state.records import (
    DeliveredVersion,
    EntityVersion,
    FilePlan,
    FileRecord,
    QuarantineRecord,
    QuarantineRow,
    RunRecord,
    StateConflict,
    StateError,
)
from shoplines.state.store import StateStore

__all__ = [
    "DeliveredVersion",
    "EntityVersion",
    "FilePlan",
    "FileRecord",
    "QuarantineRecord",
    "QuarantineRow",
    "RunRecord",
    "StateConflict",
    "StateError",
    "StateStore",
    "make_engine",
    "migrate",
]
