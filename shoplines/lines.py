"""Per-line configuration read from the line's contract file (eligibility and record types)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

WAREHOUSE_DESTINATION = "warehouse-sftp"  # the ledger's name for the 3PL's SFTP inbound folder


class EligibilityRule(BaseModel):
    """Which orders the warehouse should receive (documented in the contract YAML)."""

    model_config = ConfigDict(frozen=True)

    financial_statuses: frozenset[str] = frozenset({"PAID", "AUTHORIZED", "PARTIALLY_REFUNDED"})
    exclude_test: bool = True
    exclude_cancelled: bool = True
    exclude_on_hold: bool = True
    require_shipping: bool = True


@cache
def contract(line: str) -> dict[str, Any]:
    """The line's contract as shipped with shoplines."""
    text = resources.files("shoplines.contracts").joinpath(f"{line}.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def eligibility_rule(line: str = "orders-to-warehouse") -> EligibilityRule:
    """The eligibility rule from the line's contract."""
    return EligibilityRule(**contract(line)["eligibility"])
