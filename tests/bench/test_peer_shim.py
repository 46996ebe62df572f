"""The peers' transport shim (``bench/peer_shim/sitecustomize.py``) in a real subprocess against a real
sandbox: ``requests`` and urllib calls to ``https://<shop>.myshopify.com`` reach the sandbox's REST surface,
``response.url`` still names the shop, and non-loopback connections are refused before any packet leaves.

The peers themselves (Airbyte, Singer) are not run here: installing them needs the package index and
about two minutes; ``bench/peers.py`` runs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from bench.peer_tools import shim_env
from sandbox.clock import SandboxClock
from sandbox.shopify.generator import generate_store
from sandbox.shopify.server import RunningShopify, start_shopify_sandbox

SCRIPT = """
import json, socket, sys, urllib.request
import requests
token = sys.argv[1]
shop = "https://shoplines-demo.myshopify.com"
out = {}
r = requests.get(shop + "/admin/api/2026-10/orders.json", params={"status": "any", "limit": 3},
                 headers={"X-Shopify-Access-Token": token}, timeout=5)
out["requests"] = [r.status_code, r.url, [o["id"] for o in r.json()["orders"]], r.links["next"]["url"]]
headers = {"X-Shopify-Access-Token": token}
request = urllib.request.Request(shop + "/admin/oauth/access_scopes.json", headers=headers)
with urllib.request.urlopen(request, timeout=5) as answer:
    out["urllib"] = [answer.status, json.load(answer)["access_scopes"]]
try:
    socket.create_connection(("0.0.0.0", 9), timeout=1)  # not loopback; harmless (local) if the guard failed
except OSError as exc:
    out["refused"] = str(exc)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def running() -> Iterator[RunningShopify]:
    clock = SandboxClock(scale=1.0)
    with start_shopify_sandbox(generate_store(3, orders=12, clock=clock), clock) as shop:
        yield shop


def test_the_shim_sends_shop_urls_to_the_sandbox_and_refuses_other_hosts(running: RunningShopify) -> None:
    httpx.delete(f"{running.admin_url}/requests")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, running.token],
        capture_output=True, text=True, env=shim_env(running.url), timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    status, url, ids, following = out["requests"]
    assert status == 200
    assert url.startswith("https://shoplines-demo.myshopify.com/admin/api/2026-10/orders.json?")
    assert len(ids) == 3
    assert following.startswith(running.url)  # the sandbox links to itself; the shim leaves that alone
    assert out["urllib"][0] == 200
    assert {s["handle"] for s in out["urllib"][1]} >= {"read_orders", "read_all_orders"}
    assert "peer shim: refusing" in out["refused"]
    logged = httpx.get(f"{running.admin_url}/requests").json()["requests"]
    assert [(r["operation_name"], r["status"]) for r in logged] == [
        ("GET orders.json", 200),
        ("GET access_scopes.json", 200),
    ]


def test_without_the_base_url_the_shim_changes_nothing(running: RunningShopify) -> None:
    env = shim_env(running.url)
    env["SHOPIFY_EMU_BASE"] = ""
    code = (
        "import socket, requests.adapters as a; "
        "print(a.HTTPAdapter.send.__qualname__, socket.getaddrinfo.__module__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["HTTPAdapter.send", "socket"]
