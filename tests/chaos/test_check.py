"""The chaos verdict can fail: synthetic 3PL journals with lost and duplicated deliveries are counted."""

from __future__ import annotations

from typing import Any

from chaos.check import check, warehouse_state
from chaos.schedule import plan


def received(name: str, sha: str, *orders: tuple[str, str, str, str]) -> dict[str, Any]:
    """A `received.jsonl` entry: (order_number, record_type, order_version, status) per order."""
    keys = ("order_number", "record_type", "order_version", "status")
    rows = [dict(zip(keys, order, strict=True)) for order in orders]
    return {"file_name": name, "sha256": sha, "error": None, "orders": rows}


REFERENCE = [
    received("R1.csv", "r1", ("#1", "NEW", "v1", "ACCEPTED"), ("#2", "NEW", "w2", "ACCEPTED"),
             ("#3", "NEW", "x1", "ACCEPTED"), ("#4", "NEW", "u1", "REJECTED")),
]  # fmt: skip


def test_exactly_once_passes() -> None:
    faulted = [
        received("A.csv", "a", ("#1", "NEW", "v1", "ACCEPTED"), ("#2", "NEW", "w1", "ACCEPTED"),
                 ("#4", "NEW", "u1", "REJECTED"), ("#5", "NEW", "z1", "ACCEPTED")),
        received("B.csv", "b", ("#2", "AMEND", "w2", "ACCEPTED"), ("#3", "NEW", "x1", "ACCEPTED"),
                 ("#5", "CANCEL", "z2", "CANCELLED")),
        received("C.csv", "c", ("#1", "REPLACEMENT", "v1", "ACCEPTED")),
        received("D.csv", "d", ("#1", "REPLACEMENT", "v1", "ACCEPTED")),  # REPLACEMENTs are counted apart
    ]  # fmt: skip
    verdict = check(faulted, REFERENCE, cancelled={"#5"})
    assert verdict.ok, verdict
    assert warehouse_state(faulted) == {"#1": "v1", "#2": "w2", "#3": "x1", "#5": "cancelled"}


def test_lost_and_duplicated_deliveries_are_counted() -> None:
    faulted = [
        received("A.csv", "a", ("#1", "NEW", "v1", "ACCEPTED"), ("#2", "NEW", "w1", "ACCEPTED"),
                 ("#5", "NEW", "z1", "ACCEPTED")),
        # the AMEND of #2 never arrived and #3 never came at all: 2 lost; #5 cancelled in the shop but the
        # warehouse still holds it: its CANCEL was lost (3); #4 (rejected by the reference) never arrived (4)
        received("A.csv", "a", ("#1", "NEW", "v1", "ACCEPTED"), ("#2", "NEW", "w1", "REJECTED"),
                 ("#5", "NEW", "z1", "REJECTED")),  # the same file again: a file and 3 versions twice
        received("B.csv", "b2", ("#1", "NEW", "v1", "REJECTED")),  # a third #1 NEW, in another file
    ]  # fmt: skip
    verdict = check(faulted, REFERENCE, cancelled={"#5"})
    assert len(verdict.lost) == 4, verdict.lost
    assert any("#2" in problem and "w2" in problem for problem in verdict.lost)
    assert any(problem.startswith("#3: the warehouse holds nothing") for problem in verdict.lost)
    assert any(problem.startswith("#5: cancelled in the shop") for problem in verdict.lost)
    assert len(verdict.duplicated) == 4, verdict.duplicated
    assert "#1 NEW version v1 received 3 times" in verdict.duplicated
    assert "file A.csv = A.csv received 2 times" in verdict.duplicated
    assert not verdict.ok


def test_an_amend_overtaking_its_new_is_lost() -> None:
    faulted = [  # the 3PL took the AMEND first: ORDER_NOT_FOUND, then the old NEW stands
        received("B.csv", "b", ("#2", "AMEND", "w2", "REJECTED")),
        received("A.csv", "a", ("#2", "NEW", "w1", "ACCEPTED")),
    ]
    reference = [received("R.csv", "r", ("#2", "NEW", "w2", "ACCEPTED"))]
    assert check(faulted, reference).lost == ["#2: the warehouse holds w1, final is w2"]


def test_schedules_are_deterministic_per_seed_and_index() -> None:
    assert plan(7, 3) == plan(7, 3)
    assert plan(7, 3) != plan(7, 4)
    assert plan(8, 3) != plan(7, 3)
    assert all(2 <= len(plan(1, s).rounds) <= 3 for s in range(20))
    assert all(30 <= plan(1, s).orders <= 60 for s in range(20))
    assert not any(plan(1, s).rounds[0].changes for s in range(20))
