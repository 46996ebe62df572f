"""Approvals from the Prefect UI: decide one (the run form takes the decision, your name and the reason), and
a daily watch that escalates decisions still owed (older than a day, or with month-end close). Wiring only."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Literal

from prefect import flow

from clients.xero_auth import RECONNECT_WARNING, REFRESH_TOKEN_LIFETIME
from shoplines.alerting import Problem
from shoplines.dates import today_in
from shoplines.settings import load_settings
from shoplines.wiring import build_alerts, open_state, run_logger

LINE = "approvals"
DUE = "approval-due:"  # + approval id
RECONNECT = "xero-reconnect"


@flow(name="decide-approval")
def decide_approval(approval_id: int, decision: Literal["approve", "reject"], by: str, reason: str) -> str:
    """Approve or reject one pending approval; the line's next run acts on it. Your name and reason are kept
    with the decision.

    Args:
        approval_id: The approval's number (`shoplines approvals list`, or the message that announced it).
        decision: approve (the next run moves it) or reject (it never moves).
        by: Your name, kept with the decision.
        reason: Why, in a sentence (kept with the decision).
    """
    if decision not in ("approve", "reject"):  # the UI only type-checks
        raise ValueError(f"decision must be approve or reject, not {decision!r}")
    settings = load_settings()
    with open_state(settings) as state:
        record = state.decide_approval(
            settings.shop_domain, approval_id, approve=decision == "approve", by=by, reason=reason
        )
        build_alerts(settings, state, LINE, None).clear([f"{DUE}{approval_id}"])
    said = (
        f"approval {record.id} ({record.entity_name}) {record.status} by {record.decided_by}: {record.reason}"
    )
    run_logger().info("%s", said)
    return said


@flow(name="approvals-due")
def approvals_due(older_than_hours: float = 24, days_before_month_end: int = 3) -> list[str]:
    """Escalate every approval still pending after `older_than_hours`, or at all when month-end (shop time)
    is `days_before_month_end` days away or less; clear what was decided. Also warn before the Xero refresh
    token would expire from disuse. Returns the open approvals' titles."""
    settings = load_settings()
    today = today_in(settings.shop_timezone)
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    closing = (month_end - today).days <= days_before_month_end
    now = datetime.now(UTC)
    with open_state(settings) as state:
        alerts = build_alerts(settings, state, LINE, None)
        pending = state.approvals(settings.shop_domain, status="pending")
        due = [a for a in pending if closing or now - a.requested_at >= timedelta(hours=older_than_hours)]
        for a in due:
            why = (
                f"month-end is {month_end:%d %B}"
                if closing
                else f"it has waited since {a.requested_at:%Y-%m-%d %H:%M} UTC"
            )
            alerts.report(Problem(
                f"{DUE}{a.id}", f"a decision is still owed: {a.summary}",
                f"Approval {a.id} ({a.kind}, {a.entity_name}) is pending and {why}.",
                f"`shoplines approvals show {a.id}`, then approve or reject it (CLI, or the decide-approval "
                "deployment in the Prefect UI).",
            ))  # fmt: skip
        alerts.clear(alerts.open_keys(DUE) - {f"{DUE}{a.id}" for a in due})
        connection = state.accounting_connection(settings.shop_domain, "xero")
        idle = now - connection.refresh_obtained_at if connection is not None else timedelta(0)
        if connection is not None and idle >= RECONNECT_WARNING:
            expires = connection.refresh_obtained_at + REFRESH_TOKEN_LIFETIME
            alerts.report(Problem(
                RECONNECT, f"the Xero connection expires on {expires:%Y-%m-%d} unless it is used",
                f"Nothing has used the Xero connection to {connection.tenant_name} for {idle.days} days; "
                f"Xero drops a refresh token unused for {REFRESH_TOKEN_LIFETIME.days} days.",
                "Check the accounting deployments run (Prefect UI); once expired: `shoplines xero connect`.",
            ))  # fmt: skip
        else:
            alerts.clear([RECONNECT])
        alerts.flush_pending()
    return [f"approval {a.id}: {a.summary}" for a in due]
