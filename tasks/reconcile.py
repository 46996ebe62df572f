"""Reconciliation of orders → warehouse: pure comparison of Shopify now against the delivery ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from shoplines.alerting import Problem
from shoplines.state.records import QuarantineRecord
from tasks.extract import Pulled

RECONCILE = "reconcile"  # the alerts' line name for reconciliation problems
BEHIND = ("NEW", "AMEND", "CANCEL")  # the warehouse lacks what these would send


@dataclass(frozen=True)
class Reconciliation:
    """Counts along the line for a window, and the orders that do not tie out."""

    shopify_count: int
    count_precision: str
    received: int
    eligible: int
    current: int  # eligible orders whose current version the warehouse has
    rejected_now: int  # orders failing their checks in this read
    quarantined_open: int
    missing: list[str] = field(default_factory=list)  # never sent
    stale: list[str] = field(default_factory=list)  # the warehouse has an older version
    not_withdrawn: list[str] = field(default_factory=list)  # delivered, no longer to ship, no CANCEL sent
    in_flight: list[str] = field(default_factory=list)  # changed in the last minutes: the schedule will send

    @property
    def ties_out(self) -> bool:
        counted = self.count_precision == "EXACT" and self.shopify_count == self.received
        return counted and not (self.missing or self.stale or self.not_withdrawn or self.rejected_now)

    def sentence(self) -> str:
        parts = [
            f"Shopify counts {self.shopify_count}{'' if self.count_precision == 'EXACT' else ' (at least)'}",
            f"received {self.received}",
            f"eligible {self.eligible}",
            f"warehouse has the current version of {self.current}",
            f"missing {len(self.missing)}",
            f"older version {len(self.stale)}",
            f"not withdrawn {len(self.not_withdrawn)}",
            f"failing checks {self.rejected_now}",
            f"in flight {len(self.in_flight)}",
        ]
        return ", ".join(parts) + (": ties out" if self.ties_out else ": DOES NOT TIE OUT")

    def problem(self, key: str, window: str) -> Problem:
        def names(items: list[str]) -> str:
            return ", ".join(items[:10]) + (f" and {len(items) - 10} more" if len(items) > 10 else "")

        counted = self.count_precision == "EXACT" and self.shopify_count == self.received
        details = [
            f"never sent: {names(self.missing)}" if self.missing else "",
            f"the warehouse has an older version: {names(self.stale)}" if self.stale else "",
            f"not to ship, no CANCEL sent: {names(self.not_withdrawn)}" if self.not_withdrawn else "",
            f"{self.rejected_now} order(s) fail their checks" if self.rejected_now else "",
            ""
            if counted
            else f"Shopify counts {self.shopify_count} ({self.count_precision}), {self.received} read",
        ]
        return Problem(
            key,
            f"the warehouse does not match Shopify for {window}",
            "; ".join(d for d in details if d) + ".",
            "Re-run the days (`shoplines run orders-to-warehouse --from … --to …`): only what is missing is "
            "sent. Orders failing checks: `shoplines quarantine list`. Then reconcile again.",
            {
                "eligible": self.eligible,
                "current": self.current,
                "missing": len(self.missing),
                "older": len(self.stale),
                "not withdrawn": len(self.not_withdrawn),
            },
        )


def reconcile_window(
    pulled: Pulled,
    planned: pd.DataFrame,
    rejected_now: int,
    quarantined: Sequence[QuarantineRecord],
    *,
    now: datetime,
    in_flight: timedelta,
) -> Reconciliation:
    """What a run now would send is what the warehouse lacks; recent changes are only `in_flight`."""
    recent = planned["updated_at"] >= pd.Timestamp(now - in_flight)
    action = planned["action"].astype(str)
    lacking = planned[action.isin(BEHIND) & ~recent]

    def named(kind: str) -> list[str]:
        return sorted(lacking.loc[lacking["action"].astype(str) == kind, "order_name"].astype(str))

    return Reconciliation(
        shopify_count=pulled.counted,
        count_precision=pulled.precision,
        received=len(pulled.orders),
        eligible=int(planned["eligible"].sum()),
        current=int((planned["eligible"] & (action == "UNCHANGED")).sum()),
        rejected_now=rejected_now,
        quarantined_open=len(quarantined),
        missing=named("NEW"),
        stale=named("AMEND"),
        not_withdrawn=named("CANCEL"),
        in_flight=sorted(planned.loc[action.isin(BEHIND) & recent, "order_name"].astype(str)),
    )
