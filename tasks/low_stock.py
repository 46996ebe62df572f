"""Low stock: per-SKU thresholds, and a problem per SKU and site whose count is below its threshold.

A SKU's threshold is, in order: its row in the thresholds file (SHOPLINES_LOW_STOCK_FILE), the reorder level
in the warehouse's stock file, the file's `*` row, SHOPLINES_LOW_STOCK_DEFAULT. A problem is opened when a
count crosses below and closed (announced as recovered) when a count is back at or above: once per crossing,
not every run. A SKU missing from a count says nothing either way, so its problem stays as it was.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shoplines.alerting import Problem
from shoplines.errors import ConfigError

LOW_STOCK = "low-stock:"  # + sku@site


@dataclass(frozen=True)
class Thresholds:
    """Per-SKU thresholds from configuration, the fallback for every other SKU, and the setting's default."""

    per_sku: dict[str, int]
    everything_else: int | None = None
    default: int | None = None

    @classmethod
    def load(cls, path: Path | None, default: int | None) -> Thresholds:
        """Read the thresholds file (header `sku,threshold`); ConfigError naming the bad row."""
        if path is None:
            return cls({}, None, default)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"SHOPLINES_LOW_STOCK_FILE: cannot read {path}: {exc.strerror}") from exc
        per_sku: dict[str, int] = {}
        for number, row in enumerate(csv.DictReader(io.StringIO(text)), 2):
            sku, value = (row.get("sku") or "").strip(), (row.get("threshold") or "").strip()
            if not sku or not value.isdigit():
                raise ConfigError(
                    f"SHOPLINES_LOW_STOCK_FILE {path} row {number}: needs sku and a whole threshold"
                )
            per_sku[sku] = int(value)
        return cls(per_sku, per_sku.pop("*", None), default)

    def resolve(self, stock: pd.DataFrame) -> pd.Series:
        """The threshold of each row of a stock frame (NA: none configured anywhere)."""
        fallback = self.everything_else if self.everything_else is not None else self.default
        values = [
            self.per_sku.get(sku, level if not pd.isna(level) else fallback)
            for sku, level in zip(stock["sku"], stock["reorder_level"], strict=True)
        ]
        return pd.Series(values, index=stock.index, dtype="Int64")


def key(sku: str, site: str) -> str:
    """The problem key of one SKU at one site."""
    return f"{LOW_STOCK}{sku}@{site}"


def below(stock: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """The stock rows with a threshold, and whether each is below it (`low`)."""
    judged = stock.assign(threshold=thresholds.resolve(stock))
    judged = judged[judged["threshold"].notna()]
    return judged.assign(low=judged["quantity"] < judged["threshold"])


def problems(judged: pd.DataFrame, file_name: str) -> list[Problem]:
    """One problem per SKU and site below its threshold."""
    return [
        Problem(
            key=key(r["sku"], r["site"]),
            title=f"{r['sku']} is low at {r['site']}: {r['quantity']} left (threshold {r['threshold']})",
            what=f"The warehouse counted {r['quantity']} of {r['sku']} at {r['site']} in {file_name}, below "
            f"the threshold of {r['threshold']}.",
            next_step="Reorder or move stock. This closes, announced as recovered, when a count is back at "
            "or above the threshold; it is not repeated every run.",
        )
        for r in judged[judged["low"]].to_dict("records")
    ]


def recovered(judged: pd.DataFrame, open_keys: set[str]) -> list[str]:
    """Open low-stock keys whose SKU and site are now counted at or above the threshold."""
    fine = {key(r["sku"], r["site"]) for r in judged[~judged["low"]].to_dict("records")}
    return sorted(open_keys & fine)
