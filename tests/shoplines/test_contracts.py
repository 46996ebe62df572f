"""Line contracts: valid, complete for what the code produces, strict about typos, shown in plain words."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from schemas.inventory import STOCK_STATUSES
from shoplines.lines import LINES, LineContract, contract, describe
from shoplines.state.records import CORRECTION_STATUSES
from tasks.plan_deliveries import ACTIONS


@pytest.mark.parametrize("line", LINES)
def test_each_line_contract_loads(line: str) -> None:
    assert contract(line).line == line


def test_every_record_type_the_planner_can_produce_is_in_the_contract() -> None:
    assert set(contract("orders-to-warehouse").transitions) == set(ACTIONS)


def test_the_inventory_contract_lists_every_status_and_correction_outcome_the_code_produces() -> None:
    inventory = contract("inventory")
    assert {status.upper() for status in STOCK_STATUSES} <= set(inventory.transitions)
    outcomes = {s for s in CORRECTION_STATUSES if s != "intent"}
    assert outcomes == set(inventory.states["approved"])
    assert {"approved", "rejected", "withdrawn"} == set(inventory.states["proposed"])


def test_a_typo_in_a_contract_is_refused_not_ignored() -> None:
    raw = contract("orders-to-warehouse").model_dump(mode="json")
    raw["eligibility"]["exclude_tset"] = True
    with pytest.raises(ValidationError, match="exclude_tset"):
        LineContract.model_validate(raw)
    raw = contract("orders-to-warehouse").model_dump(mode="json")
    raw["on_bad_rows"] = "ignore"
    with pytest.raises(ValidationError, match="on_bad_rows"):
        LineContract.model_validate(yaml.safe_load(yaml.safe_dump(raw)))


def test_an_unknown_line_is_named() -> None:
    with pytest.raises(ValueError, match="unknown line 'orders-to-xero'"):
        contract("orders-to-xero")


def test_the_plain_words_cover_each_transition_and_the_failure_rules() -> None:
    words = "\n".join(describe(contract("orders-to-warehouse")))
    for record_type in ACTIONS:
        assert f"  - {record_type} (" in words
    assert "alert: cancelled after it reached the warehouse" in words
    assert "needs a person:" in words
    assert "Bad orders: the good orders go on" in words
    assert "unclear upload: held for a person" in words
