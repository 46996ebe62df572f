"""The month-end pack built from a generated store in memory: periods in shop time, inert text, a workbook
of real numbers that equals its CSVs, and validation that catches a tampered sheet."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pytest
from openpyxl import load_workbook

from sandbox.clock import SandboxClock, parse_instant
from sandbox.shopify.generator import generate_store
from schemas.month_end import SHEETS, LineItemsSheet, RefundsSheet
from shoplines.demo_problems import unknown_sku_copy
from tasks.pack_build import Books, Built, Sources, build_sheets
from tasks.pack_cells import free_text, safe
from tasks.pack_check import ShopifyTotals, shopify_totals
from tasks.pack_issue import Draft, render_and_check
from tasks.pack_manifest import Identity, fingerprint
from tasks.pack_period import Period, month_of, period, previous_month
from tasks.pack_read import Shop
from tasks.pack_validate import validate_pack

TZ = "Africa/Johannesburg"
HOSTILE = ["=1+2", "+27 82 000", "-SUM(A1)", "@cmd", "\tTAB", "\rCR"]


def test_an_order_at_half_past_midnight_on_the_1st_belongs_to_the_new_month() -> None:
    october, november = period("2026-10", TZ), period("2026-11", TZ)
    assert october.start == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)
    assert october.end == november.start == datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    late = datetime(2026, 10, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 November, shop time
    assert november.contains(late)
    assert not october.contains(late)
    assert month_of(datetime(2026, 10, 31, 21, 30, tzinfo=UTC), TZ) == "2026-10"
    assert previous_month(datetime(2026, 11, 1, 4, 0, tzinfo=UTC), TZ) == "2026-10"  # 06:00 on the 1st
    assert len(october.days()) == 31
    with pytest.raises(ValueError, match="YYYY-MM"):
        period("2026-13", TZ)


def test_text_that_a_spreadsheet_would_run_is_neutralised_and_keys_stay_exact() -> None:
    assert [safe(t) for t in HOSTILE] == [f"'{t}" for t in HOSTILE]
    assert [safe("#1001"), safe("TEE-BLK-M")] == ["#1001", "TEE-BLK-M"]
    assert safe("a\x00b\x1fc") == "abc"  # no spreadsheet can hold these
    assert free_text("call thandi@gmail.com") == "call t***@g***.com"


def test_a_sku_with_a_stray_space_is_text_not_a_blocked_month() -> None:
    """A line item's SKU is a snapshot Shopify never rewrites: a leading space must not fail every run."""
    for model in (LineItemsSheet, RefundsSheet):
        sku = model.to_schema().columns["sku"]
        sku.validate(pd.DataFrame({"sku": [" ABC-1", "ABC-1", "", safe("-100")]}))
        with pytest.raises(pa.errors.SchemaError):
            sku.validate(pd.DataFrame({"sku": ["=HYPERLINK(1)"]}))  # never raw formula text


@dataclass
class Month:
    built: Built
    period: Period
    check: ShopifyTotals
    folder: Path


@pytest.fixture
def month(tmp_path: Path) -> Month:
    return make_month(tmp_path / "pack")


def make_month(folder: Path, *, copied: bool = False) -> Month:
    """October of a generated store, with hostile text planted, built into `folder`; with `copied`, also a
    copy of a refunded order whose refund keeps the original's legacy id (as the demo's planted orders do)."""
    start = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    store = generate_store(5, orders=80, clock=SandboxClock(start))
    orders: list[dict[str, Any]] = list(store.orders())
    october = period("2026-10", TZ)
    target = next(o for o in orders if not o["test"] and october.contains(parse_instant(o["processedAt"])))
    target["tags"] = HOSTILE[:3]
    target["lineItems"]["nodes"][0]["name"] = HOSTILE[3]
    if copied:
        template = next(
            o for o in orders if o.get("refunds") and october.contains(parse_instant(o["processedAt"]))
        )
        copy = unknown_sku_copy(template, "#9100", "UNKNOWN-BOX")
        orders.append(copy | {"id": f"gid://shopify/Order/8{template['legacyResourceId']}",
                              "legacyResourceId": f"8{template['legacyResourceId']}",
                              "updatedAt": template["updatedAt"]})  # fmt: skip
    orders.sort(key=lambda o: (o["processedAt"], o["id"]))
    sold = [o for o in orders if october.contains(parse_instant(o["processedAt"]))]
    later = [
        o
        for o in orders
        if parse_instant(o["processedAt"]) < october.end and parse_instant(o["updatedAt"]) >= october.start
    ]
    older = [o for o in later if parse_instant(o["processedAt"]) < october.start]
    folder.mkdir()
    built = build_sheets(Sources([sold], [older], [later]), Shop(october, "ZA", "ZAR"), Books(), folder)
    return Month(built, october, shopify_totals([sold], [later], october, "ZAR"), folder)


def render(m: Month) -> Path:
    who = Identity("shop.test", "run-1", datetime(2026, 11, 1, 4, 0, tzinfo=UTC), "ZAR")
    return render_and_check.fn(
        Draft(m.built, m.period, 1, None, []), who, fingerprint(m.built.files), m.check
    )


def test_the_workbook_has_real_numbers_inert_text_frozen_headers_and_filters(month: Month) -> None:
    path = render(month)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Cover", *(s.title for s in SHEETS)]
    orders = workbook["Orders"]
    assert (orders.freeze_panes, orders.auto_filter.ref) == ("A2", f"A1:M{orders.max_row}")
    header = [c.value for c in orders[1]]
    total = orders.cell(row=2, column=header.index("total") + 1)
    assert (total.data_type, total.number_format) == ("n", "#,##0.00;[Red]-#,##0.00")
    assert orders.cell(row=2, column=header.index("processed_at") + 1).is_date
    texts = [c for ws in workbook for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [
        c for c in texts if c.data_type == "f" or c.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    ]
    assert "'=1+2, +27 82 000, -SUM(A1)" in {c.value for c in texts}
    with zipfile.ZipFile(path) as book:  # amounts are written as their exact decimals
        xml = "".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml
    assert "000000000" not in xml  # no 85.04000000000001


def tamper(path: Path, column: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    index = rows[0].index(column)
    rows[1][index] = f"{float(rows[1][index]) + 0.01:.2f}"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def test_a_tampered_sheet_fails_validation(month: Month) -> None:
    workbook = render(month)
    assert validate_pack(month.built, workbook, SHEETS, month.check, "2026-10") == []
    kept = month.folder / "orders.kept"
    shutil.copy(month.folder / "orders.csv", kept)
    tamper(month.folder / "orders.csv", "total")
    problems = validate_pack(month.built, workbook, SHEETS, month.check, "2026-10")
    assert "orders.csv changed after it was written" in problems
    assert any(p.startswith("Summary 'sales: sales total' says") for p in problems)
    assert any(p.startswith("Line items add up to") for p in problems)
    assert any("Orders row 1 differs from orders.csv" in p for p in problems)
    shutil.copy(kept, month.folder / "orders.csv")
    tamper(month.folder / "refunds.csv", "vat")
    problems = validate_pack(month.built, workbook, SHEETS, month.check, "2026-10")
    assert any(p.startswith("Summary 'refunds: refunds' says") for p in problems)


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail(
            "LibreOffice is not installed: `apt-get install libreoffice-calc-nogui` (.ci/run does)",
            pytrace=False,
        )
    return found


def test_the_workbook_converts_cleanly_with_libreoffice(month: Month, tmp_path: Path) -> None:
    path = render(month)
    out = tmp_path / "converted"
    # every sheet to its own CSV, values as stored (not as displayed), UTF-8
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    done = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    converted = {p.stem.removeprefix(f"{path.stem}-"): p for p in out.glob("*.csv")}
    assert set(converted) == {"Cover", *(s.title for s in SHEETS)}
    with converted["Orders"].open(encoding="utf-8", newline="") as handle:
        seen = list(csv.DictReader(handle))
    with (month.folder / "orders.csv").open(encoding="utf-8-sig", newline="") as handle:
        wrote = list(csv.DictReader(handle))
    assert [Decimal(r["total"]) for r in seen] == [Decimal(r["total"]) for r in wrote]
    assert [r["tags"] for r in seen] == [r["tags"] for r in wrote]  # text stays text: nothing was run
    assert "'=1+2, +27 82 000, -SUM(A1)" in {r["tags"] for r in seen}


def test_the_same_data_makes_the_same_csvs(month: Month, tmp_path: Path) -> None:
    again = make_month(tmp_path / "again")
    assert {n: w.sha256 for n, w in again.built.files.items()} == {
        n: w.sha256 for n, w in month.built.files.items()
    }
    assert fingerprint(again.built.files) == fingerprint(month.built.files)


def test_a_formula_slipped_into_any_sheet_fails_validation(month: Month) -> None:
    workbook = render(month)
    with (month.folder / "exceptions.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerow(
            ["quarantine", "orders-to-warehouse", "#1001", "=HYPERLINK(1)", "", "", "quarantine 1"]
        )
    problems = validate_pack(month.built, workbook, SHEETS, month.check, "2026-10")
    assert any(p.startswith("exceptions.csv fails its checks") for p in problems)


def test_a_copied_order_whose_refund_repeats_a_legacy_id_still_ties_out(tmp_path: Path) -> None:
    copied = make_month(tmp_path / "copied", copied=True)
    assert validate_pack(copied.built, render(copied), SHEETS, copied.check, "2026-10") == []
