"""Issuing a built pack: the workbook rendered (with its cover, and the Changes sheet for a new revision),
everything validated, the manifest written, the files moved into the archive and the revision recorded."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.month_end import CHANGES, SHEETS, Sheet
from shoplines.errors import ShoplinesError
from shoplines.state.packs import PackRecord
from shoplines.state.store import StateStore
from tasks.pack_build import Built
from tasks.pack_cells import Written, amount, safe, sha256_of, write_sheet
from tasks.pack_check import ShopifyTotals
from tasks.pack_deliver import MANIFEST, PackFiles
from tasks.pack_manifest import MANIFEST_NOTE, Identity, manifest, pack_name, write_manifest
from tasks.pack_period import Period, shop_time
from tasks.pack_state import figures
from tasks.pack_validate import validate_pack
from tasks.pack_workbook import render_workbook


class PackInvalid(ShoplinesError):
    """The pack does not tie out: it was not delivered."""


@dataclass(frozen=True)
class Draft:
    """A built pack on its way to being issued as `revision`."""

    built: Built
    period: Period
    revision: int
    replaces: str | None
    changes: list[list[str]]

    @property
    def name(self) -> str:
        return pack_name(self.period.label, self.revision)

    @property
    def sheets(self) -> list[Sheet]:
        return [*SHEETS, CHANGES] if self.replaces else list(SHEETS)


def cover(draft: Draft, who: Identity, fingerprint: str) -> list[tuple[str, str]]:
    p, t = draft.period, draft.built.totals
    net = t.sales.total - t.refunds.amount + t.adjustments.amount
    return [
        ("Pack", draft.name + (f" (replaces {draft.replaces})" if draft.replaces else "")),
        ("Shop", safe(who.shop)),
        ("Period", f"{p.first_day} to {p.last_day}, shop time"),
        ("Time zone", p.timezone),
        ("Period in UTC", f"{p.start:%Y-%m-%d %H:%M} to {p.end:%Y-%m-%d %H:%M} UTC"),
        ("Generated", f"{shop_time(who.generated_at, p.timezone):%Y-%m-%d %H:%M:%S} shop time"),
        ("Run id", who.run_id),
        ("Currency", f"{who.currency}, amounts include VAT"),
        (
            "Control totals",
            f"sales {amount(t.sales.total)}, refunds {amount(t.refunds.amount)}, adjustments "
            f"{amount(t.adjustments.amount)}, net {amount(net)} ({t.orders} orders)",
        ),
        (
            "Orders",
            "by processedAt in shop time; test orders left out; a cancellation shows with its date "
            "and its reversal under Refunds",
        ),
        ("Refunds", "by their own createdAt, whatever the order's month; `paid` is the money paid back"),
        ("Adjustments", "changes this month to orders of months already issued, against what finance has"),
        ("Exceptions", "records held back and decisions owed when the pack was made"),
        ("Reconciliation", "per day: Shopify, the warehouse, the books; differences are filled"),
        ("Fingerprint", fingerprint),
        ("Manifest", MANIFEST_NOTE),
    ]


@task(name="check-month-end-pack", cache_policy=NO_CACHE)
def render_and_check(draft: Draft, who: Identity, fingerprint: str, shopify: ShopifyTotals) -> Path:
    """Render the workbook and validate everything; raises `PackInvalid` with the differences."""
    folder, built = draft.built.folder, draft.built
    if draft.replaces:
        built.files[CHANGES.file] = write_sheet(folder, CHANGES, draft.changes)
    workbook = folder / f"month-end-{draft.name}.xlsx"
    rows = {name: w.rows for name, w in built.files.items()}
    render_workbook(folder, draft.sheets, rows, cover(draft, who, fingerprint), workbook)
    problems = validate_pack(built, workbook, draft.sheets, shopify, draft.period.label)
    if problems:
        raise PackInvalid(
            f"the month-end pack for {draft.period.label} does not tie out and was not delivered: "
            + "; ".join(problems[:12])
            + (f"; and {len(problems) - 12} more" if len(problems) > 12 else "")
        )
    return workbook


def issue(
    state: StateStore, draft: Draft, who: Identity, workbook: Path, archive: Path
) -> tuple[PackRecord, PackFiles]:
    """Move the pack into `archive/<name>/` with its manifest, then record the revision and its figures
    (a copy left by a run that died before recording is replaced: only a recorded pack is issued)."""
    built, target = draft.built, archive / draft.name
    sealed = Written(workbook, 0, sha256_of(workbook))
    document = manifest(built, draft.period, draft.revision, who, replaces=draft.replaces,
                        changes=draft.changes, workbook=sealed)  # fmt: skip
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in [*(w.path for w in built.files.values()), workbook]:
        shutil.move(path, target / path.name)
    write_manifest(document, target / MANIFEST)
    record = state.record_pack(who.shop, month=draft.period.label, revision=draft.revision, run_id=who.run_id,
                               fingerprint=document["fingerprint"], manifest=document,
                               figures=figures(built.folder))  # fmt: skip
    return record, files_of(target, draft.name, sorted(built.files))


def files_of(folder: Path, name: str, csvs: Sequence[str]) -> PackFiles:
    """An archived pack's files (its CSVs by name)."""
    return PackFiles(name, folder, folder / f"month-end-{name}.xlsx", tuple(folder / c for c in csvs))
