"""Client tests run against a real OpenSSH sshd, the embedded SFTP sandbox, the Xero sandbox, and the state
database on SQLite and PostgreSQL (Xero tokens)."""

from tests.sandbox.conftest import xero
from tests.state.conftest import (
    backend,
    migrated_url,
    pg_database,
    pg_migrated_schema,
    sqlite_template,
)
from tests.support.sftp_targets import SftpTarget, sftp_sandbox, sshd_server, target

__all__ = [
    "SftpTarget",
    "backend",
    "migrated_url",
    "pg_database",
    "pg_migrated_schema",
    "sftp_sandbox",
    "sqlite_template",
    "sshd_server",
    "target",
    "xero",
]
