"""A ``Store`` whose orders live in a SQLite file, so a million-order shop fits in a few hundred MB of RAM."""

from __future__ import annotations

import contextlib
import functools
import json
import pickle
import sqlite3
import threading
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.clock import parse_instant
from sandbox.shopify.ids import parse_gid
from sandbox.shopify.store import _CHILD_PATHS, TIME_FIELDS, Node, Order, Store, child_ids

try:
    import orjson

    def _dumps(value: Any) -> bytes:
        return orjson.dumps(value)

    def _loads(raw: bytes) -> Any:
        return orjson.loads(raw)

except ImportError:  # pragma: no cover - orjson comes with the venv; plain json reads the same files

    def _dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()

    def _loads(raw: bytes) -> Any:
        return json.loads(raw)


FORMAT_VERSION = 1
READ_BATCH = 500  # orders decoded per query while streaming (``DiskStore.read_batch``)
COMMIT_EVERY = 5_000  # puts per transaction inside ``batch()``
_KINDS = {kind: index for index, kind in enumerate(_CHILD_PATHS, start=1)}
_COLUMNS = {"createdAt": "created_at", "updatedAt": "updated_at", "processedAt": "processed_at"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT, created_at TEXT, updated_at TEXT,
    processed_at TEXT, test INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS owners (child INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
"""
# Built after a bulk load into an empty store (cheaper than keeping them up to date row by row).
_INDEXES = {
    name: f"CREATE INDEX IF NOT EXISTS orders_{name} ON orders ({name})"
    for name in ("created_at", "updated_at", "processed_at", "name", "test")
}
_UPSERT = """
INSERT INTO orders (id, name, created_at, updated_at, processed_at, test, body) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, created_at = excluded.created_at,
    updated_at = excluded.updated_at, processed_at = excluded.processed_at, test = excluded.test,
    body = excluded.body
RETURNING seq
"""
# What ``DiskStore.open`` restores besides the orders (``checkpoint`` saves it).
_STATE = ("shop", "rng", "ids", "locations", "products", "variants", "inventory_items", "inventory")


class DiskStore(Store):
    """Orders as zlib-compressed JSON rows (a shared preset dictionary) with indexed id, name, test and
    timestamps, and the child → order index as a table; catalogue, locations and inventory stay in memory.

    One connection (WAL) behind a lock, so the server thread and the caller's thread can share it;
    nothing holds the lock between the batches that ``orders()`` streams.
    """

    def __init__(self, path: Path | str, shop: Node, seed: int = 0) -> None:
        """Create a new store file at ``path`` (an existing one is replaced)."""
        super().__init__(shop, seed)
        remove_store_file(path)
        self._attach(Path(path))
        zdict = sample_dictionary()
        with self._lock, self._db:
            self._db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("format", str(FORMAT_VERSION)),
                    ("made", uuid.uuid4().hex),  # tells a reused file from a regenerated one
                    ("zdict", zdict),
                    ("pristine", "0"),
                ],
            )
        self._zdict = zdict
        self._packer: Any = None
        self._unpacker: Any = None

    @classmethod
    def open(cls, path: Path | str) -> DiskStore:
        """Open a store file written earlier (orders as stored, the rest as of its last ``checkpoint``).

        Raises:
            ValueError: not a store file of this format, or never checkpointed.
        """
        store = cls.__new__(cls)
        store._attach(Path(path))
        meta = store.meta()
        if meta.get("format") != str(FORMAT_VERSION) or "state" not in meta:
            store.close()
            raise ValueError(f"{path} is not a checkpointed store file of format {FORMAT_VERSION}")
        state = pickle.loads(meta["state"])  # noqa: S301 - written by ``checkpoint`` into our own file
        Store.__init__(store, state["shop"])
        for name in _STATE:
            setattr(store, name, state[name])
        store.warehouse_location_id = state["warehouse_location_id"]
        store._zdict = meta["zdict"]
        store._packer = store._unpacker = None
        return store

    def _attach(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = OFF")  # a sandbox file: regenerated, never recovered
        self._db.execute("PRAGMA cache_size = -32000")
        self._db.executescript(_SCHEMA)
        for ddl in _INDEXES.values():
            self._db.execute(ddl)
        self._db.create_function("order_number", 1, _order_number, deterministic=True)
        self._batching = 0
        self._puts = 0
        self._pristine: bool | None = None  # unknown until the first put
        self.read_batch = READ_BATCH

    # -- meta --------------------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        """The meta table: ``format``, ``made``, ``zdict``, ``pristine``, then ``state`` and ``recipe``."""
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def checkpoint(self, recipe: dict[str, Any] | None = None) -> None:
        """Save the in-memory part (shop, catalogue, inventory, id and rng state) and mark the file
        pristine: what ``generate_store`` made from ``recipe``, unchanged until the next ``put_order``."""
        state = {name: getattr(self, name) for name in _STATE}
        state["warehouse_location_id"] = self.warehouse_location_id
        rows = [("state", pickle.dumps(state)), ("recipe", json.dumps(recipe or {}, sort_keys=True))]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", rows)
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('pristine', '1')")
            self._pristine = True

    # -- orders ------------------------------------------------------------------------------------
    def orders(self) -> Iterator[Order]:
        """Every order in insertion order, read ``read_batch`` at a time (never all in memory)."""
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT seq, body FROM orders WHERE seq > ? ORDER BY seq LIMIT ?", (last, self.read_batch)
                ).fetchall()
            if not rows:
                return
            for _, body in rows:
                yield self._decode(body)
            if len(rows) < self.read_batch:
                return
            last = rows[-1][0]

    def orders_between(self, field: str, start: datetime | None, end: datetime | None) -> Iterator[Order]:
        """As ``Store.orders_between``, through the field's index, ``read_batch`` at a time."""
        if field not in TIME_FIELDS:
            raise ValueError(f"orders_between takes one of {TIME_FIELDS}, not {field!r}")
        column = _COLUMNS[field]
        low, high = _stamp(start) if start else "", _stamp(end) if end else "~"
        mark: tuple[str, int] = (low, 0)
        query = (
            f"SELECT {column}, seq, body FROM orders WHERE {column} >= ? AND {column} < ? "  # noqa: S608
            f"AND ({column}, seq) > (?, ?) ORDER BY {column}, seq LIMIT ?"
        )
        while True:
            with self._lock:
                rows = self._db.execute(query, (low, high, *mark, self.read_batch)).fetchall()
            if not rows:
                return
            for _, _, body in rows:
                yield self._decode(body)
            if len(rows) < self.read_batch:
                return
            mark = (rows[-1][0], rows[-1][1])

    def time_span(self, field: str) -> tuple[datetime, datetime] | None:
        """The earliest and latest ``field`` instant, from the field's index."""
        if field not in TIME_FIELDS:
            raise ValueError(f"time_span takes one of {TIME_FIELDS}, not {field!r}")
        column = _COLUMNS[field]
        with self._lock:
            low, high = self._db.execute(f"SELECT MIN({column}), MAX({column}) FROM orders").fetchone()  # noqa: S608
        return None if low is None else (parse_instant(low), parse_instant(high))

    def order_count(self, *, test: bool | None = None) -> int:
        """How many orders (only test or only non-test ones with ``test``), counted by SQLite."""
        query, params = "SELECT COUNT(*) FROM orders WHERE test = ? OR ?", (int(bool(test)), test is None)
        with self._lock:
            return int(self._db.execute(query, params).fetchone()[0])

    def get_order(self, gid: str) -> Order | None:
        """A fresh copy of order ``gid`` or ``None`` (change it through ``put_order``/``mutate``)."""
        with self._lock:
            row = self._db.execute("SELECT body FROM orders WHERE id = ?", (gid,)).fetchone()
        return None if row is None else self._decode(row[0])

    def put_order(self, order: Order) -> None:
        """Insert or replace an order (keeping its place in ``orders()``) and index its children."""
        row = (
            order["id"],
            order.get("name"),
            *(_stamp_text(order.get(field)) for field in TIME_FIELDS),
            int(bool(order.get("test"))),
            self._encode(order),
        )
        with self._lock, self._write():
            seq = self._db.execute(_UPSERT, row).fetchone()[0]
            keys = [(key, seq) for key in map(_child_key, child_ids(order)) if key is not None]
            self._db.executemany("INSERT OR REPLACE INTO owners (child, seq) VALUES (?, ?)", keys)
            if self._pristine is not False:
                self._db.execute("UPDATE meta SET value = '0' WHERE key = 'pristine'")
                self._pristine = False

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the lock and commit every ``COMMIT_EVERY`` puts instead of after each one; into an empty
        store, build the secondary indexes once at the end."""
        with self._lock:
            bulk = not self._batching and self.order_count() == 0
            if bulk:
                for name in _INDEXES:
                    self._db.execute(f"DROP INDEX IF EXISTS orders_{name}")
            self._batching += 1
            try:
                with self._write():
                    yield
            finally:
                self._batching -= 1
                if bulk:
                    for ddl in _INDEXES.values():
                        self._db.execute(ddl)

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        if self._db.in_transaction:
            yield
            self._puts += 1
            if self._batching and self._puts >= COMMIT_EVERY:
                self._db.execute("COMMIT")
                self._db.execute("BEGIN")
                self._puts = 0
            return
        self._db.execute("BEGIN")
        self._puts = 0
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _draft(self, gid: str) -> Order:
        draft = self.get_order(gid)
        if draft is None:
            raise KeyError(gid)
        return draft

    def _exclusive(self) -> contextlib.AbstractContextManager[Any]:
        return self._lock

    def owner_of(self, gid: str) -> Order | None:
        """The order that holds child object ``gid``, through the owners table."""
        key = _child_key(gid)
        if key is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM owners JOIN orders USING (seq) WHERE child = ?", (key,)
            ).fetchone()
        return None if row is None else self._decode(row[0])

    def max_order_number(self) -> int | None:
        """The largest numeric order name, computed inside SQLite."""
        with self._lock:
            found = self._db.execute("SELECT MAX(order_number(name)) FROM orders").fetchone()[0]
        return None if found is None else int(found)

    def close(self) -> None:
        """Close the connection (the file stays)."""
        with self._lock:
            self._db.close()

    def _encode(self, order: Order) -> bytes:
        if self._packer is None:
            self._packer = zlib.compressobj(3, zdict=self._zdict)
        packer = self._packer.copy()  # cheaper than loading the dictionary again
        return packer.compress(_dumps(order)) + packer.flush()

    def _decode(self, body: bytes) -> Order:
        if self._unpacker is None:
            self._unpacker = zlib.decompressobj(zdict=self._zdict)
        unpacker = self._unpacker.copy()
        order: Order = _loads(unpacker.decompress(body) + unpacker.flush())
        return order


def remove_store_file(path: Path | str) -> None:
    """Delete a store file and its WAL companions, if present."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@functools.cache
def sample_dictionary() -> bytes:
    """zlib's preset dictionary for new files: JSON of a few generated orders (keys and common values
    recur in every order, so each compresses to ~800 bytes instead of ~2 KB; raw JSON is ~9 KB)."""
    from sandbox.shopify.generator import generate_store  # the generator imports this module

    sample = generate_store(0, orders=32)
    return b"".join(_dumps(order) for order in sample.orders())[-32_768:]


def _stamp(instant: datetime) -> str:
    """A sortable UTC text form with microseconds, so string order is time order."""
    if instant.tzinfo is None:
        raise ValueError(f"instant without a time zone: {instant!r}")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _stamp_text(value: Any) -> str | None:
    if isinstance(value, str) and len(value) == 20 and value[10] == "T" and value[19] == "Z":
        return f"{value[:19]}.000000Z"  # already the sandbox's own form (``iso``): skip parsing
    try:
        return _stamp(parse_instant(str(value))) if value else None
    except ValueError:
        return None


def _child_key(gid: str) -> int | None:
    """One integer per child gid: kind index × 10¹⁵ + its number (only canonical gids of indexed kinds)."""
    parsed = parse_gid(gid)
    if parsed is None or parsed[0] not in _KINDS or gid != f"gid://shopify/{parsed[0]}/{parsed[1]}":
        return None
    return _KINDS[parsed[0]] * 10**15 + parsed[1] if parsed[1] < 10**15 else None


def _order_number(name: str | None) -> int | None:
    digits = (name or "").lstrip("#")
    return int(digits) if digits.isdigit() else None
