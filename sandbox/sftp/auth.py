"""SSH server side of the SFTP stand-in: one username/password pair, live connections tracked for shutdown."""

from __future__ import annotations

import hmac

import asyncssh


class PasswordServer(asyncssh.SSHServer):
    """Accepts exactly one username/password pair and remembers its live connections for shutdown."""

    def __init__(self, username: str, password: str, connections: set[asyncssh.SSHServerConnection]) -> None:
        self._username, self._password, self._connections = username, password, connections
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        user_ok = hmac.compare_digest(username.encode(), self._username.encode())
        return hmac.compare_digest(password.encode(), self._password.encode()) and user_ok
