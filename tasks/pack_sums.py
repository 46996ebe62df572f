"""The pack's CSVs read back a chunk at a time: every chunk checked by its sheet's pandera model, and the
figures added up again from the text alone, so the Summary can be compared with what the sheets say."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from schemas.month_end import ADJUSTMENTS, LINES, ORDERS, RECONCILIATION, REFUNDS, Sheet
from tasks import received as rd
from tasks.pack_cells import ENCODING
from tasks.pack_figures import Amounts
from tasks.pack_totals import Totals

READ_CHUNK = 50_000
MONEY = ["gross", "discounts", "shipping", "vat", "total"]


def cents(column: pd.Series) -> pd.Series:
    """Amount text ("-12.50", checked by the schema first) as integer cents."""
    return column.str.replace(".", "", regex=False).astype("int64")


def read_sheet(folder: Path, sheet: Sheet, problems: list[str]) -> Iterator[pd.DataFrame]:
    """The sheet's rows in chunks, each validated; failures go to `problems` and the chunk is skipped."""
    reader = pd.read_csv(
        folder / sheet.file, dtype=str, keep_default_na=False, encoding=ENCODING, chunksize=READ_CHUNK
    )
    for chunk in reader:
        try:
            yield sheet.model.validate(chunk, lazy=True)
        except pa.errors.SchemaErrors as err:
            found = sorted({rd.describe(case) for _, case in err.failure_cases.head(20).iterrows()})
            problems.append(f"{sheet.file} fails its checks: {'; '.join(found)}")


@dataclass
class Recount:
    """What the sheets add up to, independently of the totals the build kept."""

    totals: Totals = field(default_factory=Totals)
    line_sales: Amounts = field(default_factory=Amounts)  # the same sales, added from Line items
    orders_seen: set[str] = field(default_factory=set)
    duplicates: list[str] = field(default_factory=list)
    reconciled: tuple[int, int] = (0, 0)  # Reconciliation: orders, cents


def _orders(frame: pd.DataFrame, out: Recount) -> None:
    t = out.totals
    money = {c: cents(frame[c]) for c in MONEY}
    t.sales = t.sales + Amounts(*(int(money[c].sum()) for c in MONEY))
    t.orders += len(frame)
    t.cancelled += int((frame["cancelled_at"] != "").sum())
    grouped = pd.DataFrame({"g": frame["gateway"], "t": money["total"], "v": money["vat"]}).groupby("g")
    for gateway, part in grouped:
        t.gateways[str(gateway)]["sales"].add(int(part["t"].sum()), int(part["v"].sum()), len(part))
    for name in frame["order"]:
        if name in out.orders_seen:
            out.duplicates.append(str(name))
        out.orders_seen.add(str(name))


def _lines(frame: pd.DataFrame, out: Recount) -> None:
    money = {c: cents(frame[c]) for c in MONEY}
    out.line_sales = out.line_sales + Amounts(*(int(money[c].sum()) for c in MONEY))
    out.totals.line_rows += len(frame)
    grouped = pd.DataFrame({"c": frame["vat_class"], "t": money["total"], "v": money["vat"]}).groupby("c")
    for cls, part in grouped:
        out.totals.classes[str(cls)]["sales"].add(int(part["t"].sum()), int(part["v"].sum()))


def _refunds(frame: pd.DataFrame, out: Recount) -> None:
    t = out.totals
    frame = frame.assign(a=cents(frame["amount"]), v=cents(frame["vat"]), p=cents(frame["paid"]))
    t.refund_rows += len(frame)
    t.paid += int(frame["p"].sum())
    t.refunds.add(int(frame["a"].sum()), int(frame["v"].sum()), int(frame["refund"].nunique()))
    for cls, part in frame.groupby("vat_class"):
        t.classes[str(cls)]["refunds"].add(int(part["a"].sum()), int(part["v"].sum()))
    for gateway, part in frame.groupby("gateway"):
        t.gateways[str(gateway)]["refunds"].add(
            int(part["a"].sum()), int(part["v"].sum()), int(part["refund"].nunique())
        )
        t.gateways[str(gateway)]["paid"].add(int(part["p"].sum()), 0)


def _adjustments(frame: pd.DataFrame, out: Recount) -> None:
    t = out.totals
    frame = frame.assign(a=cents(frame["total"]), v=cents(frame["vat"]))
    t.adjustment_rows += len(frame)
    t.adjustments.add(int(frame["a"].sum()), int(frame["v"].sum()), int(frame["order"].nunique()))
    for cls, part in frame.groupby("vat_class"):
        t.classes[str(cls)]["adjustments"].add(int(part["a"].sum()), int(part["v"].sum()))
    for gateway, part in frame.groupby("gateway"):
        t.gateways[str(gateway)]["adjustments"].add(
            int(part["a"].sum()), int(part["v"].sum()), int(part["order"].nunique())
        )


def recount(folder: Path, problems: list[str]) -> Recount:
    """Read every money sheet back (refunds and adjustments whole: a refund's rows are never split)."""
    out = Recount()
    for chunk in read_sheet(folder, ORDERS, problems):
        _orders(chunk, out)
    for chunk in read_sheet(folder, LINES, problems):
        _lines(chunk, out)
    for sheet, add in ((REFUNDS, _refunds), (ADJUSTMENTS, _adjustments)):
        frames = list(read_sheet(folder, sheet, problems))
        if frames:
            add(pd.concat(frames, ignore_index=True), out)
    orders, total = 0, 0
    for chunk in read_sheet(folder, RECONCILIATION, problems):
        orders += int(chunk["shopify_orders"].astype("int64").sum())
        total += int(cents(chunk["shopify_total"]).sum())
    out.reconciled = (orders, total)
    return out
