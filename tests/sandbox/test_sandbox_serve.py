"""`python -m sandbox serve` as a subprocess: the ``xero`` section of ``sandbox.json`` works as described."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.__main__ import XERO_REDIRECT_URI, parse_args

XERO_KEYS = {
    "url", "api_url", "authorize_url", "token_url", "connections_url", "admin_url", "client_id",
    "client_secret", "tenant_id", "tenant_name", "redirect_uri", "tier",
}  # fmt: skip


@contextmanager
def serve(
    home: Path, *extra: str, sftp: bool = False
) -> Iterator[tuple[dict[str, Any], subprocess.Popen[str]]]:
    """Run the sandbox (without SFTP and 3PL unless `sftp`) until the block ends; yields the parsed
    ``sandbox.json`` and the process."""
    command = [
        sys.executable,
        "-m",
        "sandbox",
        "serve",
        "--home",
        str(home),
        "--orders",
        "3",
        *([] if sftp else ["--no-sftp"]),
        *extra,
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (home / "sandbox.json").exists():
            assert child.poll() is None, child.communicate()[1]
            assert time.monotonic() < deadline, "sandbox.json never appeared"
            time.sleep(0.1)
        yield json.loads((home / "sandbox.json").read_text()), child
    finally:
        child.terminate()
        child.communicate(timeout=30)  # also closes the pipes


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    home = tmp_path_factory.mktemp("home")
    with serve(home, "--xero-tier", "starter") as (description, child):
        assert child.stdout is not None
        lines = [child.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("sandbox ready:")
        assert lines[2].split()[:2] == ["xero", description["xero"]["url"]]
        yield description, home


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_xero_section_describes_the_served_sandbox(served: tuple[dict[str, Any], Path]) -> None:
    description, home = served
    xero = description["xero"]
    assert set(xero) == XERO_KEYS
    assert stat.S_IMODE((home / "sandbox.json").stat().st_mode) == 0o600  # it holds the client secret
    base = xero["url"]
    assert xero["api_url"] == f"{base}/api.xro/2.0"
    assert xero["authorize_url"] == f"{base}/identity/connect/authorize"
    assert (xero["token_url"], xero["connections_url"]) == (f"{base}/connect/token", f"{base}/connections")
    assert xero["redirect_uri"] == XERO_REDIRECT_URI == "http://127.0.0.1:8754/callback"
    assert xero["tier"] == "starter"


def test_xero_runs_on_the_shopify_sandbox_clock(served: tuple[dict[str, Any], Path]) -> None:
    description = served[0]
    xero_admin, shopify_admin = description["xero"]["admin_url"], description["shopify"]["admin_url"]
    with httpx.Client(timeout=10) as http:
        frozen = http.post(f"{xero_admin}/clock", json={"scale": 0, "advance_seconds": 86_400})
        assert frozen.status_code == 200, frozen.text
        shopify_clock = http.get(f"{shopify_admin}/state").json()["clock"]
        assert (shopify_clock["now"], shopify_clock["scale"]) == (frozen.json()["now"], 0)
        assert http.get(f"{xero_admin}/state").json()["clock"]["now"] == shopify_clock["now"]


def test_connections_need_a_token_and_the_code_flow_works_on_a_free_loopback_port(
    served: tuple[dict[str, Any], Path],
) -> None:
    xero = served[0]["xero"]
    with httpx.Client(timeout=10) as http:
        assert http.get(xero["connections_url"]).status_code == 401
        assert http.get(xero["connections_url"], headers={"Authorization": "Bearer nope"}).status_code == 401
        for redirect_uri in (f"http://127.0.0.1:{free_port()}/callback", xero["redirect_uri"]):
            params = {
                "response_type": "code",
                "client_id": xero["client_id"],
                "redirect_uri": redirect_uri,
                "scope": "openid offline_access accounting.invoices accounting.settings",
                "state": "st-1",
            }
            consent = http.get(xero["authorize_url"], params=params)
            assert consent.status_code == 302, consent.text
            back = urlsplit(consent.headers["location"])
            assert f"{back.scheme}://{back.netloc}{back.path}" == redirect_uri
            query = parse_qs(back.query)
            assert query["state"] == ["st-1"]
            form = {
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": redirect_uri,
            }
            tokens = http.post(xero["token_url"], data=form, auth=(xero["client_id"], xero["client_secret"]))
            assert tokens.status_code == 200, tokens.text
            assert {"access_token", "refresh_token", "expires_in"} <= set(tokens.json())
            bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
            connections = http.get(xero["connections_url"], headers=bearer).json()
            assert [(c["tenantId"], c["tenantName"]) for c in connections] == [
                (xero["tenant_id"], xero["tenant_name"])
            ]
            organisation = http.get(
                f"{xero['api_url']}/Organisation", headers=bearer | {"xero-tenant-id": xero["tenant_id"]}
            )
            assert organisation.status_code == 200, organisation.text
            assert organisation.json()["Organisations"][0]["BaseCurrency"] == "ZAR"
        params["redirect_uri"] = "https://elsewhere.example.com/callback"  # not registered
        assert http.get(xero["authorize_url"], params=params).status_code == 400


def test_no_xero_leaves_the_section_out(tmp_path: Path) -> None:
    args = parse_args(["serve", "--home", str(tmp_path), "--xero-port", "8123", "--xero-tier", "starter"])
    assert (args.xero_port, args.xero_tier, args.no_xero) == (8123, "starter", False)
    with serve(tmp_path / "home", "--no-xero") as (description, _child):
        assert "xero" not in description
        assert "shopify" in description
