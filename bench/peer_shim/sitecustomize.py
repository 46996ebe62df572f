"""Transport shim for the peers (Airbyte ``source-shopify``, Singer ``tap-shopify``) in their own venvs.

Put this folder on ``PYTHONPATH`` with ``SHOPIFY_EMU_BASE=http://127.0.0.1:PORT``: every request to
``https://<shop>.myshopify.com`` goes to the sandbox instead (``requests``' ``HTTPAdapter.send`` and urllib's
``OpenerDirector.open`` are wrapped; ``response.url`` is set back so Airbyte sees no "redirect"), and any
connection to a host that is not loopback is refused (``socket.getaddrinfo`` and ``connect`` are guarded).
See ``shared/reference/peers.md`` §1–§2. Imports nothing from this project.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from typing import Any

_SHOP = re.compile(r"^https://[A-Za-z0-9-]+\.myshopify\.com")
_BASE = os.environ.get("SHOPIFY_EMU_BASE", "").rstrip("/")
_LOCAL_NAMES = {"localhost", "localhost.localdomain"}


def _loopback(host: Any) -> bool:
    if host is None:
        return True  # AF_UNIX and the like
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def _rewrite(url: str) -> str:
    return _SHOP.sub(_BASE, url, count=1) if _BASE else url


def _guard_sockets() -> None:
    original_getaddrinfo = socket.getaddrinfo
    original_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            raise OSError(f"peer shim: refusing to resolve non-loopback host {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise OSError(f"peer shim: refusing to connect to non-loopback address {address[0]!r}")
        return original_connect(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]


def _patch_requests() -> None:
    try:
        from requests.adapters import HTTPAdapter
    except ImportError:
        return
    original_send = HTTPAdapter.send

    def send(self: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
        asked = request.url
        request.url = _rewrite(asked)
        response = original_send(self, request, *args, **kwargs)
        response.url = asked
        request.url = asked
        return response

    HTTPAdapter.send = send  # type: ignore[method-assign]


def _patch_urllib() -> None:
    import urllib.request

    original_open = urllib.request.OpenerDirector.open

    def open_(self: urllib.request.OpenerDirector, fullurl: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(fullurl, str):
            fullurl = _rewrite(fullurl)
        else:
            fullurl.full_url = _rewrite(fullurl.full_url)
        return original_open(self, fullurl, *args, **kwargs)

    urllib.request.OpenerDirector.open = open_  # type: ignore[method-assign]


if _BASE:
    _guard_sockets()
    _patch_requests()
    _patch_urllib()
