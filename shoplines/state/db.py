"""Engines for the state database (SQLite or PostgreSQL) and programmatic Alembic migration."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from shoplines.state.records import StateError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "shoplines_alembic_version"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Serialises concurrent `migrate` calls on one PostgreSQL database (any constant unique to shoplines).
PG_MIGRATION_LOCK = 0x5340_4C49
_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}
_READ_ONLY = "shoplines_read_only"


def parse_url(url: str | URL) -> URL:
    """Validate a state database URL, filling in the one driver we support per backend.

    Raises:
        StateError: the URL is malformed or names a backend/driver we do not support.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StateError(f"state database URL is not a valid SQLAlchemy URL: {exc}") from exc
    backend, driver = parsed.get_backend_name(), parsed.drivername
    if backend not in _DRIVERS or driver not in (backend, _DRIVERS[backend]):
        raise StateError(
            f"unsupported state database URL scheme {driver!r}: use sqlite:///PATH or postgresql+psycopg://…"
        )
    return parsed.set(drivername=_DRIVERS[backend])


def make_engine(url: str | URL) -> Engine:
    """Create an engine for the state database with our connection settings applied.

    SQLite gets WAL, a 30 s busy timeout, foreign keys and `BEGIN IMMEDIATE` for writers; the
    database file's folder is created if missing. PostgreSQL URLs use psycopg 3.

    Raises:
        StateError: the URL scheme is not supported.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # We emit BEGIN ourselves (see _sqlite_on_begin); pysqlite's own would start too late.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    # Writers take the write lock up front: a deferred transaction that reads and then writes can
    # fail with SQLITE_BUSY at once, without honouring busy_timeout, if another writer got in between.
    # Readers stay deferred so that, with WAL, they never wait for a writer.
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """The same engine and pool for read-only transactions, which on SQLite never take the write lock."""
    return engine.execution_options(**{_READ_ONLY: True})


_MIGRATING = threading.Lock()


def migrate(engine: Engine) -> None:
    """Upgrade the state database to the newest migration (idempotent, safe to call on every start).

    Raises:
        StateError: on SQLite, a migration left rows that break a foreign key.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's command API keeps module-level state (its `context` and `op` proxies, loaded scripts):
    # two threads upgrading at once, even different databases, can crash the interpreter. One at a time
    # per process; other processes are serialised by the database (advisory lock, SQLite write lock).
    with _MIGRATING, migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for a whole Alembic command, serialised against other migrators.

    Raises:
        StateError: on SQLite, the migrations left rows that break a foreign key (rolled back).
    """
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
                yield connection
            return
        # SQLite batch migrations rebuild tables; with foreign keys enforced that would fail (or
        # cascade), so they are switched off around the upgrade and checked before commit, as the
        # SQLite docs prescribe for schema changes.
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise StateError("migration left rows violating a foreign key; rolled back")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
