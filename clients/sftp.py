"""Warehouse SFTP client: pinned host keys, atomic uploads, errors classified as retriable or fatal."""

from __future__ import annotations

import errno
import hashlib
import io
import posixpath
import stat
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn, Self

import paramiko
from paramiko.ssh_exception import NoValidConnectionsError

from clients.sftp_batch import PART_SUFFIX, Batch, Upload

GCM = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
HASH_IN_THREAD = 1 << 20  # bytes in a batch from which their SHA-256 is computed in a thread


class SftpError(Exception):
    """Base class of every error raised by `SftpClient`."""


class SftpTransientError(SftpError):
    """The connection was refused, dropped or timed out: retrying later may succeed."""


class SftpFatalError(SftpError):
    """Retrying cannot help until configuration or the remote state changes."""


class SftpHostKeyError(SftpFatalError):
    """The server's host key is not pinned in known_hosts, or differs from the pinned one."""


class SftpAuthError(SftpFatalError):
    """The server refused our credentials, or the private key file cannot be loaded."""


class SftpPermissionError(SftpFatalError):
    """The server refused the operation on that path."""


class SftpNotFoundError(SftpFatalError):
    """The remote path does not exist."""


class SftpTargetExists(SftpFatalError):
    """The final name of an upload or rename already exists; nothing was overwritten."""


@dataclass(frozen=True)
class UploadReceipt:
    """Proof of one completed atomic upload."""

    remote_path: str
    size: int
    sha256: str


def classify(exc: BaseException, what: str = "SFTP operation") -> SftpError:
    """Map a paramiko/socket exception to our hierarchy (an `SftpError` is returned unchanged)."""
    if isinstance(exc, SftpError):
        return exc
    message = f"{what} failed: {exc or type(exc).__name__}"
    if isinstance(exc, paramiko.BadHostKeyException):
        return SftpHostKeyError(message)
    if isinstance(exc, paramiko.AuthenticationException):
        timed_out = "timeout" in str(exc).lower()
        return SftpTransientError(message) if timed_out else SftpAuthError(message)
    transient = TimeoutError | ConnectionError | EOFError | paramiko.SSHException | NoValidConnectionsError
    if isinstance(exc, transient):
        return SftpTransientError(message)
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM):
        return SftpPermissionError(message)
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT:
        return SftpNotFoundError(message)
    if isinstance(exc, OSError) and exc.errno is not None:
        return SftpTransientError(message)  # socket-level: unreachable network, DNS failure
    return SftpFatalError(message)  # an SFTP status the server gave without a specific code


def _prefer_gcm(sock: Any, **options: Any) -> paramiko.Transport:
    """A transport that offers AES-GCM first: its authentication comes with the encryption, where paramiko's
    default (AES-CTR) adds an HMAC-SHA256 per packet, so big uploads go ~1.5× faster. paramiko's other
    ciphers stay behind it for servers without GCM."""
    transport = paramiko.Transport(sock, **options)
    security = transport.get_security_options()
    offered = tuple(security.ciphers)
    security.ciphers = tuple(c for c in GCM if c in offered) + tuple(c for c in offered if c not in GCM)
    return transport


def _digests(files: Sequence[tuple[str, bytes]]) -> list[str]:
    return [hashlib.sha256(data).hexdigest() for _, data in files]


def _check_name(name: str) -> None:
    if not name or "/" in name or name.endswith(PART_SUFFIX):
        raise ValueError(f"invalid upload name {name!r}")


def is_retriable(exc: BaseException) -> bool:
    """Whether retrying the step that raised `exc` (a fresh connection) may succeed."""
    return isinstance(classify(exc), SftpTransientError)


class _RejectUnpinnedKey(paramiko.RejectPolicy):
    """RejectPolicy that names the key it saw, so an operator can compare fingerprints."""

    def __init__(self, host: str, port: int, known_hosts: Path) -> None:
        self._where, self._known_hosts = f"{host}:{port}", known_hosts

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> NoReturn:
        raise SftpHostKeyError(
            f"Host key refused: {self._where} presented {key.get_name()} {key.fingerprint}, "
            f"which is not pinned in {self._known_hosts}."
        )


class SftpClient:
    """One SSH connection per batch (use as a context manager); every blocking call has a timeout."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        known_hosts: Path,
        *,
        password: str | None = None,
        key_file: Path | None = None,
        timeout: float = 30.0,
    ) -> None:
        if password is None and key_file is None:
            raise ValueError("SftpClient needs a password or a key_file")
        self.host, self.port, self.username = host, port, username
        self._known_hosts, self._password, self._key_file = known_hosts, password, key_file
        self._timeout = timeout
        self._ssh: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def connect(self) -> None:
        """Open the connection: pinned host key, password or key auth, SFTP channel."""
        if self._ssh is not None:
            raise RuntimeError("SftpClient is already connected")
        ssh = paramiko.SSHClient()
        try:
            self._pin_host_keys(ssh)
            pkey = self._load_key()
            with self._errors("connecting"):
                self._open(ssh, pkey)
                sftp = ssh.open_sftp()
                sftp.get_channel().settimeout(self._timeout)  # type: ignore[union-attr]
        except BaseException:
            ssh.close()
            raise
        self._ssh, self._sftp = ssh, sftp

    def close(self) -> None:
        """Close the SFTP channel and the SSH connection (safe to call twice)."""
        if self._sftp is not None:
            self._sftp.close()
        if self._ssh is not None:
            self._ssh.close()
        self._ssh = self._sftp = None

    def put_atomic(self, directory: str, name: str, data: bytes) -> UploadReceipt:
        """Upload `data` so that readers only ever see `directory/name` complete.

        Writes `name.part` (removing a stale one from a crashed run), checks its remote size, then renames it.
        The final name is never touched after the rename: the 3PL may move it at once. After an
        `SftpTransientError` the rename may or may not have happened: check for the `.part` before re-sending.

        Raises:
            SftpTargetExists: `directory/name` already exists (nothing is overwritten).
        """
        # the one-file path stays on paramiko's public API; `put_many` (its own request pipelining) is for
        # batches, where it pays
        self.upload_part(directory, name, data)
        self.commit_part(directory, name)
        return UploadReceipt(posixpath.join(directory, name), len(data), hashlib.sha256(data).hexdigest())

    def put_many(self, directory: str, files: Sequence[tuple[str, bytes]]) -> list[UploadReceipt]:
        """`put_atomic` for each `(name, data)` in `directory`, many files in flight on the session at once.

        Every file takes `put_atomic`'s steps in `put_atomic`'s order (stale `.part` removed, `.part`
        written, its size checked, renamed without overwriting); only different files overlap, so files
        become visible in any order: deliver a file that announces the others (a manifest) afterwards.

        Raises:
            SftpTargetExists: a final name already exists (its `.part` is removed; the others are delivered).
            SftpError: the first file (in `files` order) that failed, after every other file has finished.
        """
        for name, _ in files:
            _check_name(name)
        uploads = [Upload(directory, name, data) for name, data in files]
        with ThreadPoolExecutor(1, "sftp-sha256") as hasher:
            # hashlib lets go of the GIL, so megabytes are digested while they go out; a few KB are not
            # worth a thread
            big = sum(len(data) for _, data in files) >= HASH_IN_THREAD
            digests = hasher.submit(_digests, files) if big else None
            with self._errors(f"uploading {len(uploads)} files to {directory}"):
                Batch(self._client).run(uploads)
            failures = []
            for upload in uploads:  # every file is settled before the first failure is raised
                try:
                    self._settle(upload)
                except SftpError as exc:
                    failures.append(exc)
            if failures:
                raise failures[0]
            shas = digests.result() if digests is not None else _digests(files)
        return [UploadReceipt(u.final, len(u.data), sha) for u, sha in zip(uploads, shas, strict=True)]

    def _settle(self, upload: Upload) -> None:
        """Raise what went wrong with one file of a batch the way the one-file methods would."""
        if upload.error is not None:
            with self._errors(f"uploading {upload.part}"):
                raise upload.error
        if upload.size is not None and upload.size != len(upload.data):
            raise SftpTransientError(
                f"upload of {upload.part} is {upload.size} bytes on the server, sent {len(upload.data)}"
            )
        if upload.rename_error is not None:  # as `rename`: look whether the target exists, else re-raise
            self.commit_part(upload.directory, upload.name)

    def upload_part(self, directory: str, name: str, data: bytes) -> str:
        """First half of `put_atomic`: write `directory/name.part` and check its size; returns its path.

        Readers ignore `.part` names, so this is not yet a delivery.
        """
        _check_name(name)
        part = posixpath.join(directory, name) + PART_SUFFIX
        with self._errors(f"uploading {part}"):
            self._remove_if_present(part)
            with self._client.open(part, "wb") as remote:
                remote.set_pipelined(True)
                remote.write(data)
            size = self._client.stat(part).st_size
            if size != len(data):
                self._remove_if_present(part)
                raise SftpTransientError(f"upload of {part} is {size} bytes on the server, sent {len(data)}")
        return part

    def commit_part(self, directory: str, name: str) -> None:
        """Second half of `put_atomic`: rename `name.part` to `name`, the moment the file is delivered.

        Raises:
            SftpTargetExists: `directory/name` already exists; the `.part` is then removed.
        """
        final = posixpath.join(directory, name)
        self.rename(final + PART_SUFFIX, final, cleanup_src=True)

    def remove_part(self, directory: str, name: str) -> bool:
        """Remove a leftover `directory/name.part`; False when there was none."""
        part = posixpath.join(directory, name) + PART_SUFFIX
        with self._errors(f"removing {part}"):
            return self._remove_if_present(part)

    def rename(self, src: str, dst: str, *, cleanup_src: bool = False) -> None:
        """Rename `src` to `dst`, refusing to overwrite (SFTP `RENAME`, not posix-rename).

        Raises:
            SftpTargetExists: `dst` exists; with `cleanup_src`, `src` is then removed.
        """
        try:
            with self._errors(f"renaming {src} to {dst}"):
                self._client.rename(src, dst)
        except SftpFatalError as exc:
            # SFTP v3 has no "file exists" status: servers answer a generic failure, so look.
            if type(exc) is not SftpFatalError or not self.exists(dst):
                raise
            if cleanup_src:
                self.remove(src)
            raise SftpTargetExists(f"{dst} already exists on {self.host}:{self.port}") from exc

    def exists(self, path: str) -> bool:
        """Whether `path` exists on the server."""
        try:
            with self._errors(f"checking {path}"):
                self._client.stat(path)
        except SftpNotFoundError:
            return False
        return True

    def listdir(self, directory: str) -> list[str]:
        """Names in `directory`, sorted."""
        with self._errors(f"listing {directory}"):
            return sorted(self._client.listdir(directory))

    def modified(self, directory: str) -> dict[str, datetime]:
        """Regular files in `directory` with their modification times (UTC)."""
        with self._errors(f"listing {directory}"):
            entries = self._client.listdir_attr(directory)
        return {
            e.filename: datetime.fromtimestamp(e.st_mtime or 0, UTC)
            for e in entries
            if e.st_mode is not None and stat.S_ISREG(e.st_mode)
        }

    def read_bytes(self, path: str) -> bytes:
        """The whole content of the remote file `path`."""
        buffer = io.BytesIO()
        with self._errors(f"reading {path}"):
            self._client.getfo(path, buffer, max_concurrent_prefetch_requests=64)
        return buffer.getvalue()

    def remove(self, path: str) -> None:
        """Delete the remote file `path`."""
        with self._errors(f"removing {path}"):
            self._client.remove(path)

    def makedirs(self, directory: str) -> None:
        """Create `directory` and any missing parents (no error if it exists)."""
        parts = [p for p in directory.split("/") if p]
        prefix = "/" if directory.startswith("/") else ""
        for i in range(len(parts)):
            path = prefix + "/".join(parts[: i + 1])
            if self.exists(path):
                continue
            try:
                with self._errors(f"creating {path}"):
                    self._client.mkdir(path)
            except SftpFatalError:
                if not self.exists(path):  # lost a race with another creator: fine
                    raise

    @property
    def _client(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            raise RuntimeError("SftpClient is not connected: use `with SftpClient(...) as sftp:`")
        return self._sftp

    def _remove_if_present(self, path: str) -> bool:
        try:
            self._client.remove(path)
        except FileNotFoundError:
            return False
        return True

    def _pin_host_keys(self, ssh: paramiko.SSHClient) -> None:
        try:
            ssh.load_system_host_keys(str(self._known_hosts))  # the "system" set is never written back
        except OSError as exc:
            raise SftpHostKeyError(
                f"Cannot read {self._known_hosts} ({exc.strerror or exc}): refusing to connect to "
                f"{self.host}:{self.port} without a pinned host key."
            ) from exc
        ssh.set_missing_host_key_policy(_RejectUnpinnedKey(self.host, self.port, self._known_hosts))

    def _load_key(self) -> paramiko.PKey | None:
        if self._key_file is None:
            return None
        try:
            return paramiko.PKey.from_path(self._key_file)
        except (OSError, paramiko.SSHException, ValueError) as exc:
            raise SftpAuthError(f"cannot load private key {self._key_file}: {exc}") from exc

    def _open(self, ssh: paramiko.SSHClient, pkey: paramiko.PKey | None) -> None:
        t = self._timeout  # Prefect's timeout cannot interrupt blocking socket I/O: every phase gets one
        try:
            ssh.connect(
                self.host, self.port, self.username, password=self._password, pkey=pkey,
                timeout=t, banner_timeout=t, auth_timeout=t, channel_timeout=t,
                allow_agent=False, look_for_keys=False, transport_factory=_prefer_gcm,
            )  # fmt: skip
        except paramiko.BadHostKeyException as exc:
            raise SftpHostKeyError(
                f"Host key CHANGED: {self.host}:{self.port} presented {exc.key.get_name()} "
                f"{exc.key.fingerprint}, but {self._known_hosts} pins {exc.expected_key.fingerprint}."
            ) from exc

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except (OSError, EOFError, paramiko.SSHException) as exc:  # I/O only: programming errors pass through
            where = f"SFTP {what} on {self.host}:{self.port}"
            if self._session_lost():  # paramiko reports a closed channel as a bare OSError, like a status
                raise SftpTransientError(f"{where} failed: connection lost ({exc})") from exc
            raise classify(exc, where) from exc

    def _session_lost(self) -> bool:
        if self._ssh is None or self._sftp is None:
            return False
        transport, channel = self._ssh.get_transport(), self._sftp.get_channel()
        return transport is None or not transport.is_active() or channel is None or channel.closed
