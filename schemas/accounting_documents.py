"""What the books receive: one strict row per document line we are about to post (money in integer cents).

Checked before anything is sent: a line whose amount is not quantity x unit amount to the cent, tax larger
than its line, a tax type or account missing, or a document whose lines do not add up to its total and tax,
is never posted (the ledger keeps it as failed with the reason, and people hear of it).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

KINDS = ["invoice", "credit_note"]


class OutgoingDocumentLine(pa.DataFrameModel):
    """A line of an invoice or credit note, VAT included, with its document's totals alongside."""

    number: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 255})
    kind: Series[str] = pa.Field(isin=KINDS)
    currency: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    description: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 4000})
    quantity_milli: Series[int] = pa.Field(gt=0)  # quantity x 1000 (Xero takes 4 dp; ours are whole or 2 dp)
    unit_tenthousandths: Series[int]  # unit amount x 10 000 (Xero's unitdp=4)
    line_cents: Series[int]
    tax_cents: Series[int]
    tax_type: Series[str] = pa.Field(str_length={"min_value": 1})
    account_code: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 10})
    total_cents: Series[int]
    total_tax_cents: Series[int]

    class Config:
        strict = True
        coerce = True

    @pa.dataframe_check(error="line amount is not quantity x unit amount to the cent")
    @classmethod
    def line_adds_up(cls, df: pd.DataFrame) -> pd.Series:
        exact = df["quantity_milli"] * df["unit_tenthousandths"] - df["line_cents"] * 100_000
        return exact.abs() < 100_000  # within a cent

    @pa.dataframe_check(error="tax is larger than its line")
    @classmethod
    def tax_within_line(cls, df: pd.DataFrame) -> pd.Series:
        return df["tax_cents"].abs() <= df["line_cents"].abs()

    @pa.dataframe_check(error="the lines do not add up to the document's total and tax")
    @classmethod
    def document_adds_up(cls, df: pd.DataFrame) -> pd.Series:
        sums = df.groupby("number")[["line_cents", "tax_cents"]].transform("sum")
        return (sums["line_cents"] == df["total_cents"]) & (sums["tax_cents"] == df["total_tax_cents"])
