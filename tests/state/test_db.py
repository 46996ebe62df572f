"""Engines: URL checks, SQLite connection settings, and waiting (not failing) on a busy SQLite file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from shoplines.state.db import make_engine, parse_url
from shoplines.state.store import StateError, StateStore
from tests.state.factories import LINE, SHOP, start


@pytest.mark.parametrize(
    "url",
    [
        "mysql+pymysql://root@127.0.0.1/shoplines",
        "postgresql+psycopg2://root@127.0.0.1/shoplines",
        "sqlite+aiosqlite:///state.db",
        "not a url",
    ],
)
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(StateError, match="state database URL"):
        make_engine(url)


def test_supported_urls_get_our_driver() -> None:
    assert parse_url("postgresql://root@127.0.0.1/db").drivername == "postgresql+psycopg"
    assert parse_url("postgresql+psycopg://root@127.0.0.1/db").drivername == "postgresql+psycopg"
    assert parse_url("sqlite:///x.db").drivername == "sqlite+pysqlite"


def test_sqlite_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    with StateStore.open(f"sqlite:///{tmp_path / 'new' / 'state.db'}") as store:
        first, second = store.engine.raw_connection(), store.engine.raw_connection()
        try:
            for conn in (first, second):
                assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
                assert conn.execute("PRAGMA busy_timeout").fetchone() == (30_000,)
                assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        finally:
            first.close()
            second.close()
        assert (tmp_path / "new" / "state.db").is_file()


def test_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with StateStore.open(f"sqlite:///{path}") as store:
        run_id = start(store)
        with store.engine.begin() as writing:
            writing.execute(text("UPDATE runs SET message = 'in progress'"))
            assert [r.message for r in store.runs(SHOP, LINE)] == [None]  # reads the last committed state
        assert [(r.run_id, r.message) for r in store.runs(SHOP, LINE)] == [(run_id, "in progress")]


def test_a_writer_waits_for_a_busy_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with StateStore.open(f"sqlite:///{path}") as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        started: list[str] = []
        writer = threading.Thread(target=lambda: started.append(start(store)))
        writer.start()
        writer.join(timeout=0.5)
        assert writer.is_alive(), "the write should wait for the lock, not fail"
        other.execute("COMMIT")
        other.close()
        writer.join(timeout=10)
        assert [r.run_id for r in store.runs(SHOP, LINE)] == started


def test_threads_opening_different_databases_at_once_all_get_a_migrated_store(tmp_path: Path) -> None:
    # Alembic's module-level state made concurrent upgrades crash the interpreter (seen: exit 139).
    errors: list[BaseException] = []

    def open_one(url: str) -> None:
        try:
            with StateStore.open(url) as store:
                store.runs("s", "l")
        except BaseException as exc:
            errors.append(exc)

    for trial in range(4):
        threads = [
            threading.Thread(target=open_one, args=(f"sqlite:///{tmp_path / f'{trial}-{n}.db'}",))
            for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
