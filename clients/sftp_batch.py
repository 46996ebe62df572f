"""Many atomic uploads on one SFTP session at once: each file takes `put_atomic`'s steps in its order, but
the steps of different files are in flight together, so a batch costs bandwidth rather than round trips."""

from __future__ import annotations

import posixpath
import struct
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import paramiko
from paramiko.message import Message
from paramiko.sftp import (
    CMD_ATTRS,
    CMD_CLOSE,
    CMD_HANDLE,
    CMD_OPEN,
    CMD_REMOVE,
    CMD_RENAME,
    CMD_STAT,
    CMD_STATUS,
    CMD_WRITE,
    SFTP_FLAG_CREATE,
    SFTP_FLAG_TRUNC,
    SFTP_FLAG_WRITE,
    SFTPError,
    int64,
)
from paramiko.sftp_attr import SFTPAttributes

PART_SUFFIX = ".part"
CHUNK = 32768  # bytes per WRITE: paramiko's and OpenSSH's request size, which every server accepts
FILES_IN_FLIGHT = 32
WRITES_IN_FLIGHT = 64  # per file, as OpenSSH's `sftp -R 64`
RECEIVE = 1 << 16


@dataclass
class Upload:
    """One file of a batch: where it goes, what happened to it (``error`` is the first failure, raw)."""

    directory: str
    name: str
    data: bytes
    step: str = "remove"
    handle: bytes = b""
    offset: int = 0
    writes: int = 0  # WRITE requests awaiting their answer
    size: int | None = None  # the part's size on the server after close
    error: BaseException | None = None
    rename_error: BaseException | None = field(default=None, repr=False)

    @property
    def final(self) -> str:
        """The name readers see."""
        return posixpath.join(self.directory, self.name)

    @property
    def part(self) -> str:
        """The name it is written under first."""
        return self.final + PART_SUFFIX


class Batch:
    """Drives uploads through remove stale part → open → pipelined writes → close → stat → rename.

    Requests are numbered by paramiko's SFTP client (so they never clash with its own) but framed, sent
    and answered here, so one thread keeps many requests in flight: the requests made while answers are
    read go out together in one write to the channel, and all the answers that have arrived are taken in
    one read (a syscall and an SSH packet per request, and two locked reads per answer in paramiko's
    ``_read_response``, are what made small files slow). Server refusals stay with their file; a lost
    connection raises and ends the batch.
    """

    def __init__(self, sftp: paramiko.SFTPClient) -> None:
        self._sftp: Any = sftp  # the private request plumbing is not in paramiko's type stubs
        self._waiting: dict[int, Upload] = {}
        self._answers: deque[tuple[int, int, Message]] = deque()
        self._out: list[bytes] = []
        self._in = bytearray()

    def run(self, uploads: Sequence[Upload]) -> None:
        """Take every upload to its end (delivered or failed); raises only when the session fails, and then
        closes the channel (answers may be left unread in it)."""
        queued, active = deque(uploads), 0
        try:
            while queued or self._waiting:
                while queued and active < FILES_IN_FLIGHT:
                    upload = queued.popleft()
                    self._send(upload, CMD_REMOVE, self._path(upload.part))
                    active += 1
                self._flush()
                self._receive()
                while self._answers:
                    number, kind, message = self._answers.popleft()
                    if number not in self._waiting:
                        raise paramiko.SSHException(f"the SFTP server answered request {number}, never asked")
                    upload = self._waiting.pop(number)
                    self._advance(upload, kind, message)
                    active -= upload.step == "done"
        except BaseException:
            self._sftp.sock.close()
            raise

    def _receive(self) -> None:
        """Wait for answers, take all that have arrived, and split them into SFTP packets."""
        channel = self._sftp.sock
        chunk = channel.recv(RECEIVE)
        if not chunk:
            raise EOFError("the server closed the SFTP channel")
        self._in += chunk
        while channel.recv_ready():
            self._in += channel.recv(RECEIVE)
        while len(self._in) >= 4:
            size = int.from_bytes(self._in[:4], "big")
            if len(self._in) < 4 + size:
                break
            message = Message(bytes(self._in[5 : 4 + size]))
            self._answers.append((message.get_int(), self._in[4], message))
            del self._in[: 4 + size]

    def _send(self, upload: Upload, kind: int, *args: bytes | int | int64 | SFTPAttributes) -> None:
        """Queue one request (sent by `_flush`) and note whose answer it will be."""
        with self._sftp._lock:  # numbered like paramiko's own requests; the answers are read here
            number = self._sftp.request_number
            self._sftp.request_number += 1
        message = Message()
        message.add_int(number)
        for item in args:
            if isinstance(item, int64):
                message.add_int64(item)
            elif isinstance(item, int):
                message.add_int(item)
            elif isinstance(item, SFTPAttributes):
                item._pack(message)  # type: ignore[attr-defined]
            else:
                message.add_string(item)
        payload = message.asbytes()
        self._out.append(struct.pack(">IB", len(payload) + 1, kind) + payload)
        self._waiting[number] = upload

    def _flush(self) -> None:
        if not self._out:
            return
        channel, data = self._sftp.sock, memoryview(b"".join(self._out))
        self._out = []
        while data:  # `Channel.sendall` re-slices (copies) the rest after every packet: quadratic for MBs
            data = data[channel.send(data[:CHUNK]) :]

    def _path(self, path: str) -> bytes:
        return bytes(self._sftp._adjust_cwd(path))

    def _status(self, kind: int, message: Message) -> BaseException | None:
        if kind != CMD_STATUS:
            return None
        try:
            self._sftp._convert_status(message)
        except OSError as exc:
            return exc
        return None

    def _advance(self, upload: Upload, kind: int, message: Message) -> None:
        step = {
            "remove": self._removed, "open": self._opened, "write": self._written, "close": self._closed,
            "stat": self._stated, "rename": self._renamed, "cleanup": self._renamed,
        }[upload.step]  # fmt: skip
        step(upload, kind, message, self._status(kind, message))

    def _removed(self, upload: Upload, _: int, __: Message, failed: BaseException | None) -> None:
        if failed is not None and not isinstance(failed, FileNotFoundError):
            return self._fail(upload, failed)
        upload.step = "open"
        flags = SFTP_FLAG_WRITE | SFTP_FLAG_CREATE | SFTP_FLAG_TRUNC
        return self._send(upload, CMD_OPEN, self._path(upload.part), flags, SFTPAttributes())

    def _opened(self, upload: Upload, kind: int, message: Message, failed: BaseException | None) -> None:
        if failed is not None or kind != CMD_HANDLE:
            return self._fail(upload, failed or SFTPError("the server answered an open without a handle"))
        upload.handle, upload.step = message.get_binary(), "write"
        return self._write(upload)

    def _written(self, upload: Upload, _: int, __: Message, failed: BaseException | None) -> None:
        upload.writes -= 1
        if failed is not None and upload.error is None:
            upload.error = failed  # stop writing; the handle is still closed (`_write`)
        return self._write(upload)

    def _closed(self, upload: Upload, _: int, __: Message, failed: BaseException | None) -> None:
        if upload.error is not None or failed is not None:
            return self._fail(upload, upload.error or failed or SFTPError("unreachable"))
        upload.step = "stat"
        return self._send(upload, CMD_STAT, self._path(upload.part))

    def _stated(self, upload: Upload, kind: int, message: Message, failed: BaseException | None) -> None:
        if failed is not None or kind != CMD_ATTRS:
            return self._fail(upload, failed or SFTPError("the server answered a stat without attributes"))
        upload.size = SFTPAttributes._from_msg(message).st_size  # type: ignore[attr-defined]
        if upload.size != len(upload.data):
            upload.step = "cleanup"  # a short part is never renamed: remove it; the caller reports the size
            return self._send(upload, CMD_REMOVE, self._path(upload.part))
        upload.step = "rename"
        return self._send(upload, CMD_RENAME, self._path(upload.part), self._path(upload.final))

    def _renamed(self, upload: Upload, _: int, __: Message, failed: BaseException | None) -> None:
        if upload.step == "rename":
            upload.rename_error = failed  # the caller looks whether the target exists, as `rename` does
        upload.step = "done"

    def _write(self, upload: Upload) -> None:
        data, size = upload.data, len(upload.data)
        while upload.error is None and upload.offset < size and upload.writes < WRITES_IN_FLIGHT:
            end = min(upload.offset + CHUNK, size)
            self._send(upload, CMD_WRITE, upload.handle, int64(upload.offset), data[upload.offset : end])
            upload.offset, upload.writes = end, upload.writes + 1
        if upload.writes == 0 and (upload.error is not None or upload.offset >= size):
            upload.step = "close"
            self._send(upload, CMD_CLOSE, upload.handle)

    def _fail(self, upload: Upload, error: BaseException) -> None:
        upload.error, upload.step = error, "done"
