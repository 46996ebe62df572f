"""`make screenshots`: the runbook's Prefect UI pages from a running `make serve`, shot with Debian's headless
Chromium (never a browser download); the backfill they show is submitted through the UI's own form."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import FlowRunSort

from deployments.browser import shoot, submit_form
from deployments.local import ROOT
from deployments.serve import PORT
from shoplines.settings import load_settings
from shoplines.wiring import open_state
from tasks.accounting_run import REFUND_APPROVAL

UI = f"http://127.0.0.1:{PORT}"
OUT = ROOT / "docs" / "screenshots"
YESTERDAY = date.today() - timedelta(days=1)  # noqa: DTZ011 - shop days, near enough for a demo
WEEK = {"date_from": str(YESTERDAY - timedelta(days=6)), "date_to": str(YESTERDAY)}
MONTH = {"date_from": str(YESTERDAY - timedelta(days=30)), "date_to": str(YESTERDAY)}


def form(client: SyncPrefectClient, deployment: str, parameters: dict[str, Any]) -> str:
    """The deployment's run form, filled in (the UI reads `?parameters=` as JSON)."""
    found = client.read_deployment_by_name(deployment)
    return f"{UI}/deployments/deployment/{found.id}/run?parameters={quote(json.dumps(parameters))}"


def newest(client: SyncPrefectClient, deployment: str) -> FlowRun | None:
    found = client.read_deployment_by_name(deployment)
    runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[found.id])),
                                 sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=1)  # fmt: skip
    return runs[0] if runs else None


def finished(client: SyncPrefectClient, run_id: UUID, timeout: float = 900) -> FlowRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        flow_run = client.read_flow_run(run_id)
        if flow_run.state is not None and flow_run.state.is_final():
            print(f"  {flow_run.name}: {flow_run.state.name} {flow_run.parameters}", flush=True)
            return flow_run
        time.sleep(2)
    raise SystemExit(f"run {run_id} did not finish within {timeout:.0f} s")


def backfill(client: SyncPrefectClient, deployment: str, days: dict[str, Any], *, by_form: bool) -> FlowRun:
    """A completed run of the backfill: the one done before, or a new one (from the UI's form if asked)."""
    earlier = newest(client, deployment)
    if earlier is not None and earlier.state_name == "Completed":
        return earlier
    if by_form:
        landed = submit_form(form(client, deployment, days))
        print(f"  {deployment}: submitted from the UI form (then at {landed})", flush=True)
        made = newest(client, deployment)
        assert made is not None
        return finished(client, made.id)
    found = client.read_deployment_by_name(deployment)
    return finished(client, client.create_flow_run_from_deployment(found.id, parameters=days).id)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with SyncPrefectClient(f"{UI}/api") as client:
        print("Backfills:", flush=True)
        week = backfill(client, "orders-to-warehouse/date-range", WEEK, by_form=True)
        backfill(client, "orders-to-accounting/accounting-date-range", MONTH, by_form=False)
        backfill(client, "refunds-to-accounting/refunds-date-range", MONTH, by_form=False)  # approvals owed
        summary = next(a for a in client.read_artifacts() if a.flow_run_id == week.id)
        settings = load_settings()
        with open_state(settings) as state:
            owed = state.approvals(settings.shop_domain, status="pending", kind=REFUND_APPROVAL)
        decision = {"approval_id": owed[0].id if owed else 1, "decision": "approve", "by": "Thandi (finance)",
                    "reason": "Refund checked against the returned parcel"}  # fmt: skip
        pages = [("deployments", f"{UI}/deployments", 900),
                 ("backfill-form", form(client, "orders-to-warehouse/date-range", WEEK), 1100),
                 ("backfill-run", f"{UI}/runs/flow-run/{week.id}", 900),
                 ("run-artifact", f"{UI}/artifacts/artifact/{summary.id}", 1000),
                 ("approve-refund", form(client, "decide-approval/decide", decision), 1000),
                 ("automations", f"{UI}/automations", 900),
                 ("shopify-limit", f"{UI}/concurrency-limits", 1800)]  # fmt: skip
    print("Screenshots:", flush=True)
    for name, url, height in pages:
        shoot(OUT / f"{name}.png", url, height)
        print(f"  docs/screenshots/{name}.png", flush=True)


if __name__ == "__main__":
    main()
