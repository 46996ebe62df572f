"""Month-end end to end: a generated store on the Shopify sandbox over HTTP (orders either side of midnight at
the month boundary in shop time, partial and shipping-only refunds, refunds in the next month, discounts,
zero-rated exports, test and cancelled orders, a late edit), finance's folder on the SFTP sandbox and their
mailbox on aiosmtpd. The pack's control totals are added up here again from Shopify's ground truth."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows.month_end import month_end
from sandbox.clock import SandboxClock, parse_instant
from sandbox.sftp.server import RunningSftp
from sandbox.shopify.generator import add_generated_order, generate_store
from sandbox.shopify.scenarios import Scenario
from sandbox.shopify.server import start_shopify_sandbox
from shoplines.demo_problems import dollar_copy
from shoplines.state.store import StateStore
from tasks.pack_issue import PackInvalid
from tasks.pack_period import period
from tests.support.receivers import Mailbox, smtp_server

pytestmark = pytest.mark.usefixtures("prefect_server")
START = datetime(2026, 9, 2, 6, 0, tzinfo=UTC)  # the store's clock: August is a whole month behind it
BEFORE_MIDNIGHT = datetime(2026, 8, 31, 21, 30, tzinfo=UTC)  # 23:30 on 31 August, shop time: August
AFTER_MIDNIGHT = datetime(2026, 8, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 September, shop time: September
HOSTILE = ['=HYPERLINK("http://evil.test","x")', "+27 cmd", "-2+3", "@SUM(A1)", "\tTAB"]


def money(bag: dict[str, Any] | None) -> Decimal:
    return Decimal(bag["shopMoney"]["amount"]) if bag else Decimal(0)


def plant(store: Any) -> dict[str, str]:
    """Boundary orders, an export with discounts, and hostile text in tags, a line name and a refund note."""
    before = add_generated_order(store, BEFORE_MIDNIGHT, Scenario(discount="both"))
    after = add_generated_order(store, AFTER_MIDNIGHT, Scenario(export=True, discount="percent"))
    august = [o for o in store.orders() if not o["test"] and "2026-08-10" <= o["processedAt"] < "2026-08-30"]
    target = next(o for o in august if o.get("refunds"))
    target["tags"] = HOSTILE[:2]
    target["lineItems"]["nodes"][0]["name"] = HOSTILE[2]
    target["refunds"][0]["note"] = HOSTILE[3]
    store.put_order(target)
    return {"before": before["name"], "after": after["name"], "hostile": target["name"]}


def expected(truth: list[dict[str, Any]], month: str) -> dict[str, str]:
    """The month's control totals from Shopify's ground truth, by order-level fields and refund lines."""
    span = period(month, "Africa/Johannesburg")
    sold = [o for o in truth if not o["test"] and span.contains(parse_instant(o["processedAt"]))]
    total = sum((money(o["totalPriceSet"]) for o in sold), Decimal(0))
    returned = paid = Decimal(0)
    count = 0
    for o in (o for o in truth if not o["test"]):
        for r in o.get("refunds", []):
            if span.contains(parse_instant(r["createdAt"])):
                contents = sum((money(i["subtotalSet"]) for i in r["refundLineItems"]["nodes"]), Decimal(0))
                contents += sum(
                    (money(s["subtotalAmountSet"]) for s in r["refundShippingLines"]["nodes"]), Decimal(0)
                )
                returned += max(contents, money(r["totalRefundedSet"]))
                paid += money(r["totalRefundedSet"])
                count += 1
    return {
        "sales: orders": str(len(sold)),
        "sales: sales total": f"{total:.2f}",
        "sales: discounts": f"{sum((money(o['totalDiscountsSet']) for o in sold), Decimal(0)):.2f}",
        "sales: shipping": f"{sum((money(o['totalShippingPriceSet']) for o in sold), Decimal(0)):.2f}",
        "refunds: refunds": f"{returned:.2f}",
        "refunds: paid back": f"{paid:.2f}",
    }


@pytest.fixture
def shop() -> Iterator[tuple[Any, dict[str, str], httpx.Client]]:
    clock = SandboxClock(START, scale=100.0)
    store = generate_store(11, orders=70, clock=clock)
    planted = plant(store)
    with (
        start_shopify_sandbox(store, clock) as running,
        httpx.Client(base_url=running.admin_url, timeout=10) as admin,
    ):
        yield running, planted, admin


def configure(
    monkeypatch: pytest.MonkeyPatch, home: Path, running: Any, sftp: RunningSftp, box: Mailbox
) -> None:
    env = {
        "HOME": str(home),
        "SHOP_DOMAIN": running.shop,
        "SHOPIFY_URL": running.url,
        "SHOPIFY_TOKEN": running.token,
        "SHOPIFY_TIME_SCALE": "100",
        "SHOPIFY_TIMEOUT_SECONDS": "5",
        "SFTP_HOST": sftp.host,
        "SFTP_PORT": str(sftp.port),
        "SFTP_USERNAME": sftp.username,
        "SFTP_PASSWORD": sftp.password,
        "SFTP_KNOWN_HOSTS": str(sftp.known_hosts),
        "MONTH_END_SFTP_DIR": "finance/month-end",
        "MONTH_END_EMAIL_TO": json.dumps(["finance@shop.test"]),
        "SMTP_HOST": box.host,
        "SMTP_PORT": str(box.port),
        "SMTP_SECURITY": "none",
    }
    for name, value in env.items():
        monkeypatch.setenv(f"SHOPLINES_{name}", value)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def truth(admin: httpx.Client) -> list[dict[str, Any]]:
    return list(admin.get("/orders").raise_for_status().json()["orders"])


def test_a_month_ties_out_is_delivered_once_and_later_changes_become_adjustments(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    shop: tuple[Any, dict[str, str], httpx.Client],
    sftp_sandbox: RunningSftp,
) -> None:
    running, planted, admin = shop
    with smtp_server() as box:
        configure(monkeypatch, tmp_path / "home", running, sftp_sandbox, box)
        monkeypatch.delenv("SHOPLINES_MONTH_END_EMAIL_TO")  # finance's mailbox is added later
        august = month_end("2026-08")
        assert (august.outcome, august.pack) == ("delivered", "2026-08-r1")
        assert {k: august.control_totals[k] for k in expected(truth(admin), "2026-08")} == expected(
            truth(admin), "2026-08"
        )
        folder = Path(str(august.folder))
        orders = {r["order"]: r for r in rows(folder / "orders.csv")}
        assert planted["before"] in orders  # 23:30 on the last day, shop time
        assert planted["after"] not in orders  # 00:30 on the 1st, shop time: next month
        remote = sftp_sandbox.root / "finance/month-end/2026-08-r1"
        assert sorted(p.name for p in remote.iterdir()) == sorted(p.name for p in folder.iterdir())
        manifest = json.loads((remote / "manifest.json").read_text())
        assert manifest["fingerprint"] == august.fingerprint
        assert box.messages == []

        # The same data is the same pack: it goes only where it has not been (the new mailbox), once.
        monkeypatch.setenv("SHOPLINES_MONTH_END_EMAIL_TO", json.dumps(["finance@shop.test"]))
        again = month_end("2026-08")
        assert (again.outcome, again.pack, again.fingerprint) == (
            "delivered",
            "2026-08-r1",
            august.fingerprint,
        )
        assert again.delivered_to == ["email", "sftp:finance/month-end/2026-08-r1"]
        [mail] = box.messages
        attached = {part.get_filename() for part in mail.iter_attachments()}
        assert attached == {"month-end-2026-08-r1.xlsx", "2026-08-r1-manifest.json", "2026-08-r1-csv.zip"}
        assert month_end("2026-08").outcome == "unchanged"
        assert len(box.messages) == 1

        # A cancelled order shows its cancellation, and its reversal is among the month's refunds.
        span = period("2026-08", "Africa/Johannesburg")
        cancelled = [o["name"] for o in truth(admin) if not o["test"] and o["cancelledAt"]
                     and span.contains(parse_instant(o["cancelledAt"]))]  # fmt: skip
        assert cancelled
        reversed_ = {r["order"] for r in rows(folder / "refunds.csv")}
        for name in cancelled:
            assert orders[name]["cancelled_at"].startswith("2026-08")
            assert name in reversed_

        # Hostile text is inert: neutralised in the CSV, a string (never a formula) in the workbook.
        hostile = orders[planted["hostile"]]
        assert hostile["tags"] == "'" + ", ".join(HOSTILE[:2])
        names = [r["name"] for r in rows(folder / "line_items.csv") if r["order"] == planted["hostile"]]
        assert f"'{HOSTILE[2]}" in names
        notes = [r["note"] for r in rows(folder / "refunds.csv") if r["order"] == planted["hostile"]]
        assert f"'{HOSTILE[3]}" in notes

        # September: an August order edited and another refunded. August is closed: not rewritten.
        edited = next(o for o in truth(admin) if o["name"] == planted["before"])
        line = edited["lineItems"]["nodes"][0]
        total_before = money(edited["totalPriceSet"])
        admin.post(
            f"/orders/{edited['legacyResourceId']}/edit",
            json={"lines": [{"id": line["id"], "quantity": line["quantity"] + 1}]},
        ).raise_for_status()
        refunded = next(o for o in truth(admin) if o["name"] == planted["hostile"])
        admin.post(f"/orders/{refunded['legacyResourceId']}/refund", json={"shipping": True, "note": "=1+2"})
        closed = month_end("2026-08")
        assert (closed.outcome, closed.pack) == ("closed", "2026-08-r1")
        assert any(item.startswith(planted["before"]) for _, item, *_ in closed.changes)

        september = month_end("2026-09")
        assert september.pack == "2026-09-r1"
        assert {k: september.control_totals[k] for k in expected(truth(admin), "2026-09")} == expected(
            truth(admin), "2026-09"
        )
        sept = Path(str(september.folder))
        [adjusted] = {r["order"] for r in rows(sept / "adjustments.csv")}
        assert adjusted == planted["before"]
        change = sum(Decimal(r["total"]) for r in rows(sept / "adjustments.csv"))
        total_after = money(next(o for o in truth(admin) if o["name"] == planted["before"])["totalPriceSet"])
        assert change == total_after - total_before > 0
        late = [r for r in rows(sept / "refunds.csv") if r["order"] == planted["hostile"]]
        assert {r["order_month"] for r in late} == {"2026-08"}
        assert {r["note"] for r in late} == {"'=1+2"}

        # --revise re-issues August as r2 with what changed.
        revised = month_end("2026-08", revise=True)
        assert (revised.outcome, revised.pack) == ("delivered", "2026-08-r2")
        assert (sftp_sandbox.root / "finance/month-end/2026-08-r2/changes.csv").exists()
        with StateStore.open(f"sqlite:///{tmp_path / 'home' / 'state.db'}") as state:
            issued = [p.name for p in state.month_end_packs(running.shop)]
            told = [a.title for a in state.alerts(running.shop, status="resolved")]
        assert issued == ["2026-08-r1", "2026-08-r2", "2026-09-r1"]
        assert "2026-08 changed after its pack 2026-08-r1 was issued" in told  # the closed month's changes
    with zipfile.ZipFile(io.BytesIO(mail.get_payload()[-1].get_content())) as archive:
        assert "orders.csv" in archive.namelist()


def test_a_pack_that_does_not_tie_out_to_shopify_is_not_delivered(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    shop: tuple[Any, dict[str, str], httpx.Client],
    sftp_sandbox: RunningSftp,
) -> None:
    running, _planted, admin = shop
    august = next(
        o
        for o in truth(admin)
        if not o["test"] and not o.get("refunds") and o["processedAt"].startswith("2026-08-1")
    )
    broken = dollar_copy(august, "#9555", id_prefix="7") | {"currencyCode": "ZAR"}
    broken["totalTaxSet"] = {"shopMoney": {"amount": "1.00", "currencyCode": "ZAR"}}  # not its lines' VAT
    admin.post("/orders", json={"order": broken}).raise_for_status()
    with smtp_server() as box:
        configure(monkeypatch, tmp_path / "home", running, sftp_sandbox, box)
        monkeypatch.setenv("SHOPLINES_MONTH_END_SFTP_DIR", "finance/broken")
        with pytest.raises(PackInvalid, match="VAT"):
            month_end("2026-08")
        assert not (sftp_sandbox.root / "finance/broken").exists()
        [notice] = box.messages
        assert "does not tie out" in str(notice["Subject"])
        assert "Shopify's VAT for 2026-08" in notice.get_content()
