"""Flow tests: the line end to end on the Shopify sandbox and real SFTP servers, under one Prefect server."""

from tests.sandbox.conftest import xero
from tests.state.conftest import pg_database
from tests.support.sftp_targets import sftp_sandbox, sshd_server

__all__ = ["pg_database", "sftp_sandbox", "sshd_server", "xero"]
