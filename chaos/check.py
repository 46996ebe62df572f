"""The verdict from the 3PLs' own journals only: what the faulted warehouse holds, against a clean run.

Nothing here reads shoplines' state database: the 3PL's `received.jsonl` is the ground truth of what arrived.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Journal = list[dict[str, Any]]
CANCELLED = "cancelled"  # an order's state at the 3PL after an accepted CANCEL


@dataclass(frozen=True)
class Verdict:
    """Lost and duplicated deliveries, each described in one line."""

    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing duplicated."""
        return not self.lost and not self.duplicated


def read_journal(path: Path) -> Journal:
    """The 3PL's `received.jsonl` (one entry per picked-up file), empty if it never received a file."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _receipts(journal: Journal) -> Iterable[tuple[str, dict[str, Any]]]:
    for entry in journal:
        for order in entry.get("orders") or []:
            yield str(entry["file_name"]), order


def warehouse_state(journal: Journal) -> dict[str, str]:
    """Per order number, the version the 3PL would ship now (`CANCELLED` after an accepted CANCEL)."""
    state: dict[str, str] = {}
    for _, order in _receipts(journal):
        if order["status"] == "CANCELLED":
            state[order["order_number"]] = CANCELLED
        elif order["status"] == "ACCEPTED" and order["record_type"] != "REPLACEMENT":
            state[order["order_number"]] = order["order_version"]
    return state


def lost(faulted: Journal, reference: Journal, cancelled: Iterable[str] = ()) -> list[str]:
    """Order versions the faulted warehouse should hold but does not.

    Each order the clean reference run sent must end at the faulted 3PL with the same version (if the
    reference 3PL accepted it) or at least have arrived there (if it rejected it, e.g. an unknown SKU).
    An order cancelled in the shop that the faulted 3PL holds as accepted has lost its CANCEL.
    """
    holds = warehouse_state(faulted)
    arrived = {(o["order_number"], o["order_version"]) for _, o in _receipts(faulted)}
    problems = []
    for _, order in _receipts(reference):
        number, version = order["order_number"], order["order_version"]
        if order["status"] == "ACCEPTED" and holds.get(number) != version:
            problems.append(
                f"{number}: the warehouse holds {holds.get(number, 'nothing')}, final is {version}"
            )
        elif order["status"] != "ACCEPTED" and (number, version) not in arrived:
            problems.append(f"{number}: version {version} ({order['status']} by the reference) never arrived")
    for number in sorted(set(cancelled)):
        if holds.get(number, CANCELLED) != CANCELLED:
            problems.append(f"{number}: cancelled in the shop, the warehouse still holds {holds[number]}")
    return problems


def duplicated(faulted: Journal) -> list[str]:
    """Content received more than once: an order version with the same record type (REPLACEMENTs apart,
    whatever the 3PL answered, DUPLICATE_ORDER included), and a whole file with the same bytes."""
    versions: Counter[tuple[str, str, str]] = Counter(
        (o["order_number"], o["order_version"], o["record_type"])
        for _, o in _receipts(faulted)
        if o["record_type"] != "REPLACEMENT"
    )
    files: Mapping[str, list[str]] = _by_sha(faulted)
    problems = [f"{n} {kind} version {v} received {c} times" for (n, v, kind), c in versions.items() if c > 1]
    problems += [f"file {' = '.join(names)} received {len(names)} times" for names in files.values()]
    return problems


def _by_sha(journal: Journal) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for entry in journal:
        names.setdefault(str(entry["sha256"]), []).append(str(entry["file_name"]))
    return {sha: found for sha, found in names.items() if len(found) > 1}


def check(faulted: Journal, reference: Journal, cancelled: Iterable[str] = ()) -> Verdict:
    """The whole verdict for one schedule."""
    return Verdict(lost(faulted, reference, cancelled), duplicated(faulted))
