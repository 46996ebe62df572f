"""`shoplines prefect setup` on a Prefect server: idempotent, the shop's limit sized from its plan, secrets
read back from Secret blocks, and every Shopify request spending the shop's Prefect rate limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from pydantic import SecretStr

from clients.notify import Notice
from deployments.definitions import automations
from deployments.setup import apply, secret_values
from shoplines.alerting import _emit
from shoplines.errors import ConfigError
from shoplines.prefect_secrets import read_secret
from shoplines.settings import Settings, load_settings
from shoplines.shared_budget import PrefectBudget, limit_name
from shoplines.wiring import build_shopify
from shoplines.xero_tokens import load_xero_settings
from tests.clients.shopify_sandbox import Shop, running_shop
from tests.deployments.events import triggered

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SHOPLINES_HOME", str(tmp_path))  # no sandbox.json: only what a test sets
    read_secret.cache_clear()
    return tmp_path


def _shop() -> str:
    return f"setup-{uuid.uuid4().hex[:8]}.myshopify.com"


def _limit(name: str) -> tuple[int, float, int]:
    with get_client(sync_client=True) as client:
        found = client.read_global_concurrency_limit_by_name(name)
        return found.limit, found.slot_decay_per_second or 0.0, found.active_slots


def _create(name: str, limit: int) -> None:
    """A limit that decays ~0 during a test: every slot taken stays visible."""
    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(
            GlobalConcurrencyLimitCreate(name=name, limit=limit, slot_decay_per_second=0.001)
        )


def test_setup_twice_is_setup_once_and_the_limit_follows_the_plan(home: Path) -> None:
    shop = _shop()
    first = apply(Settings(home=home, shop_domain=shop, shopify_plan="advanced"))
    assert f"Shopify limit shopify:{shop} (advanced: 4000 points, 200/s): created" in first
    again = apply(Settings(home=home, shop_domain=shop, shopify_plan="advanced"))
    assert [line for line in again if not line.endswith(("already there", "none (no channel set)"))] == []
    assert _limit(limit_name(shop))[:2] == (4000, 200.0)
    with get_client(sync_client=True) as client:
        for automation in automations(None):
            assert len(client.read_automations_by_name(automation.name)) == 1
    faster = apply(Settings(home=home, shop_domain=shop, shopify_plan="plus", shopify_time_scale=20))
    assert f"Shopify limit shopify:{shop} (plus: 20000 points, 20000/s): updated" in faster


def test_secrets_are_read_from_blocks_at_run_time_and_the_environment_still_wins(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = Settings(home=home, shop_domain=_shop(), shopify_token=SecretStr("shpat_from_env_at_setup"))
    saved = apply(here, secret_values(here) | {"token_key": SecretStr("key-from-setup")})
    assert "Secret block shoplines-shopify-token: saved" in saved
    assert not any("shpat_" in line for line in saved)
    assert load_settings().shopify_token is None  # switched off: blocks are not read
    monkeypatch.setenv("SHOPLINES_SECRETS_FROM_PREFECT", "true")
    token = load_settings().shopify_token
    assert token is not None
    assert token.get_secret_value() == "shpat_from_env_at_setup"
    assert str(load_xero_settings().token_key.get_secret_value()) == "key-from-setup"  # type: ignore[union-attr]
    assert load_settings().sftp_password is None  # no block: unset, and the usual error names the setting
    monkeypatch.setenv("SHOPLINES_SHOPIFY_TOKEN", "shpat_worker_env")
    assert load_settings().shopify_token.get_secret_value() == "shpat_worker_env"  # type: ignore[union-attr]


def test_the_prefect_budget_takes_before_and_gives_back_what_shopify_did_not_charge() -> None:
    name = limit_name(_shop())
    _create(name, 100)
    budget = PrefectBudget(name, maximum=100, timeout=5)
    budget.take(30)
    assert _limit(name)[2] == 30
    budget.settle(30, 10)  # charged less than requested: 20 back
    assert _limit(name)[2] == 10
    budget.take(0)  # a request with no estimate takes 1 slot...
    budget.settle(0, 7)  # ...and Shopify charged 7: 6 more
    assert _limit(name)[2] == 17


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running_shop(seed=5, orders=3) as running:
        yield running


def test_every_shopify_request_spends_the_shops_prefect_limit_and_a_missing_limit_stops_the_run(
    home: Path, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain = _shop()
    for name, value in {"SHOPIFY_URL": shop.running.url, "SHOPIFY_TOKEN": shop.running.token,
                        "SHOP_DOMAIN": domain, "SHOPIFY_SHARED_BUDGET": "true"}.items():  # fmt: skip
        monkeypatch.setenv(f"SHOPLINES_{name}", value)
    with pytest.raises(
        ConfigError, match=rf"the Prefect limit shopify:{domain} does not exist: run `shoplines"
    ):
        build_shopify(load_settings())
    _create(limit_name(domain), 2000)
    with build_shopify(load_settings()) as client:
        assert "read_orders" in client.granted_scopes()
    assert _limit(limit_name(domain))[2] >= 1


def test_the_mismatches_shoplines_announces_trigger_their_automations(home: Path) -> None:
    apply(Settings(home=home, shop_domain=_shop()))
    since = datetime.now(UTC)
    for line, key in (("reconcile", "orders-to-warehouse:nightly"), ("inventory", "stock-mismatch")):
        _emit(Notice("problem", key, "events.myshopify.com", line, "does not tie out", "what", "next"))
    with get_client(sync_client=True) as client:
        assert triggered(client, "shoplines: reconciliation mismatch", since)
        assert triggered(client, "shoplines: stock mismatch", since)
