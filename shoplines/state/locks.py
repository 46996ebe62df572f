"""Transaction-scoped locks serialising PostgreSQL writers of one key (SQLite writers are serial)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# The two-key advisory locks: the first key names what is locked, so our kinds never share a lock, nor
# with the single-key migration lock (PostgreSQL keeps the one-key and two-key spaces apart).
LEASES = 0x4C45
WATERMARKS = 0x574D
ALERTS = 0x414C
TOKENS = 0x544B  # accounting token refreshes (state/tokens.py)


def is_sqlite(session: Session) -> bool:
    """Whether the session talks to SQLite (one writer at a time, whole database)."""
    return session.get_bind().dialect.name == "sqlite"


def serialise(session: Session, kind: int, *key: str) -> None:
    """Wait for, then hold until commit, the lock on `key`; a no-op on SQLite, whose writers hold
    the database write lock from BEGIN IMMEDIATE on (see db.py)."""
    if is_sqlite(session):
        return
    statement = text("SELECT pg_advisory_xact_lock(:kind, hashtext(:key))")
    session.execute(statement, {"kind": kind, "key": "\x1f".join(key)})
