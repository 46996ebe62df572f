"""Delivering an issued pack: to finance's SFTP folder (each file written whole then renamed, the manifest
last so its arrival means the pack is complete; a file already there with the same bytes counts as
delivered) and/or by email (the workbook, the manifest and the CSVs zipped). Thin I/O over the clients."""

from __future__ import annotations

import hashlib
import io
import posixpath
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from clients.notify import Email
from clients.sftp import SftpClient, SftpTargetExists
from shoplines.errors import DeliveryError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PackFiles:
    """An issued pack on local disk: its name, folder, workbook, manifest and CSVs."""

    name: str
    folder: Path
    workbook: Path
    csvs: tuple[Path, ...]

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    def in_order(self) -> list[Path]:
        """CSVs, the workbook, then the manifest: the manifest's arrival says the rest is there."""
        return [*self.csvs, self.workbook, self.manifest]


@task(name="deliver-pack-sftp", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30])
def deliver_sftp(connect: Callable[[], SftpClient], directory: str, pack: PackFiles) -> str:
    """Put the pack in `directory/<pack name>/` on finance's SFTP server; returns that folder."""
    folder = posixpath.join(directory, pack.name)
    with connect() as sftp:
        sftp.makedirs(folder)
        for path in pack.in_order():
            data = path.read_bytes()
            try:
                sftp.put_atomic(folder, path.name, data)
            except SftpTargetExists:
                there = sftp.read_bytes(posixpath.join(folder, path.name))
                if hashlib.sha256(there).digest() != hashlib.sha256(data).digest():
                    raise DeliveryError(
                        f"{folder}/{path.name} is already on the SFTP server with other "
                        "content: a pack revision is never overwritten"
                    ) from None
    return folder


def zipped(csvs: Sequence[Path]) -> bytes:
    """The CSVs in one zip, stable bytes for the same files (fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in csvs:
            info = zipfile.ZipInfo(path.name, date_time=(2000, 1, 1, 0, 0, 0))
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@task(name="deliver-pack-email", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30])
def deliver_email(email: Email, pack: PackFiles, subject: str, body: str) -> str:
    """Send the pack to finance as attachments; returns the recipients."""
    files = [
        (pack.workbook.name, pack.workbook.read_bytes(), XLSX),
        (f"{pack.name}-{MANIFEST}", pack.manifest.read_bytes(), "application/json"),
        (f"{pack.name}-csv.zip", zipped(pack.csvs), "application/zip"),
    ]
    email.send_files(subject, body, files)
    return "email"
