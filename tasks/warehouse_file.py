"""Map planned orders to the warehouse file: rows, deterministic batches and file names, CSV bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from prefect import task

from schemas.warehouse import FORMULA_STARTS, FREE_TEXT, WarehouseOrderRow
from shoplines.money import format_cents
from tasks.caching import PER_RUN

COLUMNS = [
    "record_type", "batch_id", "order_number", "order_id", "order_version", "order_date", "line_number",
    "sku", "description", "quantity", "unit_price", "line_discount", "line_total", "currency",
    "shipping_method", "ship_to_name", "ship_to_company", "ship_to_address1", "ship_to_address2",
    "ship_to_city", "ship_to_province", "ship_to_postal_code", "ship_to_country", "ship_to_phone",
    "customer_email",
]  # fmt: skip
MONEY = {
    "unit_price": "unit_price_cents",
    "line_discount": "line_discount_cents",
    "line_total": "line_total_cents",
}
PENDING_BATCH = "000000000000"


@dataclass(frozen=True)
class WarehouseFile:
    """One file to deliver: its deterministic name, batch and rows (validated)."""

    name: str
    batch_id: str
    rows: pd.DataFrame
    content: bytes

    @property
    def sha256(self) -> str:
        """Checksum of the file's bytes."""
        return hashlib.sha256(self.content).hexdigest()

    @property
    def orders(self) -> pd.DataFrame:
        """One row per order version in the file (what the ledger records)."""
        return self.rows.drop_duplicates("order_id")[
            ["order_id", "order_number", "order_version", "record_type"]
        ]


def neutralise(value: object) -> str:
    """Make customer or staff text inert in spreadsheets: no line breaks, no leading formula character."""
    text = (
        "" if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else str(value)
    )
    text = " ".join(text.replace("\r", " ").replace("\n", " ").split("\t")).strip()
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def phone_digits(value: object) -> str:
    """Phone numbers as digits only ("+27 82 555 0101" -> "27825550101"): no leading "+" for a
    spreadsheet to read."""
    text = (
        "" if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else str(value)
    )
    return "".join(ch for ch in text if ch.isdigit())


def _prorata(discount: pd.Series, shipped: pd.Series, ordered: pd.Series) -> pd.Series:
    """Discount for the shipped part of a line, rounded half-up to the cent (integer arithmetic)."""
    return (discount * shipped * 2 + ordered) // (ordered * 2)


def _header(plan: pd.DataFrame, timezone: str) -> pd.DataFrame:
    head = plan[["order_id", "order_name", "legacy_id", "content_hash", "action", "currency", "email",
                 "shipping_method", "processed_at",
                 *[c for c in plan.columns if c.startswith("ship_to_")]]]  # fmt: skip
    return head.assign(
        order_date=head["processed_at"].dt.tz_convert(timezone).dt.strftime("%Y-%m-%d"),
        order_version=head["content_hash"].str[:12],
        record_type=head["action"].astype(str),
    )


@task(name="map-warehouse-rows", **PER_RUN)
def warehouse_rows(plan: pd.DataFrame, ship_lines: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """One row per line to ship (NEW, AMEND, REPLACEMENT), one row per CANCEL; free text neutralised."""
    head = _header(plan[plan["action"].isin(["NEW", "AMEND", "REPLACEMENT", "CANCEL"])], timezone)
    items = head[head["record_type"] != "CANCEL"].merge(ship_lines, on="order_id", how="inner")
    items = items.assign(
        line_number=items["position"], description=items["name"], quantity=items["ship_quantity"],
        line_discount_cents=_prorata(items["discount_cents"], items["ship_quantity"], items["quantity"]),
    )  # fmt: skip
    items["line_total_cents"] = items["unit_price_cents"] * items["quantity"] - items["line_discount_cents"]
    cancels = head[head["record_type"] == "CANCEL"].assign(
        line_number=0,
        sku="",
        description="",
        quantity=0,
        unit_price_cents=0,
        line_discount_cents=0,
        line_total_cents=0,
    )
    rows = pd.concat([items, cancels], ignore_index=True).rename(
        columns={"order_name": "order_number", "legacy_id": "order_id_num", "email": "customer_email"}
    )
    rows = rows.drop(columns=["order_id"]).rename(columns={"order_id_num": "order_id"})
    rows["batch_id"] = PENDING_BATCH
    rows["ship_to_phone"] = rows["ship_to_phone"].map(phone_digits)
    for column in FREE_TEXT:
        rows[column] = rows[column].map(neutralise)
    rows["sku"] = rows["sku"].fillna("")
    ordered = rows.sort_values(["order_number", "line_number"], kind="stable").reset_index(drop=True)
    return ordered[list(WarehouseOrderRow.to_schema().columns)]


NAME_TIME = re.compile(r"_(\d{8}T\d{6}Z)_[0-9a-f]{12}_\d{3}\.csv$")


def build_time(now: datetime, recent_names: Iterable[str]) -> datetime:
    """The time a run's files are named with: now, but always after the newest name already used, so a
    worker whose clock lags the previous one's still produces names that sort after them."""
    stamps = [datetime.strptime(m[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) for n in recent_names
              if (m := NAME_TIME.search(n))]  # fmt: skip
    latest = max(stamps, default=None)
    now = now.astimezone(UTC).replace(microsecond=0)
    return now if latest is None or now > latest else latest + timedelta(seconds=1)


def batch_id(rows: pd.DataFrame) -> str:
    """Deterministic id of a set of order versions: the same content always gets the same batch id."""
    keys = sorted(set(zip(rows["order_id"], rows["order_version"], rows["record_type"], strict=True)))
    return hashlib.sha256(repr(keys).encode()).hexdigest()[:12]


def _chunks(rows: pd.DataFrame, max_lines: int) -> list[pd.DataFrame]:
    """Split into files of at most `max_lines` rows without splitting an order (a huge order gets its own).

    Orders keep the order they first appear in, each order's rows together; one pass over the group sizes,
    not a DataFrame per order.
    """
    codes, _ = pd.factorize(rows["order_number"], sort=False, use_na_sentinel=False)
    grouped = rows.iloc[np.argsort(codes, kind="stable")]
    chunk_of_group, chunk, size = [], 0, 0
    for group_size in np.bincount(codes).tolist():
        if size and size + group_size > max_lines:
            chunk, size = chunk + 1, 0
        chunk_of_group.append(chunk)
        size += group_size
    bounds = np.flatnonzero(np.diff(np.asarray(chunk_of_group)[np.sort(codes)])) + 1
    return [grouped.iloc[start:end] for start, end in zip([0, *bounds], [*bounds, len(grouped)], strict=True)]


def render_csv(rows: pd.DataFrame) -> bytes:
    """RFC 4180 CSV, every field quoted, UTF-8, CRLF; a TRAILER row carries the control totals."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    table = rows.assign(**{name: rows[cents].map(format_cents) for name, cents in MONEY.items()})
    writer.writerows(table[COLUMNS].astype(str).itertuples(index=False, name=None))
    trailer = dict.fromkeys(COLUMNS, "")
    trailer |= {
        "record_type": "TRAILER", "batch_id": rows["batch_id"].iloc[0],
        "order_number": str(rows["order_id"].nunique()), "line_number": str(len(rows)),
        "quantity": str(int(rows["quantity"].sum())),
        "line_total": format_cents(int(rows["line_total_cents"].sum())),
    }  # fmt: skip
    writer.writerow(trailer.values())
    return out.getvalue().encode("utf-8")


@task(name="build-warehouse-files", **PER_RUN)
def build_files(
    rows: pd.DataFrame, max_lines: int, prefix: str, shop_domain: str, built_at: datetime
) -> list[WarehouseFile]:
    """Give the rows their batch id, split them into files, validate and render each file.

    Names start with the UTC time the run built them (`built_at`), so a 3PL working through a pile of
    waiting files in name order takes an order's NEW before its AMEND or CANCEL; runs of a line never
    overlap (leases), so later runs get later names.
    """
    if rows.empty:
        return []
    batch = batch_id(rows)
    shop = shop_domain.removesuffix(".myshopify.com")
    files = []
    for seq, chunk in enumerate(_chunks(rows.assign(batch_id=batch), max_lines), start=1):
        valid = WarehouseOrderRow.validate(chunk.reset_index(drop=True))
        name = f"{prefix}_{shop}_{built_at.astimezone(UTC):%Y%m%dT%H%M%SZ}_{batch}_{seq:03d}.csv"
        files.append(WarehouseFile(name, batch, valid, render_csv(valid)))
    return files
