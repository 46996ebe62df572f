"""Seeded SFTP faults for the chaos suite: the connection dropped mid-upload, or just before/after RENAME."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, fields

PART_SUFFIX = ".part"


@dataclass(frozen=True)
class SftpFaults:
    """Chance (0 to 1) per eligible request that the server drops the whole SSH connection.

    `drop_write`: during a WRITE to a `*.part` file (half the chunk is written first). `drop_before_rename`:
    instead of performing a RENAME. `drop_after_rename`: after a RENAME succeeded, before its reply.
    """

    drop_write: float = 0.0
    drop_before_rename: float = 0.0
    drop_after_rename: float = 0.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"SFTP fault {item.name} must be a probability from 0 to 1, not {value}")

    @property
    def any(self) -> bool:
        """Whether any fault can fire."""
        return any(getattr(self, item.name) > 0 for item in fields(self))

    @classmethod
    def parse(cls, text: str) -> SftpFaults:
        """Read `"drop_write=0.1,drop_before_rename=0.05"` (unnamed faults stay 0; empty text: none)."""
        known = {item.name for item in fields(cls)}
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, value = part.partition("=")
            if not sep or name.strip() not in known:
                raise ValueError(
                    f"SFTP fault {part!r}: expected NAME=PROBABILITY, NAME one of {sorted(known)}"
                )
            try:
                values[name.strip()] = float(value)
            except ValueError:
                raise ValueError(f"SFTP fault {part!r}: {value!r} is not a number") from None
        return cls(**values)


class FaultDice:
    """Draws for every eligible request from one seeded generator, so a schedule replays the same way."""

    def __init__(self, faults: SftpFaults, seed: int) -> None:
        self.faults = faults
        self._rng = random.Random(f"sftp-faults:{seed}")
        self._lock = threading.Lock()
        self.fired: dict[str, int] = {item.name: 0 for item in fields(SftpFaults)}

    def roll(self, kind: str) -> bool:
        """Whether fault `kind` fires for this request (no draw is made for a fault that is off)."""
        chance = float(getattr(self.faults, kind))
        if chance <= 0:
            return False
        with self._lock:
            hit = self._rng.random() < chance
            self.fired[kind] += hit
        return hit


def is_part(path: str | bytes) -> bool:
    """Whether a (local) path names an upload in progress."""
    name = path.decode(errors="replace") if isinstance(path, bytes) else path
    return name.endswith(PART_SUFFIX)
