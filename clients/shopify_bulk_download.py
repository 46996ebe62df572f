"""Download a bulk result to disk in pieces: byte count checked, expired URLs refreshed, cuts resumed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from clients.shopify_bulk_types import BulkOperation, BulkPolicy
from clients.shopify_errors import ShopifyBulkError, ShopifyBulkJobFailed
from clients.shopify_events import ClientEvent, EventSink

MAX_REFRESHES = 2


class _HideSignatures(logging.Filter):
    """httpx logs every request's URL at INFO; a signed result URL is a week's read access to the shop's
    orders, so its query string is left out of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any("Signature=" in str(a) for a in record.args):
            record.args = tuple(
                a.copy_with(query=b"signature-hidden") if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_HideSignatures())


class _UrlExpired(Exception):
    """The signed URL was refused (400 ExpiredToken / 403 SignatureDoesNotMatch)."""


class _ServerError(Exception):
    """The storage host answered 5xx: worth another attempt, like a cut connection."""


def download_result(
    operation: BulkOperation,
    target: Path,
    *,
    refresh: Callable[[], BulkOperation],
    policy: BulkPolicy,
    events: EventSink,
) -> int:
    """Stream ``operation.url`` into ``target`` and return its size in bytes.

    The result host is not Shopify's API: no token is sent, and a separate client is used. A refused
    (expired) URL is replaced by polling the operation again; a cut connection is resumed with ``Range``
    when the server answers 206, else the file is fetched again from the start.

    Args:
        operation: The COMPLETED operation (its ``url`` and ``fileSize``).
        target: File to write (replaced).
        refresh: Polls the operation again, for a freshly signed URL.
        policy: Timeouts, attempts and piece size.
        events: Where retries and the finished download are reported.

    Raises:
        ShopifyBulkError: the URL kept being refused, the cuts outlasted the attempts, another HTTP
            status came back, or the file's size differs from Shopify's ``fileSize``.
    """
    began = time.monotonic()
    target.write_bytes(b"")
    timeout = httpx.Timeout(policy.download_timeout, connect=min(policy.download_timeout, 10.0))
    with httpx.Client(timeout=timeout, follow_redirects=True) as http:
        operation, resumed = _download(http, operation, target, refresh=refresh, policy=policy, events=events)
    size = target.stat().st_size
    if operation.file_size is not None and size != operation.file_size:
        raise ShopifyBulkError(
            f"The bulk result {operation.id} downloaded as {size} bytes, but Shopify said it holds "
            f"{operation.file_size}."
        )
    seconds = time.monotonic() - began
    how = f", resumed with Range at byte(s) {', '.join(map(str, resumed))}" if resumed else ""
    message = f"Downloaded bulk result {operation.id}: {size} bytes in {seconds:.1f} s{how}."
    details = {"id": operation.id, "bytes": size, "seconds": seconds, "resumed_at": resumed}
    events.emit(ClientEvent("bulk_downloaded", message, details))
    return size


def _download(
    http: httpx.Client,
    operation: BulkOperation,
    target: Path,
    *,
    refresh: Callable[[], BulkOperation],
    policy: BulkPolicy,
    events: EventSink,
) -> tuple[BulkOperation, list[int]]:
    """Fetch until the whole file is on disk; returns the operation last polled and the resume offsets."""
    refreshes, cuts, resumed = 0, 0, []
    while True:
        if operation.url is None:
            raise ShopifyBulkJobFailed(
                operation.id, operation.status, operation.error_code, partial=False, why="Its URL is gone."
            )
        try:
            offset = _fetch(http, operation.url, target, policy.chunk_bytes)
            if offset:
                resumed.append(offset)
            return operation, resumed
        except _UrlExpired as exc:
            refreshes += 1
            if refreshes > MAX_REFRESHES:
                raise ShopifyBulkError(f"Shopify's bulk result URL kept being refused: {exc}") from exc
            _retry(events, f"the result URL was refused ({exc}); asking Shopify for a fresh one", operation)
            operation = refresh()
        except (httpx.TransportError, _ServerError) as exc:
            cuts += 1
            if cuts >= policy.download_attempts:
                raise ShopifyBulkError(
                    f"Downloading bulk result {operation.id} failed {cuts} times; last: {exc!r}."
                ) from exc
            _retry(events, f"the download was cut at {target.stat().st_size} bytes ({exc!r})", operation)
            time.sleep(min(policy.download_backoff * 2 ** (cuts - 1), 30.0))


def _fetch(http: httpx.Client, url: str, target: Path, piece: int) -> int:
    """One GET of the rest of the file; returns the offset it resumed at (0: from the start)."""
    offset = target.stat().st_size
    # identity: the bytes on disk must be the file's bytes, for fileSize and for Range offsets
    headers = {"Accept-Encoding": "identity", **({"Range": f"bytes={offset}-"} if offset else {})}
    with http.stream("GET", url, headers=headers) as response:
        status = response.status_code
        if status in (400, 403):
            raise _UrlExpired(f"HTTP {status}: {response.read()[:200]!r}")
        if status >= 500:
            raise _ServerError(f"HTTP {status}")
        if status not in (200, 206) or (status == 206 and not offset):
            raise ShopifyBulkError(f"The bulk result download answered HTTP {status}.")
        # 206: the server resumed where we stopped; 200: it sends everything again, so start over
        with target.open("ab" if status == 206 else "wb") as out:
            for data in response.iter_raw(piece):
                out.write(data)
        return offset if status == 206 else 0


def _retry(events: EventSink, what: str, operation: BulkOperation) -> None:
    events.emit(
        ClientEvent(
            "bulk_download_retry", f"Bulk result {operation.id}: {what}; retrying.", {"id": operation.id}
        )
    )
