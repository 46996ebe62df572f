"""State-store fixtures: every test runs on a fresh SQLite file AND a fresh schema of the local PostgreSQL."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

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
        message = f"PostgreSQL at {PG_HOST}:{PG_PORT} is not reachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
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
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'state.db'}"
    return fresh_pg_schema(request.getfixturevalue("pg_database"))


@pytest.fixture
def clock() -> StepClock:
    """The store's clock, one second per reading from 2026-11-01 08:00 UTC."""
    return StepClock()


@pytest.fixture
def store(db_url: str, clock: StepClock) -> Iterator[StateStore]:
    """A migrated store on an empty database."""
    with StateStore.open(db_url, clock=clock) as opened:
        yield opened
