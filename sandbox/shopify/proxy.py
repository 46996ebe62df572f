"""A tiny TCP front proxy before uvicorn, so faults can reset a connection or cut a body mid-way.

The app (same event loop) finds a request's connection by the proxy's upstream port, which is the
client port uvicorn reports, and marks it: ``reset`` aborts the client socket with SO_LINGER 0 (the
client sees a TCP RST, no response); ``truncate`` forwards the headers and half the body, then closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field


@dataclass
class _Link:
    client: asyncio.StreamWriter
    peer: tuple[str, int]
    truncate: bool = False
    buffer: bytearray = field(default_factory=bytearray)


class FrontProxy:
    """Accepts client connections and pipes each to its own upstream connection."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        """Proxy to the uvicorn server at ``upstream_host:upstream_port``."""
        self._upstream = (upstream_host, upstream_port)
        self._links: dict[int, _Link] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0 = any free port); returns the bound port."""
        self._server = await asyncio.start_server(self._accept, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        for link in list(self._links.values()):
            link.client.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def peer(self, upstream_port: int) -> tuple[str, int] | None:
        """The real client address behind an upstream connection."""
        link = self._links.get(upstream_port)
        return link.peer if link else None

    def reset(self, upstream_port: int) -> None:
        """Abort the client connection now with a TCP RST (no response is sent)."""
        link = self._links.get(upstream_port)
        if link is None:
            return
        sock = link.client.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        link.client.transport.abort()

    def truncate(self, upstream_port: int) -> None:
        """Deliver only the headers and half the body of the next response, then close."""
        link = self._links.get(upstream_port)
        if link is not None:
            link.truncate = True

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            writer.close()
            self._tasks.discard(task)
            return
        port = int(up_writer.get_extra_info("sockname")[1])
        link = _Link(writer, tuple(writer.get_extra_info("peername")[:2]))
        self._links[port] = link
        try:
            await asyncio.gather(self._pipe(reader, up_writer, None), self._pipe(up_reader, writer, link))
        finally:
            self._links.pop(port, None)
            self._tasks.discard(task)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link | None
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError, RuntimeError):
            while data := await reader.read(65_536):
                if link is not None and link.truncate:
                    if self._cut(link, data):
                        break
                    continue
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(ConnectionError, RuntimeError):
            writer.close()

    @staticmethod
    def _cut(link: _Link, data: bytes) -> bool:
        """Buffer a response; once half its body is in, send that much and report done."""
        link.buffer.extend(data)
        head_end = link.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        head = bytes(link.buffer[:head_end]).lower()
        length = 0
        for line in head.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body_start = head_end + 4
        if len(link.buffer) - body_start < length // 2:
            return False
        link.client.write(bytes(link.buffer[: body_start + max(1, length // 2)]))
        return True
