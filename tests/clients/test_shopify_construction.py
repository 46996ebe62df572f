"""ShopifyClient construction: endpoint, pinned version, early validation (no request is sent)."""

from __future__ import annotations

import pytest

from clients.shopify import ShopifyClient
from clients.shopify_budget import ThrottleBudget


@pytest.mark.parametrize(
    ("shop_url", "endpoint"),
    [
        (
            "shoplines-demo.myshopify.com",
            "https://shoplines-demo.myshopify.com/admin/api/2026-01/graphql.json",
        ),
        (
            "https://shoplines-demo.myshopify.com/",
            "https://shoplines-demo.myshopify.com/admin/api/2026-01/graphql.json",
        ),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123/admin/api/2026-01/graphql.json"),
    ],
)
def test_the_endpoint_pins_the_api_version(shop_url: str, endpoint: str) -> None:
    with ShopifyClient(shop_url, "shpat_x", budget=ThrottleBudget()) as client:
        assert client.endpoint == endpoint
        assert client.warnings == []


def test_another_pinned_version_goes_into_the_path() -> None:
    with ShopifyClient("x.myshopify.com", "shpat_x", "2026-04", budget=ThrottleBudget()) as client:
        assert client.endpoint.endswith("/admin/api/2026-04/graphql.json")


def test_the_token_is_not_in_the_client_repr() -> None:
    with ShopifyClient("x.myshopify.com", "shpat_secret", budget=ThrottleBudget()) as client:
        assert "shpat_secret" not in repr(client)
        assert "shpat_secret" not in repr(vars(client))


def test_an_impossible_page_size_is_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="max_page_size"):
        ShopifyClient("http://127.0.0.1:9", "shpat_x", budget=ThrottleBudget(), max_page_size=500)
