"""Cursor pagination over one GraphQL connection, page size chosen by cost, loops detected."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from clients.shopify_errors import ShopifyQueryError, ShopifyTransientError
from clients.shopify_events import ClientEvent
from clients.shopify_http import Answer, GraphQLSession, Variables
from clients.shopify_sizing import PageSizer


@dataclass(frozen=True)
class Connection:
    """Where a paginated connection sits in an answer: ``data[path[0]][path[1]]…``."""

    operation: str
    query: str
    path: Sequence[str]


@dataclass
class Page:
    """One page of a connection: its nodes and the points it cost."""

    nodes: list[dict[str, Any]]
    cost: int
    answer: Answer = field(repr=False)


class Pager:
    """Walks connections for one client, remembering each operation's per-node cost."""

    def __init__(self, session: GraphQLSession, max_page_size: int) -> None:
        PageSizer(max_page_size)  # validates the size now rather than at the first page
        self.session = session
        self.max_page_size = max_page_size
        self._node_costs: dict[str, float] = {}
        self._lock = threading.Lock()

    def pages(self, conn: Connection, variables: Variables, after: str | None = None) -> Iterator[Page]:
        """Yield every page of ``conn`` from cursor ``after`` on.

        Args:
            conn: The connection and the document that reaches it.
            variables: Variables other than ``first``/``after``.
            after: Cursor to continue from (None for the beginning).

        Raises:
            ShopifyQueryError: the connection is missing from an answer or the cursors loop.
        """
        with self._lock:
            sizer = PageSizer(self.max_page_size, self._node_costs.get(conn.operation))
        seen: set[str] = set()
        number = 0
        while True:
            number += 1
            answer = self._fetch(conn, f"{conn.operation} page {number}", variables, after, sizer)
            found = dig(answer.data, conn.path, conn.operation)
            cost = answer.cost
            yield Page(
                list(found["nodes"]), 0 if cost is None else int(cost.actual or cost.requested), answer
            )
            info = found["pageInfo"]
            if not info["hasNextPage"]:
                return
            after = info.get("endCursor")
            if not after or after in seen:
                raise ShopifyQueryError(
                    f"Shopify's cursors for {conn.operation} repeated or vanished after page {number}, "
                    "so paging stopped instead of looping or skipping records."
                )
            seen.add(after)

    def _fetch(
        self, conn: Connection, name: str, variables: Variables, after: str | None, sizer: PageSizer
    ) -> Answer:
        budget = self.session.budget

        def shrink(error: ShopifyTransientError) -> None:
            size = sizer.note_failure(error)
            if size is not None:
                self.session.events.emit(
                    ClientEvent(
                        "page_size_shrunk", f"{name} keeps failing; page size cut to {size}.", {"size": size}
                    )
                )

        answer = self.session.execute(
            name,
            conn.query,
            lambda: {**variables, "first": sizer.choose(budget.maximum), "after": after},
            estimate=lambda v: sizer.estimate(int(v["first"])),
            on_failure=shrink,
        )
        if answer.cost is not None:
            sizer.learn(int(answer.variables["first"]), answer.cost.requested)
            with self._lock:
                if sizer.node_cost is not None:
                    self._node_costs[conn.operation] = sizer.node_cost
        return answer


def dig(data: dict[str, Any], path: Sequence[str], operation: str) -> dict[str, Any]:
    """Follow ``path`` into ``data``; a missing or null step is a loud failure, never an empty page."""
    node: Any = data
    for step in path:
        if not isinstance(node, dict) or node.get(step) is None:
            raise ShopifyQueryError(
                f"Shopify's answer to {operation} has no {'.'.join(path)} (missing at {step!r}), "
                "so the page cannot be trusted."
            )
        node = node[step]
    if not isinstance(node.get("nodes"), list) or not isinstance(node.get("pageInfo"), dict):
        raise ShopifyQueryError(
            f"Shopify's answer to {operation} lacks nodes or pageInfo at {'.'.join(path)}."
        )
    return dict(node)
