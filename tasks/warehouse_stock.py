"""Read the 3PL's stock-on-hand files (`STOCK_*.csv`: sku, site, quantity, as-of time, reorder level).

Pure functions: a listing in, the files ready to read out; bytes in, a typed frame plus the rows set aside
(each with its reason) out. A file is only read once it is complete: not a temporary name, unchanged for
`settle_seconds`, ending in a line break, one as-of time for all its rows. A half-written file is left for
the next run; one that can never be read is reported, not guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from schemas.inventory import WarehouseStock
from shoplines.errors import ConfigError
from tasks.csv_records import Unreadable, read_records
from tasks.warehouse_answers import TEMPORARY


class StockColumns(BaseModel):
    """Column names in the 3PL's stock file (ours on the left, the 3PL's on the right)."""

    model_config = ConfigDict(extra="forbid")

    sku: str = "sku"
    site: str = "location"
    quantity: str = "quantity"
    as_of: str = "as_of"
    reorder_level: str = "reorder_level"  # optional in the file


class StockFormat(BaseModel):
    """How one 3PL names and lays out its stock-on-hand files."""

    model_config = ConfigDict(extra="forbid")

    prefix: str = "STOCK_"
    suffix: str = ".csv"
    columns: StockColumns = StockColumns()
    encoding: str = "utf-8-sig"
    settle_seconds: float = 60.0  # unchanged this long before it is read (a 3PL writing in place)

    @classmethod
    def from_settings(cls, raw: dict[str, Any]) -> StockFormat:
        """The configured format (SHOPLINES_WAREHOUSE_STOCK_FORMAT); ConfigError if it is not valid."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"SHOPLINES_WAREHOUSE_STOCK_FORMAT: {where}: {first['msg']}") from exc

    def claims(self, name: str) -> bool:
        """Whether `name` is (or will become, once renamed) one of the 3PL's stock files."""
        return name.startswith(self.prefix)

    def ready(self, listing: dict[str, datetime], now: datetime) -> tuple[list[str], list[str]]:
        """(complete stock files oldest first, files still being written) from {name: modified time}."""
        ours = sorted(n for n in listing if self.claims(n))
        done = [n for n in ours if not TEMPORARY.search(n) and n.lower().endswith(self.suffix.lower())]
        settle = timedelta(seconds=self.settle_seconds)
        settled = [n for n in done if now - listing[n] >= settle]
        return settled, [n for n in ours if n not in settled]


@dataclass
class StockFile:
    """One stock file read: its rows (typed), the rows set aside, or why the whole file cannot be used."""

    name: str
    stock: pd.DataFrame = field(default_factory=pd.DataFrame)
    bad_rows: list[tuple[int, str, str, dict[str, str]]] = field(default_factory=list)  # row, sku, why, raw
    as_of: datetime | None = None
    error: str | None = None


def parse_stock(name: str, data: bytes, fmt: StockFormat, sites: dict[str, str]) -> StockFile:
    """Parse one stock file; `sites` maps the 3PL's site codes to Shopify location gids (`{"*": gid}`: the
    3PL has one site, whatever its code). Never raises on bad content: a bad row is set aside with its
    reason, a bad file carries `error`."""
    try:
        records = _records(data, fmt)
        as_of = _one_as_of(records, fmt.columns)
        sites = _sites(records, fmt.columns, sites)
    except Unreadable as exc:
        return StockFile(name, error=f"{name}: {exc}")
    rows, bad = [], []
    for number, record in records:
        try:
            rows.append(_row(record, fmt.columns, sites, as_of))
        except Unreadable as exc:
            bad.append((number, record.get(fmt.columns.sku, ""), f"{name} row {number}: {exc}", record))
    frame = pd.DataFrame(rows, columns=list(WarehouseStock.to_schema().columns))
    frame = _duplicates(frame, bad, name)
    return StockFile(name, WarehouseStock.validate(frame), bad, as_of)


def _records(data: bytes, fmt: StockFormat) -> list[tuple[int, dict[str, str]]]:
    c = fmt.columns
    records = read_records(data, fmt.encoding, (c.sku, c.site, c.quantity, c.as_of), whole_lines=True)
    if not records:
        raise Unreadable("no stock rows (a 3PL with no stock at all sends none: check with them)")
    return records


def _one_as_of(records: list[tuple[int, dict[str, str]]], c: StockColumns) -> datetime:
    values = {record[c.as_of] for _, record in records}
    if len(values) != 1:
        raise Unreadable(f"rows give {len(values)} different as-of times; one count has one time")
    text = values.pop()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Unreadable(f"as-of {text!r} is not a timestamp") from None
    if moment.tzinfo is None:
        raise Unreadable(f"as-of {text!r} has no time zone")
    return moment.astimezone(UTC)


def _sites(
    records: list[tuple[int, dict[str, str]]], c: StockColumns, sites: dict[str, str]
) -> dict[str, str]:
    if "*" not in sites:
        return sites
    codes = sorted({record[c.site] for _, record in records if record[c.site]})
    if len(codes) > 1:
        raise Unreadable(
            f"counts for {len(codes)} sites ({', '.join(codes[:5])}): map each to a Shopify location in "
            "SHOPLINES_WAREHOUSE_STOCK_SITES"
        )
    return {code: sites["*"] for code in codes}


def _whole(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise Unreadable(f"{what} {text!r} is not a whole number") from None
    if value < 0:
        raise Unreadable(f"{what} {value} is negative")
    return value


def _row(record: dict[str, str], c: StockColumns, sites: dict[str, str], as_of: datetime) -> dict[str, Any]:
    sku, site = record[c.sku], record[c.site]
    if not sku:
        raise Unreadable("no sku")
    if site not in sites:
        raise Unreadable(
            f"site {site!r} is not mapped to a Shopify location (SHOPLINES_WAREHOUSE_STOCK_SITES)"
        )
    level = record.get(c.reorder_level, "")
    return {
        "sku": sku, "site": site, "location_id": sites[site],
        "quantity": _whole(record[c.quantity], "quantity"),
        "as_of": as_of, "reorder_level": _whole(level, "reorder level") if level else None,
    }  # fmt: skip


def _duplicates(
    frame: pd.DataFrame, bad: list[tuple[int, str, str, dict[str, str]]], name: str
) -> pd.DataFrame:
    """A SKU counted twice at one site: which count is right is not ours to guess; both are set aside."""
    twice = frame.duplicated(["sku", "site"], keep=False)
    for row in frame[twice].to_dict("records"):
        raw = {str(k): str(v) for k, v in row.items()}
        bad.append((0, str(row["sku"]), f"{name}: sku {row['sku']} is counted twice at {row['site']}", raw))
    return frame[~twice].reset_index(drop=True)
