"""SHOPLINES_SHOPIFY_BULK_FROM_DAYS reaches the Shopify client: windows longer than it go bulk, 0 never."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shoplines.settings import Settings
from shoplines.wiring import build_shopify


@pytest.mark.parametrize(
    ("value", "expected"), [(None, timedelta(days=7)), ("2.5", timedelta(hours=60)), ("0", None)]
)
def test_the_bulk_threshold_setting_reaches_the_client(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: timedelta | None
) -> None:
    if value is None:
        monkeypatch.delenv("SHOPLINES_SHOPIFY_BULK_FROM_DAYS", raising=False)
    else:
        monkeypatch.setenv("SHOPLINES_SHOPIFY_BULK_FROM_DAYS", value)
    settings = Settings(shopify_url="http://127.0.0.1:9", shopify_token="shpat_unused", _env_file=None)
    with build_shopify(settings) as client:
        assert client.bulk_from == expected


def test_a_negative_bulk_threshold_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPLINES_SHOPIFY_BULK_FROM_DAYS", "-1")
    with pytest.raises(ValueError, match="shopify_bulk_from_days"):
        Settings(_env_file=None)
