"""Check the documents we are about to post against `OutgoingDocumentLine`: bad ones are held back, whole,
with every reason; the rest go on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pandas as pd
import pandera.errors

from schemas.accounting_documents import OutgoingDocumentLine
from tasks.accounting_types import SalesDocument, cents_of


def _rows(docs: Sequence[SalesDocument]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "number": d.number,
                "kind": d.kind,
                "currency": d.currency,
                "description": line.description,
                "quantity_milli": int(line.quantity * 1000),
                "unit_tenthousandths": int(line.unit_amount * 10_000),
                "line_cents": cents_of(line.line_amount),
                "tax_cents": cents_of(line.tax_amount),
                "tax_type": line.tax_type,
                "account_code": line.account_code,
                "total_cents": cents_of(d.total),
                "total_tax_cents": cents_of(d.total_tax),
            }
            for d in docs
            for line in d.lines
        ],
        columns=list(OutgoingDocumentLine.to_schema().columns),
    )


def check_documents(
    docs: Sequence[SalesDocument],
) -> tuple[list[SalesDocument], list[tuple[SalesDocument, str]]]:
    """(documents fit to post, [(document, why not)]); a document without lines is never fit."""
    empty = [(d, "the document has no lines") for d in docs if not d.lines]
    candidates = [d for d in docs if d.lines]
    reasons: dict[str, set[str]] = defaultdict(set)
    if candidates:
        frame = _rows(candidates)
        try:
            OutgoingDocumentLine.validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as exc:
            for case in exc.failure_cases.to_dict("records"):
                index = case.get("index")
                number = str(frame.at[index, "number"]) if index is not None and index in frame.index else "?"
                check = str(case.get("check"))
                column = case.get("column")
                reasons[number].add(check if column in (None, "") else f"{column}: {check}")
    good = [d for d in candidates if d.number not in reasons]
    bad = [(d, "; ".join(sorted(reasons[d.number]))) for d in candidates if d.number in reasons]
    return good, empty + bad
