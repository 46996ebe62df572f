"""Xero tokens in the state database (SQLite and PostgreSQL): encrypted, refreshed once across workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from clients.xero import XeroClient
from clients.xero_auth import TokenSet, XeroTokens
from clients.xero_errors import XeroConnectionRevoked, XeroNotConnected
from shoplines.cli_errors import explain
from shoplines.errors import ConfigError
from shoplines.state.store import StateStore
from shoplines.xero_tokens import StateTokenVault, TokenCipher, build_xero_auth, build_xero_client
from tests.clients.xero_support import SHOP, TOKEN_KEY, Sleeps, refreshes, requests, xero_settings
from tests.sandbox.conftest import Xero


@pytest.fixture
def store(migrated_url: str, xero: Xero) -> Iterator[StateStore]:
    """A store on SQLite or PostgreSQL whose clock is the sandbox's."""
    with StateStore.open(migrated_url, clock=xero.clock.now) as opened:
        yield opened


def connect_directly(xero: Xero, store: StateStore) -> TokenSet:
    """Store the fixture's token set as `shoplines xero connect` would (the CLI test does the real flow)."""
    auth = build_xero_auth(xero_settings(xero), now=xero.clock.now)
    try:
        [tenant] = auth.connections(xero.tokens["access_token"])
    finally:
        auth.close()
    now = xero.clock.now()
    tokens = TokenSet(
        xero.tokens["access_token"], xero.tokens["refresh_token"], now + timedelta(minutes=30), now, "scope"
    )
    StateTokenVault(store, TokenCipher(SecretStr(TOKEN_KEY)), SHOP).save(tenant, tokens)
    return tokens


def client(xero: Xero, store: StateStore) -> XeroClient:
    return build_xero_client(xero_settings(xero), store, SHOP, now=xero.clock.now, sleep=Sleeps(xero))


def test_tokens_are_never_stored_in_clear(xero: Xero, store: StateStore) -> None:
    tokens = connect_directly(xero, store)
    with client(xero, store) as c:
        xero.clock.advance(31 * 60)
        c.tax_rates()  # refreshed: the new tokens are stored too
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM accounting_tokens")).mappings().one()
    raw = " ".join(str(value) for value in row.values())
    fresh = StateTokenVault(store, TokenCipher(SecretStr(TOKEN_KEY)), SHOP).load()
    for secret in (tokens.refresh_token, tokens.access_token, fresh.refresh_token, fresh.access_token):
        assert secret not in raw
    assert row["version"] == 2
    assert row["tenant_id"] == xero.running.tenant_id
    other_key = TokenCipher(SecretStr("A" * 43 + "="))
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        StateTokenVault(store, other_key, SHOP).load()


def test_without_a_token_key_nothing_is_stored(xero: Xero, store: StateStore) -> None:
    with pytest.raises(ConfigError) as refused:
        TokenCipher(None)
    message, code = explain(refused.value)
    assert code == 1
    assert message.startswith("SHOPLINES_TOKEN_KEY is not set, and tokens are never stored in clear")
    with pytest.raises(XeroNotConnected, match="run shoplines xero connect"):
        build_xero_client(xero_settings(xero), store, SHOP)


def test_token_expiry_mid_run_refreshes_transparently(xero: Xero, store: StateStore) -> None:
    first = connect_directly(xero, store)
    with client(xero, store) as c:
        c.tax_rates()
        xero.clock.advance(31 * 60)
        c.accounts()
        xero.clock.advance(29 * 60)  # 1 minute left on the new token: inside the 2-minute margin
        c.accounts()
    assert len(refreshes(xero)) == 2
    assert [r["status"] for r in requests(xero, path="/Accounts")] == [200, 200]  # no 401: refreshed ahead
    stored = StateTokenVault(store, TokenCipher(SecretStr(TOKEN_KEY)), SHOP).load()
    assert stored.refresh_token != first.refresh_token
    assert stored.access_expires_at == xero.clock.now() + timedelta(minutes=30)


def test_a_401_forces_one_refresh_and_one_retry(xero: Xero, store: StateStore) -> None:
    connect_directly(xero, store)
    with client(xero, store) as c:
        c.tax_rates()
        xero.admin("POST", "/tokens/expire")  # Xero says expired while we think it has 30 minutes
        assert c.tax_rates()
    assert [r["status"] for r in requests(xero, "GET", "/TaxRates")] == [200, 401, 200]
    assert len(refreshes(xero)) == 1


def test_a_lost_refresh_answer_is_retried_with_the_old_refresh_token(xero: Xero, store: StateStore) -> None:
    connect_directly(xero, store)
    xero.admin("POST", "/faults", {"kind": "ghost_drop", "path": "/connect/token"})
    xero.clock.advance(31 * 60)
    with client(xero, store) as c:
        assert c.tax_rates()
    # the first answer was lost after the rotation; the old refresh token still worked (grace period)
    assert [(r["fault"], r["status"]) for r in refreshes(xero)] == [("ghost_drop", 599), (None, 200)]


def test_revoked_connection_is_one_clear_error(xero: Xero, store: StateStore) -> None:
    connect_directly(xero, store)
    xero.admin("POST", "/tokens/revoke", {})
    with client(xero, store) as c, pytest.raises(XeroConnectionRevoked) as revoked:
        c.tax_rates()
    message, code = explain(revoked.value)
    assert (message, code) == (
        "the Xero connection was revoked or expired (invalid_grant): run shoplines xero connect",
        1,
    )


def test_reconnect_warning_before_the_60_day_expiry(xero: Xero, store: StateStore) -> None:
    connect_directly(xero, store)
    auth = build_xero_auth(xero_settings(xero), now=xero.clock.now)
    vault = StateTokenVault(store, TokenCipher(SecretStr(TOKEN_KEY)), SHOP)
    tokens = XeroTokens(auth, vault, now=xero.clock.now)
    try:
        assert tokens.refresh_token_age() == timedelta(0)
        assert not tokens.needs_reconnect_soon()
        assert not tokens.needs_reconnect_soon(xero.clock.now() + timedelta(days=44))
        assert tokens.needs_reconnect_soon(xero.clock.now() + timedelta(days=45))
    finally:
        tokens.close()


def test_two_workers_needing_a_refresh_refresh_once(xero: Xero, migrated_url: str) -> None:
    with StateStore.open(migrated_url, clock=xero.clock.now) as setup:
        first = connect_directly(xero, setup)
    xero.clock.advance(31 * 60)
    # The refresh answer takes 0.5 s, so the second worker asks while the first holds the lock.
    xero.admin("POST", "/faults", {"kind": "slow", "path": "/connect/token", "seconds": 0.5, "times": None})
    start = threading.Barrier(2)
    used: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with StateStore.open(migrated_url, clock=xero.clock.now) as own, client(xero, own) as c:
                start.wait(timeout=10)
                assert c.tax_rates()
                used.append(c.session.tokens.access_token())
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(refreshes(xero)) == 1
    assert len(used) == 2
    assert used[0] == used[1] != first.access_token
    assert [r["status"] for r in requests(xero, "GET", "/TaxRates")] == [200, 200]
