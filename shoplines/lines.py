"""Per-line contracts: read from the line's YAML, validated, and enforced by the code that runs the line."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

WAREHOUSE_DESTINATION = "warehouse-sftp"  # the ledger's name for the 3PL's SFTP inbound folder


class EligibilityRule(BaseModel):
    """Which orders the warehouse should receive (documented in the contract YAML)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    financial_statuses: frozenset[str] = frozenset({"PAID", "AUTHORIZED", "PARTIALLY_REFUNDED"})
    exclude_test: bool = True
    exclude_cancelled: bool = True
    exclude_on_hold: bool = True
    require_shipping: bool = True


class Transition(BaseModel):
    """One record type the line may produce: when, whether it is sent, and who must hear of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    when: str
    sent: bool
    alert: str | None = None  # announced to people, once per order
    checkpoint: str | None = None  # a person must decide; announced once per order until it clears


class LineContract(BaseModel):
    """A line's contract. Unknown keys are refused so a typo cannot switch a rule off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: str
    description: str
    source_of_truth: dict[str, str]
    business_date: str
    eligibility: EligibilityRule | None = None  # lines that select orders to send
    version_fields: list[str] = Field(default_factory=list)
    on_bad_rows: Literal["proceed", "halt"]
    transitions: dict[str, Transition] = Field(min_length=1)
    states: dict[str, list[str]] = Field(default_factory=dict)  # a record's state → the states it may move to
    unknown_transition: Literal["quarantine"]
    failure_semantics: dict[str, str]

    def allows(self, record_type: str) -> bool:
        return record_type in self.transitions


LINES = (
    "orders-to-warehouse",
    "warehouse-feedback",
    "orders-to-accounting",
    "refunds-to-accounting",
    "inventory",
)


@cache
def contract(line: str) -> LineContract:
    """The line's contract as shipped with shoplines (ValueError: no such line, or an invalid file)."""
    if line not in LINES:
        raise ValueError(f"unknown line {line!r}; the lines are {', '.join(LINES)}")
    text = resources.files("shoplines.contracts").joinpath(f"{line}.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return LineContract.model_validate(loaded)


def eligibility_rule(line: str = "orders-to-warehouse") -> EligibilityRule:
    """The eligibility rule from the line's contract (ValueError: the line selects no orders)."""
    rule = contract(line).eligibility
    if rule is None:
        raise ValueError(f"the {line} contract has no eligibility rule")
    return rule


def describe(contract: LineContract) -> list[str]:
    """The contract in plain words, a line each, for `shoplines contract show`."""
    rule = contract.eligibility
    out = [f"{contract.line}: {contract.description}", "", "Where the truth lives:"]
    out += [f"  - {entity}: {source}" for entity, source in contract.source_of_truth.items()]
    out += ["", f"Business date: {contract.business_date}", ""]
    if rule is not None:
        out.append("Sent when:")
        out.append(f"  - the payment status is one of {', '.join(sorted(rule.financial_statuses))}")
        flags = {
            "exclude_test": "test orders are never sent",
            "exclude_cancelled": "cancelled orders are not sent (one already delivered gets a CANCEL record)",
            "exclude_on_hold": "orders on hold wait until the hold is released",
            "require_shipping": "only lines the warehouse ships (assigned to its location) are sent",
        }
        out += [f"  - {text}" for name, text in flags.items() if getattr(rule, name)]
        out.append("")
    if contract.version_fields:
        out += [f"A new version is sent when one of these changes: {', '.join(contract.version_fields)}", ""]
    if contract.states:
        out.append("How a record moves:")
        out += [
            f"  - {state} → {', '.join(nxt) or 'nothing (final)'}" for state, nxt in contract.states.items()
        ]
        out.append("")
    out.append("What we do with each record:")
    for record_type, step in contract.transitions.items():
        sent = "sent" if step.sent else "not sent"
        out.append(f"  - {record_type} ({sent}): {step.when}")
        if step.alert:
            out.append(f"      alert: {step.alert}")
        if step.checkpoint:
            out.append(f"      needs a person: {step.checkpoint}")
    out.append("  - anything else: held back in quarantine with its reason, never sent")
    policy = {
        "proceed": "the good orders go on; the bad ones wait in quarantine (shoplines quarantine list)",
        "halt": "nothing is sent while any order is bad",
    }
    out += ["", f"Bad orders: {policy[contract.on_bad_rows]}", "", "When things fail:"]
    out += [f"  - {name.replace('_', ' ')}: {text}" for name, text in contract.failure_semantics.items()]
    return out
