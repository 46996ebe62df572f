"""Alerts over a real webhook receiver: owed announcements survive a channel outage, a resolution is never
the last word on a problem that is open again, and a problem that grows is told again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clients.notify import JsonWebhook, Notifier
from shoplines.alerting import Alerts, Problem
from shoplines.state.store import StateStore
from tests.support.receivers import HttpReceiver, http_receiver

SHOP, LINE = "shoplines-demo.myshopify.com", "orders-to-warehouse"


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Alerts, HttpReceiver]]:
    with http_receiver() as receiver, StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        alerts = Alerts(state, Notifier([JsonWebhook(f"{receiver.url}/hook")]), SHOP, LINE, emit=False)
        yield alerts, receiver


def told(receiver: HttpReceiver) -> list[tuple[str, str]]:
    return [(b["kind"], b["key"]) for b in receiver.bodies("/hook")]


def test_an_announcement_no_channel_took_is_sent_by_a_later_run(setup: tuple[Alerts, HttpReceiver]) -> None:
    alerts, receiver = setup
    receiver.status = 503
    alerts.report(Problem("cancelled:gid://shopify/Order/1:abc", "#1 withdrawn", "w", "n", kind="event"))
    alerts.report(Problem("run-failed:scheduled", "failed", "w", "n"))
    receiver.status = 200
    alerts.flush_pending()
    assert told(receiver)[-2:] == [("problem", "cancelled:gid://shopify/Order/1:abc"),
                                   ("problem", "run-failed:scheduled")]  # fmt: skip
    alerts.flush_pending()
    assert len(told(receiver)) == 4  # two refused, two sent; nothing owed any more
    assert alerts.open_keys() == {"run-failed:scheduled"}  # the announcement is done, the problem is not


def test_a_resolution_owed_for_a_problem_open_again_is_dropped(setup: tuple[Alerts, HttpReceiver]) -> None:
    alerts, receiver = setup
    failed = Problem("run-failed:scheduled", "failed", "w", "n")
    alerts.report(failed)
    receiver.status = 503
    alerts.clear(["run-failed:scheduled"])  # the next run worked, but nobody could be told
    receiver.status = 200
    alerts.report(failed)  # and the one after failed again
    alerts.flush_pending()
    assert [k for k, _ in told(receiver)] == ["problem", "resolved", "problem"]  # the middle one was refused
    alerts.flush_pending()
    assert len(told(receiver)) == 3


def test_a_problem_that_grows_is_told_again_and_one_that_stays_is_not(
    setup: tuple[Alerts, HttpReceiver],
) -> None:
    alerts, receiver = setup
    alerts.report(Problem("quarantine", "2 orders", "w", "n", {"orders in quarantine": 2}))
    alerts.report(Problem("quarantine", "2 orders", "w", "n", {"orders in quarantine": 2}))
    alerts.report(Problem("quarantine", "1 order", "w", "n", {"orders in quarantine": 1}))
    assert len(told(receiver)) == 1
    alerts.report(Problem("quarantine", "3 orders", "w", "n", {"orders in quarantine": 3}))
    assert [b["title"] for b in receiver.bodies("/hook")] == ["2 orders", "3 orders"]
