"""Auth and scope failures against the sandbox: 401, ACCESS_DENIED and the 60-day history gate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from clients.shopify_errors import ShopifyAuthError, ShopifyScopeError
from clients.shopify_windows import OrderWindow
from tests.clients.shopify_sandbox import Shop, in_window, running_shop

RECENT_SCOPES = ["read_orders", "read_fulfillments", "read_products"]


@pytest.fixture(scope="module")
def module_shop() -> Iterator[Shop]:
    with running_shop(seed=5, orders=60) as shop:
        yield shop


@pytest.fixture
def shop(module_shop: Shop) -> Shop:
    module_shop.reset()
    return module_shop


def token(shop: Shop, scopes: list[str]) -> str:
    return str(shop.post("/tokens", {"scopes": scopes})["token"])


def recent(shop: Shop) -> OrderWindow:
    return OrderWindow(shop.clock.start - timedelta(days=10), shop.clock.start)


def old(shop: Shop) -> OrderWindow:
    return OrderWindow(shop.clock.start - timedelta(days=130), shop.clock.start - timedelta(days=50))


def test_a_rejected_token_fails_at_once_and_the_message_never_shows_it(shop: Shop) -> None:
    bad = "shpat_0000000000000000000000000000dead"
    with shop.client(token=bad) as client, pytest.raises(ShopifyAuthError) as caught:
        client.fetch_orders(recent(shop))
    message = str(caught.value)
    assert "access token was rejected" in message
    assert bad not in message
    assert shop.running.token not in message
    assert not caught.value.retriable
    assert not [e for e in shop.events if e.kind == "retry"]  # no retries on a fatal error


def test_access_denied_names_the_missing_scope(shop: Shop) -> None:
    with (
        shop.client(token=token(shop, ["read_products"])) as client,
        pytest.raises(ShopifyScopeError) as caught,
    ):
        client.fetch_orders(recent(shop))
    assert caught.value.missing == ["read_orders"]
    assert "grant read_orders to the custom app" in str(caught.value)
    assert len(shop.requests()) == 1


def test_access_denied_on_a_nested_connection_is_not_an_empty_result(shop: Shop) -> None:
    with (
        shop.client(token=token(shop, ["read_orders"])) as client,
        pytest.raises(ShopifyScopeError) as caught,
    ):
        client.fetch_orders(recent(shop))
    assert "read_fulfillments" in caught.value.missing
    assert "one of the" in str(caught.value)


def test_a_window_older_than_60_days_needs_read_all_orders_before_any_order_is_read(shop: Shop) -> None:
    with shop.client(token=token(shop, RECENT_SCOPES)) as client:
        with pytest.raises(ShopifyScopeError) as caught:
            client.fetch_orders(old(shop))
        with pytest.raises(ShopifyScopeError):
            client.count_orders(old(shop))
        recent_orders = client.fetch_orders(recent(shop))
    message = str(caught.value)
    assert caught.value.missing == ["read_all_orders"]
    assert "more than 60 days ago" in message
    assert "grant read_all_orders to the custom app" in message
    assert message.count(". ") == 0
    assert [r["operation_name"] for r in shop.requests()][:2] == ["AccessScopes", "AccessScopes"]
    assert len(recent_orders) == sum(in_window(o, recent(shop).start, recent(shop).end) for o in shop.truth())


def test_with_read_all_orders_old_orders_are_read(shop: Shop) -> None:
    window = old(shop)
    with shop.client(token=token(shop, [*RECENT_SCOPES, "read_all_orders"])) as client:
        orders = client.fetch_orders(window)
    expected = [o for o in shop.truth() if in_window(o, window.start, window.end)]
    assert any(in_window(o, window.start, shop.clock.start - timedelta(days=60)) for o in expected)
    assert sorted(o["id"] for o in orders) == sorted(o["id"] for o in expected)


def test_overlap_counts_toward_the_60_day_check(shop: Shop) -> None:
    window = OrderWindow(shop.clock.now() - timedelta(days=59), shop.clock.now())
    with shop.client(token=token(shop, RECENT_SCOPES)) as client:
        client.count_orders(window)
        with pytest.raises(ShopifyScopeError, match="read_all_orders"):
            client.count_orders(window, "updated_at", overlap=timedelta(days=2))


def test_require_scopes_counts_write_as_read(shop: Shop) -> None:
    with shop.client(token=token(shop, ["write_orders", "read_products"])) as client:
        assert client.granted_scopes() == {"write_orders", "read_products"}
        client.require_scopes({"read_orders", "read_products"})
        with pytest.raises(ShopifyScopeError, match="read_inventory and read_locations access scopes"):
            client.require_scopes({"read_inventory", "read_locations", "read_orders"})
