"""A small TCP relay in front of uvicorn so a fault can drop a client's connection with a RST.

Each client connection gets its own upstream connection; the app finds a request's client by the
relay's upstream port (the client port uvicorn reports).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct


class Relay:
    """Listens for clients and pipes each one to uvicorn."""

    def __init__(self, upstream_port: int) -> None:
        """Relay to ``127.0.0.1:upstream_port``."""
        self._upstream_port = upstream_port
        self._clients: dict[int, tuple[asyncio.StreamWriter, str]] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port."""
        self._server = await asyncio.start_server(self._accept, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        for writer, _ in list(self._clients.values()):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def peer_host(self, upstream_port: int) -> str | None:
        """The real client's address behind an upstream connection."""
        entry = self._clients.get(upstream_port)
        return entry[1] if entry else None

    def drop(self, upstream_port: int) -> None:
        """Abort the client connection now with a TCP RST; nothing more reaches the client."""
        entry = self._clients.get(upstream_port)
        if entry is None:
            return
        sock = entry[0].get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        entry[0].transport.abort()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream_port)
        except OSError:
            writer.close()
            self._tasks.discard(task)
            return
        port = int(up_writer.get_extra_info("sockname")[1])
        self._clients[port] = (writer, str(writer.get_extra_info("peername")[0]))
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._clients.pop(port, None)
            self._tasks.discard(task)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError, RuntimeError):
            while data := await reader.read(65_536):
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(ConnectionError, RuntimeError):
            writer.close()
