"""Client tests run against a real OpenSSH sshd and the embedded SFTP sandbox."""

from tests.support.sftp_targets import SftpTarget, sftp_sandbox, sshd_server, target

__all__ = ["SftpTarget", "sftp_sandbox", "sshd_server", "target"]
