"""Regroup a bulk JSONL result (children scattered, ``__parentId``) into complete orders, on disk."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from clients.shopify_bulk_queries import CHILD_CONNECTIONS, SORT_ONLY_ID
from clients.shopify_errors import ShopifyBulkError

Order = dict[str, Any]
SORT_FIELDS = {"processed_at": "processedAt", "updated_at": "updatedAt", "created_at": "createdAt"}
_SCHEMA = """
CREATE TABLE roots (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, sort TEXT NOT NULL,
                    num INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE children (seq INTEGER PRIMARY KEY, id TEXT, num INTEGER, parent TEXT NOT NULL,
                       type TEXT NOT NULL, body BLOB NOT NULL, root TEXT, depth INTEGER);
"""
# after loading: roots in the window's order, children by id (to find grandparents) and by their order
_INDEXES = """
CREATE INDEX roots_order ON roots (sort, num);
CREATE INDEX children_id ON children (id);
CREATE INDEX children_parent ON children (parent);
"""
_LINK = """
UPDATE children SET root = parent, depth = 1 WHERE parent IN (SELECT id FROM roots);
UPDATE children SET depth = 2, root = (SELECT p.root FROM children AS p WHERE p.id = children.parent
                                       AND p.depth = 1) WHERE depth IS NULL;
CREATE INDEX children_root ON children (root, depth, seq);
"""
_CHUNK_CHILDREN = """
SELECT c.depth, c.type, c.id, c.parent, c.body FROM roots AS r JOIN children AS c ON c.root = r.id
WHERE (r.sort, r.num) > (?, ?) AND (r.sort, r.num) <= (?, ?) ORDER BY c.depth, c.num, c.seq
"""


class BulkResult:
    """A bulk orders result loaded into a temporary SQLite file, read back a chunk of orders at a time.

    Memory stays bounded by ``batch`` lines while loading and by one chunk of orders while reading.

    Args:
        database: Path of the SQLite file to create (replaced if present; removed by `close`).
        field: The window's field (``processed_at``…), which orders the roots.
        batch: Lines per insert transaction.
    """

    def __init__(self, database: Path, field: str, *, batch: int = 2_000) -> None:
        self.path = database
        self.sort_field = SORT_FIELDS[field]
        self.batch = batch
        database.unlink(missing_ok=True)
        self._db = sqlite3.connect(database)
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)

    def __enter__(self) -> BulkResult:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close and delete the SQLite file."""
        self._db.close()
        self.path.unlink(missing_ok=True)

    def load(self, jsonl: Path) -> int:
        """Read every line of ``jsonl`` into the database and link children to their orders.

        Returns:
            The number of objects (lines) read, to compare with Shopify's ``objectCount``.

        Raises:
            ShopifyBulkError: a line is not a JSON object, an order repeats, a child has no known
                ``__typename`` or its parent never appears.
        """
        roots: list[tuple[int, str, str, int, bytes]] = []
        children: list[tuple[int, str | None, int | None, str, str, bytes]] = []
        count = 0
        with jsonl.open("rb") as lines:
            for number, raw in enumerate(lines, 1):
                if not raw.strip():
                    continue
                count += 1
                obj = _parse(raw, number)
                parent = obj.pop("__parentId", None)
                if parent is None:
                    roots.append(self._root(obj, number, raw))
                else:
                    children.append(_child(obj, str(parent), number, raw))
                if len(roots) + len(children) >= self.batch:
                    self._insert(roots, children)
        self._insert(roots, children)
        self._db.executescript(_INDEXES + _LINK)
        self._check_orphans()
        return count

    def root_count(self) -> int:
        """Orders loaded (to compare with Shopify's ``rootObjectCount``)."""
        return int(self._db.execute("SELECT count(*) FROM roots").fetchone()[0])

    def orders(self, chunk: int = 1_000) -> Iterator[list[Order]]:
        """Yield complete orders in the window's order, ``chunk`` at a time (ties by numeric id).

        Every connection is ``{"nodes": [...]}`` as `ShopifyClient.iter_order_pages` returns it, siblings
        in ascending id (the connection's order; file order for nodes without one).
        """
        after: tuple[str, int] = ("", -1)
        while True:
            rows = self._db.execute(
                "SELECT sort, num, id, body FROM roots WHERE (sort, num) > (?, ?) ORDER BY sort, num LIMIT ?",
                (*after, chunk),
            ).fetchall()
            if not rows:
                return
            last = (rows[-1][0], rows[-1][1])
            orders = {row[2]: _with_connections(_node(row[3], None), None) for row in rows}
            rows.clear()
            self._attach(orders, after, last)
            yield list(orders.values())
            after = last

    def _attach(self, orders: dict[str, Order], after: tuple[str, int], last: tuple[str, int]) -> None:
        parents: dict[str, tuple[str, Order]] = {}  # first-level children that have children of their own
        for depth, kind, child_id, parent, body in self._db.execute(_CHUNK_CHILDREN, (*after, *last)):
            expected_parent, connection = CHILD_CONNECTIONS[kind]
            node = _with_connections(_node(body, kind), kind)
            if depth == 1 and expected_parent is None:
                orders[parent][connection]["nodes"].append(node)
                if child_id is not None:
                    parents[child_id] = (kind, node)
            elif depth == 2 and parent in parents and parents[parent][0] == expected_parent:
                parents[parent][1][connection]["nodes"].append(node)
            else:
                raise ShopifyBulkError(
                    f"Shopify's bulk result puts a {kind} under {parent}, where no {kind} belongs, so the "
                    "result does not match the query and was not used."
                )

    def _root(self, obj: Order, number: int, raw: bytes) -> tuple[int, str, str, int, bytes]:
        order_id = obj.get("id")
        if not isinstance(order_id, str):
            raise ShopifyBulkError(f"Line {number} of the bulk result is an order without an id.")
        stamp = obj.get(self.sort_field)
        sort = "" if stamp is None else datetime.fromisoformat(str(stamp)).astimezone(UTC).isoformat()
        return (number, order_id, sort, _number(order_id) or number, raw)

    def _insert(self, roots: list[Any], children: list[Any]) -> None:
        try:
            with self._db:
                self._db.executemany("INSERT INTO roots VALUES (?, ?, ?, ?, ?)", roots)
                self._db.executemany(
                    "INSERT INTO children (seq, id, num, parent, type, body) VALUES (?, ?, ?, ?, ?, ?)",
                    children,
                )
        except sqlite3.IntegrityError as exc:
            raise ShopifyBulkError(
                f"Shopify's bulk result holds an order twice ({exc}), so it cannot be trusted."
            ) from exc
        roots.clear()
        children.clear()

    def _check_orphans(self) -> None:
        orphan = self._db.execute(
            "SELECT seq, type, parent FROM children WHERE root IS NULL ORDER BY seq LIMIT 1"
        ).fetchone()
        if orphan is not None:
            raise ShopifyBulkError(
                f"Line {orphan[0]} of Shopify's bulk result is a {orphan[1]} whose parent {orphan[2]} never "
                "appears in the result, so the result is incomplete and was not used."
            )


def _parse(raw: bytes, number: int) -> Order:
    try:
        obj = orjson.loads(raw)
    except ValueError as exc:
        raise ShopifyBulkError(f"Line {number} of the bulk result is not valid JSON ({exc}).") from exc
    if not isinstance(obj, dict):
        raise ShopifyBulkError(f"Line {number} of the bulk result is not a JSON object.")
    return obj


def _child(
    obj: Order, parent: str, number: int, raw: bytes
) -> tuple[int, str | None, int | None, str, str, bytes]:
    kind = obj.pop("__typename", None)
    if kind not in CHILD_CONNECTIONS:
        raise ShopifyBulkError(
            f"Line {number} of the bulk result is a child of {parent} of unknown type {kind!r}, so it "
            "cannot be placed in its order."
        )
    child_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    return (number, child_id, _number(child_id), parent, str(kind), raw)


def _number(gid: str | None) -> int | None:
    """The numeric tail of a gid (siblings and same-instant orders are ordered by it), else None."""
    tail = "" if gid is None else gid.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _node(raw: bytes, kind: str | None) -> Order:
    """A stored line as the paged client would return it: without the bulk-only keys."""
    node: Order = orjson.loads(raw)
    node.pop("__parentId", None)
    node.pop("__typename", None)
    if kind in SORT_ONLY_ID:
        node.pop("id", None)
    return node


def _with_connections(node: Order, kind: str | None) -> Order:
    """``node`` with an empty ``{"nodes": []}`` for each connection its children may fill."""
    for parent, connection in CHILD_CONNECTIONS.values():
        if parent == kind:
            node[connection] = {"nodes": []}
    return node
