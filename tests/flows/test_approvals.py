"""Approvals from the Prefect UI's side: a decision through the deploy-able flow, and the daily escalation of
decisions still owed (announced once, cleared once decided)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.approvals import approvals_due, decide_approval
from shoplines.state.store import StateStore
from shoplines.state.tokens import TokenUpdate
from tests.support.receivers import HttpReceiver, http_receiver

pytestmark = pytest.mark.usefixtures("prefect_server")
SHOP = "approvals-shop.myshopify.com"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as running:
        yield running


def test_a_decision_owed_is_escalated_once_and_cleared_when_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, receiver: HttpReceiver
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SHOPLINES_HOME", str(home))
    monkeypatch.setenv("SHOPLINES_SHOP_DOMAIN", SHOP)
    monkeypatch.setenv("SHOPLINES_NOTIFY_WEBHOOK_URL", f"{receiver.url}/hook")
    home.mkdir()
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        ask, _ = state.request_approval(
            SHOP, line="refunds-to-accounting", kind="refund-over-threshold", entity_id="gid://shopify/Refund/1",
            entity_name="#1001", subject="ZA-R-1:abc",
            summary="refund ZA-R-1 of ZAR 6 000.00 is above ZAR 5 000.00",
            detail={"credit_note": "ZA-R-1"}, amount_cents=600_000,
        )  # fmt: skip
    assert approvals_due.fn(older_than_hours=24, days_before_month_end=-1) == []  # fresh, month-end far
    assert approvals_due.fn(older_than_hours=0, days_before_month_end=-1) == [
        f"approval {ask.id}: {ask.summary}"
    ]
    approvals_due.fn(older_than_hours=0, days_before_month_end=-1)
    told = [b for b in receiver.bodies("/hook") if b["key"] == f"approval-due:{ask.id}"]
    assert [b["kind"] for b in told] == ["problem"]  # once

    with pytest.raises(ValueError, match="approve or reject"):
        decide_approval.fn(ask.id, "maybe", "Lerato", "no")  # type: ignore[arg-type]
    said = decide_approval.fn(ask.id, "approve", "Lerato", "return received")
    assert said == f"approval {ask.id} (#1001) approved by Lerato: return received"
    assert approvals_due.fn(older_than_hours=0, days_before_month_end=-1) == []
    told = [b["kind"] for b in receiver.bodies("/hook") if b["key"] == f"approval-due:{ask.id}"]
    assert told == ["problem", "resolved"]
    with pytest.raises(Exception, match="approved already"):
        decide_approval.fn(ask.id, "reject", "Sipho", "changed my mind")


def test_an_idle_xero_connection_is_announced_before_its_refresh_token_dies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, receiver: HttpReceiver
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SHOPLINES_HOME", str(home))
    monkeypatch.setenv("SHOPLINES_SHOP_DOMAIN", SHOP)
    monkeypatch.setenv("SHOPLINES_NOTIFY_WEBHOOK_URL", f"{receiver.url}/hook")
    home.mkdir()

    def stored(days_idle: int) -> None:
        obtained = datetime.now(UTC) - timedelta(days=days_idle)
        with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
            state.save_accounting_connection(
                SHOP, "xero", tenant_id="t-1", tenant_name="Demo (Pty) Ltd", connection_id=None,
                update=TokenUpdate("ciphertext", obtained + timedelta(minutes=30), obtained),
            )  # fmt: skip

    stored(10)
    approvals_due.fn()
    assert [b for b in receiver.bodies("/hook") if b["key"] == "xero-reconnect"] == []
    stored(50)
    approvals_due.fn()
    [warned] = [b for b in receiver.bodies("/hook") if b["key"] == "xero-reconnect"]
    assert "Demo (Pty) Ltd for 50 days" in warned["what"]
    stored(0)  # used again (a run refreshed it)
    approvals_due.fn()
    assert [b["kind"] for b in receiver.bodies("/hook") if b["key"] == "xero-reconnect"] == [
        "problem",
        "resolved",
    ]
