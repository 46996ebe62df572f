"""A daily line that stopped is a silent failure too: the freshness check watches the accounting lines'
daily runs (one a day), and a completed daily run clears it; a run for chosen days does not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.freshness import freshness_check
from shoplines.state.store import StateStore

pytestmark = pytest.mark.usefixtures("prefect_server")
SHOP = "daily-shop.myshopify.com"
LINE = "orders-to-accounting"


def test_a_daily_line_with_no_completed_daily_run_is_announced_and_cleared_by_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SHOPLINES_HOME", str(home))
    monkeypatch.setenv("SHOPLINES_SHOP_DOMAIN", SHOP)
    now = datetime.now(UTC)

    def run(params: dict[str, object]) -> None:
        with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
            run_id = state.start_run(SHOP, LINE, "processed", now - timedelta(days=1), now, params)
            state.finish_run(run_id, "completed", {"invoices_posted": 1})

    run({"from": "2026-11-01", "to": "2026-11-01", "incremental": False})  # finance's hand-picked days
    assert freshness_check.fn(line=LINE, every_minutes=1440) == [
        "no scheduled run of orders-to-accounting has completed for 3 intervals"
    ]
    run({"from": "2026-11-26", "to": "2026-11-27", "incremental": True})  # the daily deployment's run
    assert freshness_check.fn(line=LINE, every_minutes=1440) == []
    with pytest.raises(ValueError, match="every_minutes"):
        freshness_check.fn(line=LINE, every_minutes=0)
