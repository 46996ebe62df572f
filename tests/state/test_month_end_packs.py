"""Month-end packs in the state: each revision once, delivered where it went, and the baseline of an order
of a closed month (its month's latest revision, plus adjustments issued after it in later months)."""

from __future__ import annotations

import pytest

from shoplines.state.packs import PackFigure
from shoplines.state.store import StateConflict, StateStore
from tests.state.factories import SHOP, start

ORDER = "gid://shopify/Order/1001"


def issue(store: StateStore, month: str, revision: int, *figures: PackFigure) -> int:
    run = start(store)
    return store.record_pack(
        SHOP,
        month=month,
        revision=revision,
        run_id=run,
        fingerprint=f"{month}{revision}",
        manifest={"pack": f"{month}-r{revision}"},
        figures=figures,
    ).id


def test_a_revision_is_issued_once_and_remembers_where_it_went(store: StateStore) -> None:
    pack = issue(store, "2026-08", 1, PackFigure(ORDER, "#1001", "order", {"VAT 15%": [100, 0, 0, 13, 100]}))
    with pytest.raises(StateConflict, match="2026-08-r1 is already issued"):
        issue(store, "2026-08", 1)
    store.pack_delivered(pack, ["email"])
    done = store.pack_delivered(pack, ["sftp:finance/2026-08-r1", "email"])
    assert (done.status, done.delivered_to) == ("delivered", ["email", "sftp:finance/2026-08-r1"])
    assert store.pack_figures(pack) == {ORDER: ("#1001", {"VAT 15%": [100, 0, 0, 13, 100]})}


def test_the_baseline_is_the_latest_revision_plus_later_adjustments(store: StateStore) -> None:
    issue(store, "2026-08", 1, PackFigure(ORDER, "#1001", "order", {"VAT 15%": [100, 0, 0, 13, 100]}))
    issue(store, "2026-09", 1, PackFigure(ORDER, "#1001", "adjustment", {"VAT 15%": [50, 0, 0, 6, 50]}))
    assert store.month_end_baselines(SHOP, [ORDER], "2026-10") == {
        ORDER: ([{"VAT 15%": [100, 0, 0, 13, 100]}, {"VAT 15%": [50, 0, 0, 6, 50]}], "2026-08-r1")
    }
    assert store.month_end_baselines(SHOP, [ORDER], "2026-09") == {
        ORDER: ([{"VAT 15%": [100, 0, 0, 13, 100]}], "2026-08-r1")  # its own month's adjustment is not yet
    }
    # August re-issued after September: r2 holds the change already, September's adjustment is not added.
    issue(store, "2026-08", 2, PackFigure(ORDER, "#1001", "order", {"VAT 15%": [150, 0, 0, 19, 150]}))
    assert store.month_end_baselines(SHOP, [ORDER], "2026-10") == {
        ORDER: ([{"VAT 15%": [150, 0, 0, 19, 150]}], "2026-08-r2")
    }
    assert store.month_end_baselines(SHOP, [ORDER], "2026-08") == {}  # nothing closed before August
