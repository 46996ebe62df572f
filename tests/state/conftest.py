"""State-store fixtures: every test runs on SQLite AND on the local PostgreSQL.

`db_url` is an empty database (a new SQLite file, a new PostgreSQL schema). `store` gets a database at the
newest migration with no rows: migrating is the slow part, so each backend is migrated once per session
(by the real migrations) and each test gets a copy of that SQLite file, or that schema emptied.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from shoplines.state.db import make_engine, migrate
from shoplines.state.models import Base
from shoplines.state.store import StateStore

PG_HOST = "127.0.0.1"
PG_PORT = int(os.environ.get("PGPORT", "5432"))
PG_ROLES = ("postgres", "root")
_schemas = itertools.count(1)


@dataclass
class StepClock:
    """A deterministic clock: each reading is `step` after the previous one."""

    now: datetime = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    step: timedelta = field(default=timedelta(seconds=1))

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def _admin_connection() -> tuple[psycopg.Connection, str]:
    errors = []
    for role in PG_ROLES:
        try:
            conn = psycopg.connect(
                host=PG_HOST, port=PG_PORT, user=role, dbname="postgres", connect_timeout=3, autocommit=True
            )
            return conn, role
        except psycopg.OperationalError as exc:
            errors.append(f"{role}: {exc}".strip())
    raise ConnectionError("; ".join(errors))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway database on the local PostgreSQL for this session (URL), dropped at the end."""
    try:
        admin, role = _admin_connection()
    except ConnectionError as exc:
        pytest.fail(
            f"PostgreSQL at {PG_HOST}:{PG_PORT} is not reachable: {exc} (the state tests need it; "
            ".ci/run starts it)",
            pytrace=False,
        )
    name = f"shoplines_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://{role}@{PG_HOST}:{PG_PORT}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_pg_schema(database_url: str) -> str:
    """Create an empty schema in the session database and return a URL whose search_path is it."""
    schema = f"t_{next(_schemas)}"
    url = make_url(database_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each state test runs once per backend."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: a SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'state.db'}"
    return fresh_pg_schema(request.getfixturevalue("pg_database"))


def migrated(url: str) -> str:
    """Migrate the database at `url` to the newest schema and return `url`."""
    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest migration, with no rows."""
    path = tmp_path_factory.mktemp("template") / "state.db"
    migrated(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated_schema(pg_database: str) -> str:
    """A schema of the session database at the newest migration (URL); `migrated_url` empties it."""
    return migrated(fresh_pg_schema(pg_database))


@pytest.fixture
def migrated_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at the newest migration with no rows (a copy of the template, or the emptied schema)."""
    return migrated_database(backend, request, tmp_path)


def migrated_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A copy of the SQLite template under `tmp_path`, or the session's migrated schema emptied (URL)."""
    if backend == "sqlite":
        path = tmp_path / backend / "state.db"
        path.parent.mkdir()
        template = request.getfixturevalue("sqlite_template")
        with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(path)) as dst:
            src.backup(dst)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_migrated_schema")
    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database,
        options=str(parsed.query["options"]),
    ) as conn:  # fmt: skip
        conn.execute("SET lock_timeout = '5s'")  # a connection a failed test left open fails fast here
        # DELETE, not TRUNCATE: on a few rows it is many times faster (TRUNCATE swaps every file).
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(f"DELETE FROM {table.name}")  # noqa: S608 - our own table names
    return url


@pytest.fixture
def clock() -> StepClock:
    """The store's clock, one second per reading from 2026-11-01 08:00 UTC."""
    return StepClock()


@pytest.fixture
def store(migrated_url: str, clock: StepClock) -> Iterator[StateStore]:
    """A store on a migrated database with no rows."""
    with StateStore.open(migrated_url, clock=clock) as opened:
        yield opened
