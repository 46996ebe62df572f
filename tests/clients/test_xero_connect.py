"""`shoplines xero connect|status|disconnect` in-process against the sandbox (which consents at once)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from typer.testing import CliRunner

from shoplines.cli_errors import explain
from shoplines.cli_xero import xero_app
from shoplines.state.store import StateStore
from tests.clients.xero_support import SHOP, TOKEN_KEY, refreshes
from tests.sandbox.conftest import Xero


@pytest.fixture
def env(xero: Xero, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no .env
    values = {
        "SHOPLINES_HOME": str(tmp_path / "home"),
        "SHOPLINES_SHOP_DOMAIN": SHOP,
        "SHOPLINES_TOKEN_KEY": TOKEN_KEY,
        "SHOPLINES_XERO_CLIENT_ID": xero.running.client_id,
        "SHOPLINES_XERO_CLIENT_SECRET": xero.running.client_secret,
        "SHOPLINES_XERO_AUTHORIZE_URL": xero.running.identity_url,
        "SHOPLINES_XERO_TOKEN_URL": xero.running.token_url,
        "SHOPLINES_XERO_CONNECTIONS_URL": xero.running.connections_url,
        "SHOPLINES_XERO_API_URL": xero.running.api_url,
        "SHOPLINES_XERO_REDIRECT_PORT": "0",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def follow(url: str) -> None:
    """The merchant's browser: the sandbox consents and redirects to our loopback listener."""
    answer = httpx.get(url, follow_redirects=True, timeout=10)
    assert answer.status_code == 200, answer.text
    assert "Xero is connected" in answer.text


def invoke(*args: str, open_url=follow):
    return CliRunner().invoke(xero_app, list(args), obj={"open_url": open_url})


def test_connect_status_and_disconnect(xero: Xero, env: dict[str, str]) -> None:
    seen: list[str] = []

    def browser(url: str) -> None:
        seen.append(url)
        follow(url)

    done = invoke("connect", "--no-browser", open_url=browser)
    assert done.exit_code == 0, done.output
    assert f"{SHOP} is connected to the Xero organisation Shoplines Demo (Pty) Ltd" in done.output
    query = parse_qs(urlparse(seen[0]).query)
    assert query["response_type"] == ["code"]
    assert query["scope"][0].split() == [
        "offline_access",
        "accounting.invoices",
        "accounting.payments",
        "accounting.contacts",
        "accounting.settings",
    ]
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    with StateStore.open(f"sqlite:///{Path(env['SHOPLINES_HOME']) / 'state.db'}") as store:
        record = store.accounting_connection(SHOP, "xero")
    assert record is not None
    assert record.tenant_id == xero.running.tenant_id

    status = invoke("status", "--check")
    assert status.exit_code == 0, status.output
    assert "organisation: Shoplines Demo (Pty) Ltd" in status.output
    assert "Xero answered: 13 tax rates." in status.output
    assert refreshes(xero) == []

    gone = invoke("disconnect")
    assert gone.exit_code == 0, gone.output
    assert xero.admin("GET", "/state")["connections"][xero.running.client_id] == []
    assert invoke("status").exit_code == 1


def test_connect_without_a_token_key_refuses_before_opening_anything(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPLINES_TOKEN_KEY")
    opened: list[str] = []
    refused = invoke("connect", open_url=opened.append)
    assert refused.exit_code != 0
    assert opened == []
    message, code = explain(refused.exception)  # type: ignore[arg-type]
    assert code == 1
    assert message.startswith("SHOPLINES_TOKEN_KEY is not set, and tokens are never stored in clear")


def test_a_redirect_with_another_state_is_refused(env: dict[str, str]) -> None:
    def forged(url: str) -> None:
        redirect = parse_qs(urlparse(url).query)["redirect_uri"][0]
        httpx.get(f"{redirect}?{urlencode({'code': 'stolen', 'state': 'not-ours'})}", timeout=10)

    refused = invoke("connect", open_url=forged)
    message, _ = explain(refused.exception)  # type: ignore[arg-type]
    assert message == (
        "the Xero connection was not made: the redirect's state did not match this connect attempt "
        "(ignored for safety)"
    )


def test_a_named_tenant_must_exist(env: dict[str, str]) -> None:
    refused = invoke("connect", "--tenant", "Other Org", open_url=follow)
    message, _ = explain(refused.exception)  # type: ignore[arg-type]
    assert (
        message == "no single Xero organisation is called 'Other Org' (connected: Shoplines Demo (Pty) Ltd)"
    )
