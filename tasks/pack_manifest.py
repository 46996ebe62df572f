"""What makes a pack the same pack: its fingerprint (the SHA-256 of its money sheets' CSVs), the manifest
(control totals, every file's SHA-256) and, for a new revision, the changes against the one it replaces."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from schemas.month_end import SHEETS
from tasks.pack_build import FIGURES, Built
from tasks.pack_cells import Written, amount, safe
from tasks.pack_figures import from_json, total_of
from tasks.pack_period import Period
from tasks.pack_totals import control_totals, summary_rows

MONEY_FILES = sorted(s.file for s in SHEETS if s.money)
MANIFEST_NOTE = "manifest.json: the control totals and each CSV's SHA-256; the same data makes the same CSVs"
Row = list[str]


def fingerprint(files: Mapping[str, Written]) -> str:
    """Same money sheets, byte for byte, same fingerprint: "same data, same pack"."""
    text = "\n".join(f"{name}:{files[name].sha256}" for name in MONEY_FILES)
    return hashlib.sha256(text.encode()).hexdigest()


def pack_name(month: str, revision: int) -> str:
    return f"{month}-r{revision}"


@dataclass(frozen=True)
class Identity:
    """Who made the pack, when, for which shop."""

    shop: str
    run_id: str
    generated_at: datetime
    currency: str


def manifest(
    built: Built,
    period: Period,
    revision: int,
    who: Identity,
    *,
    workbook: Written,
    replaces: str | None,
    changes: Sequence[Row],
) -> dict[str, Any]:
    """The pack's manifest: identity, control totals, each file's rows and SHA-256, the fingerprint."""
    return {
        "pack": pack_name(period.label, revision),
        "shop": who.shop,
        "month": period.label,
        "revision": revision,
        "replaces": replaces,
        "timezone": period.timezone,
        "period": {
            "first_day": str(period.first_day),
            "last_day": str(period.last_day),
            "start_utc": period.start.isoformat(),
            "end_utc": period.end.isoformat(),
        },
        "currency": who.currency,
        "generated_at": who.generated_at.isoformat(),
        "run_id": who.run_id,
        "control_totals": control_totals(built.totals),
        "summary": summary_rows(built.totals),
        "files": {name: {"rows": w.rows, "sha256": w.sha256} for name, w in sorted(built.files.items())},
        "workbook": {"file": workbook.path.name, "sha256": workbook.sha256},
        "fingerprint": fingerprint(built.files),
        "changes": [list(r) for r in changes],
    }


def write_manifest(document: Mapping[str, Any], path: Path) -> Written:
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return Written(path, 0, hashlib.sha256(text.encode()).hexdigest())


def read_figures(folder: Path, kind: str = "order") -> Iterator[tuple[str, str, dict[str, list[int]]]]:
    """(order id, name, figures) of each line of the build's `figures.jsonl` of `kind`."""
    with (folder / FIGURES).open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if item["kind"] == kind:
                yield item["order_id"], item["name"], item["figures"]


def _totals_changes(before: Sequence[Row], after: Sequence[Row]) -> list[Row]:
    old = {(r[0], r[1]): r[2] for r in before}
    rows = []
    for section, item, cents, _vat, _count in after:
        was = old.pop((section, item), "")
        if was != cents:
            diff = int(cents.replace(".", "") or 0) - int(was.replace(".", "") or 0)
            rows.append([section, item, was, cents, amount(diff)])
    rows += [[s, i, was, "", ""] for (s, i), was in old.items()]
    return rows


def changes(
    previous: Mapping[str, Any],
    after: Sequence[Row],
    before_orders: Mapping[str, tuple[str, Any]],
    folder: Path,
) -> list[Row]:
    """What the new revision changes against `previous`: control totals, then each order added, removed
    or changed (totals VAT-inclusive)."""
    rows = _totals_changes(previous.get("summary", []), after)
    left = dict(before_orders)
    for oid, name, raw in read_figures(folder):
        now = total_of(from_json(raw).values()).total
        known = left.pop(oid, None)
        was = None if known is None else total_of(from_json(known[1]).values()).total
        if known is None or from_json(known[1]) != from_json(raw):
            label = "added" if was is None else "changed"
            rows.append(
                [
                    "orders",
                    safe(f"{name} {label}"),
                    "" if was is None else amount(was),
                    amount(now),
                    amount(now - (was or 0)),
                ]
            )
    for name, raw in sorted(left.values()):
        was = total_of(from_json(raw).values()).total
        rows.append(["orders", safe(f"{name} removed"), amount(was), "", amount(-was)])
    return rows
