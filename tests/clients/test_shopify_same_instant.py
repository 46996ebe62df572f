"""1,000 orders sharing one ``updatedAt`` across many page boundaries: none lost, none repeated, no stall.

A connector that pages by timestamp alone (``updated_at > last seen``) loses or loops on such ties
(`../shared/reference/peers.md` §7); cursors carry the id as well, so the client must simply follow them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from clients.shopify_windows import OrderWindow
from sandbox.clock import iso
from sandbox.shopify.generator import add_generated_order
from tests.clients.shopify_sandbox import Shop, running_shop

TIED = 1000
PAGE = 100  # the client's cap on `first`


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    with running_shop(seed=21, orders=5) as running:
        yield running


def test_a_thousand_orders_with_one_updated_at_are_each_read_once(shop: Shop) -> None:
    stamp = shop.clock.now().replace(microsecond=0) + timedelta(hours=1)
    tied = {add_generated_order(shop.store, stamp)["id"] for _ in range(TIED)}
    assert {o["updatedAt"] for o in shop.truth() if o["id"] in tied} == {iso(stamp)}

    pages: list[int] = []
    window = OrderWindow(stamp, stamp + timedelta(seconds=1))
    with shop.client(max_page_size=PAGE) as client:
        orders = client.fetch_orders(window, field="updated_at", on_page=lambda n, _cost: pages.append(n))
        count = client.count_orders(window, field="updated_at")

    ids = [o["id"] for o in orders]
    assert len(ids) == len(set(ids)) == TIED
    assert set(ids) == tied
    assert (count.count, count.precision) == (TIED, "EXACT")
    # dozens of page boundaries fell inside the tie (the page size follows the query cost, ≤ PAGE)
    assert len(pages) > TIED // PAGE
    assert pages[-1] == TIED
    sent = [r for r in shop.requests() if r["operation_name"] == "OrdersPage"]
    cursors = [r["variables"].get("after") for r in sent]
    assert len(cursors) == len(set(cursors)) == len(pages)  # never the same cursor twice: no loop
