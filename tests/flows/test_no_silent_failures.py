"""No silent failures, end to end: a bad order, a change needing a person, a cancel after delivery, a failed
run and a missed schedule each reach people once (a loopback webhook receiver and a real SMTP server) and
each leaves a story `trace` can tell."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from flows.freshness import freshness_check
from flows.orders_to_warehouse import orders_to_warehouse
from flows.reconcile import reconcile
from sandbox.sftp.server import RunningSftp
from shoplines.dates import business_day
from shoplines.demo_problems import dollar_copy
from shoplines.state.store import StateStore
from tests.clients.shopify_sandbox import Shop, running_shop
from tests.flows.test_orders_to_warehouse import FIRST, LAST, configure, delivered, pick, sandbox_warehouse
from tests.support.receivers import HttpReceiver, Mailbox, http_receiver, smtp_server

pytestmark = pytest.mark.usefixtures("prefect_server")
PLANTED_SECRET = "s3cret-webhook-token-123"  # planted: must never be shown


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running_shop(seed=7, orders=40) as running:
        yield running


@pytest.fixture
def people() -> Iterator[tuple[HttpReceiver, Mailbox]]:
    """Where notices go: a webhook receiver and a mailbox."""
    with http_receiver() as receiver, smtp_server() as mailbox:
        yield receiver, mailbox


def notices(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return receiver.bodies(f"/hook/{PLANTED_SECRET}")


def announced(receiver: HttpReceiver, prefix: str) -> list[tuple[str, str]]:
    return [(n["kind"], n["key"]) for n in notices(receiver) if n["key"].startswith(prefix)]


def bad_copy(shop: Shop, template: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of `template` as a new order in US dollars: a shop in ZAR must quarantine it."""
    return shop.post("/orders", {"order": dollar_copy(template, name)})["order"]


def test_each_problem_reaches_people_once_and_leaves_a_story(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    shop: Shop,
    sftp_sandbox: RunningSftp,
    people: tuple[HttpReceiver, Mailbox],
) -> None:
    receiver, mailbox = people
    home = tmp_path / "home"
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, home, shop, warehouse)
    monkeypatch.setenv("SHOPLINES_NOTIFY_WEBHOOK_URL", f"{receiver.url}/hook/{PLANTED_SECRET}")
    monkeypatch.setenv("SHOPLINES_NOTIFY_EMAIL_TO", json.dumps(["ops@shop.test"]))
    monkeypatch.setenv("SHOPLINES_SMTP_HOST", mailbox.host)
    monkeypatch.setenv("SHOPLINES_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("SHOPLINES_SMTP_SECURITY", "none")
    monkeypatch.setenv("SHOPLINES_UI_URL", "http://127.0.0.1:4200")
    monkeypatch.setenv("SHOPLINES_SHOPIFY_DEADLINE_SECONDS", "2")

    first = orders_to_warehouse(FIRST, LAST)
    sent = set(delivered(warehouse.files()))
    assert notices(receiver) == []  # a clean run says nothing

    # A bad row: quarantined with its reason, announced once, good orders still delivered.
    template = next(o for o in shop.truth() if o["name"] in sent)
    bad = bad_copy(shop, template, "#9001")
    changed, withdrawn = pick(shop, sent, 2)
    shop.post(f"/orders/{changed['legacyResourceId']}/edit", {"shipping_address": {"address1": "1 Bree St"}})
    shop.post(f"/orders/{changed['legacyResourceId']}/hold", {"reason": "OTHER"})
    shop.post(f"/orders/{withdrawn['legacyResourceId']}/cancel", {"reason": "CUSTOMER"})
    second = orders_to_warehouse(FIRST, LAST)
    assert (second["quarantined"], second["cancelled"], second["held"]) == (1, 1, 1)
    assert announced(receiver, "quarantine") == [("problem", "quarantine")]
    assert announced(receiver, "held:") == [("problem", f"held:{changed['id']}")]
    assert [k for k, _ in announced(receiver, "cancelled:")] == ["problem"]
    quarantine_notice = next(n for n in notices(receiver) if n["key"] == "quarantine")
    assert "#9001" in quarantine_notice["what"]
    assert "currency is USD" in quarantine_notice["what"]
    assert quarantine_notice["link"].startswith("http://127.0.0.1:4200/runs/flow-run/")
    assert len(mailbox.messages) == len(notices(receiver)) == 3

    # The same problems seen again by the next run: nobody is told twice.
    orders_to_warehouse(FIRST, LAST)
    assert len(notices(receiver)) == 3

    # A failed run is announced with what to do; the next good run announces the resolution, once.
    shop.fault(kind="http_error", status=503, operation="OrdersPage", after=0, times=None)
    with pytest.raises(Exception, match="OrdersPage"):
        orders_to_warehouse(FIRST, LAST)
    shop.admin.delete("/faults").raise_for_status()
    orders_to_warehouse(FIRST, LAST)
    days = f"run-failed:processed:{FIRST}:{LAST}"
    assert announced(receiver, "run-failed") == [("problem", days), ("resolved", days)]
    failed = next(n for n in notices(receiver) if n["key"] == days)
    assert "next scheduled run tries again" in failed["next_step"]

    # A missed schedule: no scheduled (incremental) run ever completed.
    titles = freshness_check.fn()
    assert titles == ["no scheduled run of orders-to-warehouse has completed for 3 intervals"]
    assert announced(receiver, "schedule-silent") == [("problem", "schedule-silent")]
    orders_to_warehouse(lookback_days=1, incremental=True)
    assert freshness_check.fn() == []
    assert announced(receiver, "schedule-silent")[-1] == ("resolved", "schedule-silent")

    # Support reads the stories without an engineer.
    from shoplines.cli import main

    def trace(needle: str) -> str:
        out = io.StringIO()
        with pytest.raises(SystemExit), contextlib.redirect_stdout(out):
            main(["trace", needle])
        return out.getvalue()

    story = trace("#9001")
    assert "quarantined" in story
    assert "currency is USD" in story
    story = trace(withdrawn["name"])
    stages = [line.split()[3] for line in story.splitlines()[1:]]
    assert stages[:4] == ["mapped", "intent", "delivered", "mapped"]
    assert "mapped to CANCEL in ORD_" in story
    assert "held" in trace(changed["name"])

    # Nothing personal and no secret in anything people read.
    everything = json.dumps(notices(receiver)) + "".join(m.as_string() for m in mailbox.messages) + story
    assert PLANTED_SECRET not in everything.replace(f"/hook/{PLANTED_SECRET}", "")
    assert shop.running.token not in everything
    emails = {o["email"] for o in shop.truth() if o.get("email")}
    assert not [e for e in emails if e in everything]
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        assert [a.key for a in state.alerts(shop.running.shop)] == ["quarantine", f"held:{changed['id']}"]
    assert first["new"] > 10
    assert bad["currencyCode"] == "USD"

    # Each run leaves a readable summary on its Prefect flow run.
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["orders-to-warehouse-run-summary"])),
            sort=ArtifactSort.CREATED_DESC,
        )
    summaries = [str(a.data) for a in artifacts]
    assert any("**Failed:** ShopifyRetriesExhausted" in text for text in summaries)
    assert "could not be sent: their data failed checks" in summaries[0]
    assert not [e for e in emails if any(e in text for text in summaries)]
    assert not [text for text in summaries if shop.running.token in text or PLANTED_SECRET in text]


def test_reconciliation_finds_what_the_warehouse_lacks_and_ties_out_after_a_rerun(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shop: Shop, sftp_sandbox: RunningSftp,
    people: tuple[HttpReceiver, Mailbox],
) -> None:  # fmt: skip
    receiver, _ = people
    warehouse = sandbox_warehouse(sftp_sandbox)
    configure(monkeypatch, tmp_path / "home", shop, warehouse)
    monkeypatch.setenv("SHOPLINES_NOTIFY_WEBHOOK_URL", f"{receiver.url}/hook/{PLANTED_SECRET}")
    orders_to_warehouse(FIRST, LAST)
    clean = reconcile(FIRST, LAST)
    assert clean.ties_out, clean.sentence()
    assert clean.current == clean.eligible > 10
    assert clean.shopify_count == clean.received

    edited, cancelled = pick(shop, set(delivered(warehouse.files())), 2)
    shop.post(f"/orders/{edited['legacyResourceId']}/edit", {"shipping_address": {"address1": "3 Kloof St"}})
    shop.post(f"/orders/{cancelled['legacyResourceId']}/cancel", {"reason": "CUSTOMER"})
    behind = reconcile(FIRST, LAST)
    assert not behind.ties_out
    assert (behind.stale, behind.not_withdrawn, behind.missing) == ([edited["name"]], [cancelled["name"]], [])
    [notice] = notices(receiver)
    assert notice["title"].startswith("the warehouse does not match Shopify for")
    assert edited["name"] in notice["what"]

    day = business_day(edited["processedAt"], "Africa/Johannesburg")
    assert day is not None
    assert reconcile(day, day).stale == [edited["name"]]  # support narrows it down to the order's day

    orders_to_warehouse(FIRST, LAST)  # ops re-run the days: only the two changes go
    again = reconcile(FIRST, LAST)
    assert again.ties_out, again.sentence()
    mismatch = [(n["kind"], n["key"]) for n in notices(receiver) if n["line"] == "reconcile"]
    whole, one_day = f"orders-to-warehouse:{FIRST}:{LAST}", f"orders-to-warehouse:{day}:{day}"
    assert sorted(mismatch) == sorted([("problem", whole), ("problem", one_day), ("resolved", whole),
                                       ("resolved", one_day)])  # fmt: skip
    assert [n["key"].split(":")[0] for n in notices(receiver) if n["line"] != "reconcile"] == ["cancelled"]
