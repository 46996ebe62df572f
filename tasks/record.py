"""Thin state tasks: quarantine what could not be used, summarise the run in plain counts, and tell people
what they must hear about (`tasks.problems` decides what; `shoplines.alerting` remembers and sends)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from clients.shopify_events import ClientEvent
from shoplines.alerting import Alerts
from shoplines.errors import ShoplinesError
from shoplines.lines import LineContract, contract
from shoplines.privacy import mask_text
from shoplines.state.store import QuarantineRow, StateStore
from tasks import problems
from tasks.deliver import Target
from tasks.extract import Pulled
from tasks.transform_orders import Payload, Rejected


@task(name="quarantine-rejected-orders", cache_policy=NO_CACHE)
def quarantine(
    state: StateStore, target: Target, run_id: str, rejected: list[Rejected], passed: Iterable[str] = ()
) -> int:
    """Store every rejected order with its reasons (nothing received is dropped), and close the quarantine
    entries of orders that pass every check now (fixed at the source: they go on and are delivered once)."""
    logger = get_run_logger()
    fixed = state.resolve_passed_quarantine(target.shop_id, target.line, [str(i) for i in passed], run_id)
    for row in fixed:
        logger.info("Order %s passes its checks now; out of quarantine", row.entity_name or row.entity_id)
    if not rejected:
        return 0
    rows = [QuarantineRow(r.entity_id, r.entity_name, r.reason, r.payload) for r in rejected]
    stored = state.quarantine_rows(target.shop_id, target.line, run_id, rows)
    for r in rejected:
        logger.warning(
            "Quarantined order %s: %s", r.entity_name or r.entity_id or "(no id)", mask_text(r.reason)
        )
    return stored


class QuarantineHalt(ShoplinesError):
    """The line's contract says: send nothing while any order is bad."""


def enforce_bad_row_policy(contract: LineContract, rejected: Sequence[Rejected]) -> None:
    """`halt` lines stop before sending anything when an order was quarantined; `proceed` lines go on."""
    if rejected and contract.on_bad_rows == "halt":
        names = ", ".join(sorted({r.entity_name or r.entity_id or "(no id)" for r in rejected})[:10])
        raise QuarantineHalt(
            f"{len(rejected)} order(s) failed their checks ({names}) and {contract.line} sends nothing while "
            "any is bad: fix them, then re-run (shoplines quarantine list)"
        )


@task(name="review-run", cache_policy=NO_CACHE)
def review_run(
    alerts: Alerts,
    state: StateStore,
    *,
    target: Target,
    planned: pd.DataFrame,
    pulled: Pulled,
    drift: Sequence[ClientEvent],
    window: str,
    run: str,
) -> None:
    """Open, refresh or clear the problems people must hear about after a run that went through (`run`:
    `problems.run_key`, whose problems this run may clear)."""
    open_rows = state.open_quarantine(target.shop_id, target.line)
    checks = {
        problems.QUARANTINE: problems.quarantine(open_rows),
        f"{problems.COUNT_UNCHECKED}:{run}": problems.count_unchecked(
            pulled.precision, pulled.counted, window, run
        ),
        problems.API_DRIFT: problems.api_drift([event.message for event in drift]),
    }
    for key, problem in checks.items():
        if problem is None:
            alerts.clear([key])
        else:
            alerts.report(problem)
    raised, cleared = problems.transitions(planned, contract(target.line))
    for problem in raised:
        alerts.report(problem)
    alerts.clear(sorted(set(cleared) & alerts.open_keys(problems.HELD)))


def report_failure(alerts: Alerts, exc: BaseException, window: str, run: str) -> None:
    """Tell people a run failed; a failure to tell them is logged, never raised over the run's own error."""
    try:
        alerts.report(problems.failure(exc, window, run))
        alerts.flush_pending()
    except Exception as notify_error:  # the run's own exception is the one that must surface
        logging.getLogger("shoplines.alerts").error(
            "could not record or send the failure alert: %s", notify_error
        )


def summarise(
    received: int, planned: pd.DataFrame, quarantined: int, files: list[str], rows: int
) -> dict[str, int]:
    """The run's counts: every order received is accounted for exactly once."""
    actions = planned["action"].astype(str).value_counts()
    counts = {
        "received": received,
        "quarantined": quarantined,
        "eligible": int(planned["eligible"].sum()),
        "new": int(actions.get("NEW", 0)),
        "amended": int(actions.get("AMEND", 0)),
        "cancelled": int(actions.get("CANCEL", 0)),
        "replaced": int(actions.get("REPLACEMENT", 0)),
        "unchanged": int(actions.get("UNCHANGED", 0)),
        "held": int(actions.get("HELD", 0)),
        "not_eligible": int(actions.get("SKIPPED", 0)),
        "files": len(files),
        "rows": rows,
    }
    if counts["received"] != len(planned) + quarantined:
        raise AssertionError(
            f"orders unaccounted for: received {received}, planned {len(planned)}, quarantined {quarantined}"
        )
    return counts


def held_orders(planned: pd.DataFrame) -> list[str]:
    """Orders changed after delivery that are not sent now, each with why (for the run log)."""
    held = planned[planned["action"] == "HELD"]
    return [f"{row.order_name} ({row.reason})" for row in held.itertuples()]


def skip_reasons(planned: pd.DataFrame) -> dict[str, int]:
    """How many orders were left out, by reason (for the run log)."""
    skipped = planned[planned["action"] == "SKIPPED"]
    return {str(k): int(v) for k, v in skipped["reason"].value_counts().items()}


def run_summary(
    line: str, window: str, counts: dict[str, int] | None, alerts: Alerts, error: str | None
) -> str:
    """The run's Prefect artifact, in markdown for a support person: counts, open problems, what failed."""
    head = f"# {line}: {window}\n\n"
    if error is not None:
        head += f"**Failed:** {mask_text(error)}\n\n"
    table = "| count | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in (counts or {}).items())
    open_now = alerts.state.open_alerts(alerts.shop, line)
    problems_md = "".join(f"- **{a.title}**: {a.what} _What to do:_ {a.next_step}\n" for a in open_now)
    told = "".join(f"- {notice.subject}\n" for notice, _ in alerts.sent)
    return (
        head
        + (table if counts else "")
        + "\n## Open problems\n\n"
        + (problems_md or "none\n")
        + "\n## Announced by this run\n\n"
        + (told or "nothing\n")
    )


def publish_run_summary(
    line: str, window: str, counts: dict[str, int] | None, alerts: Alerts, error: str | None = None
) -> None:
    """Leave the summary on the flow run (never fails the run: a missing artifact is logged)."""
    try:
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(
            markdown=run_summary(line, window, counts, alerts, error),
            key=f"{line}-run-summary",
            description=f"{line}: counts, open problems and what people were told",
        )
    except Exception as exc:  # an artifact is a courtesy; the run's outcome stands
        logging.getLogger("shoplines").warning("could not publish the run summary artifact: %s", exc)


def outside_contract(
    planned: pd.DataFrame, contract: LineContract, payloads: Mapping[str, Payload]
) -> tuple[pd.DataFrame, list[Rejected]]:
    """Orders whose planned record type the line's contract does not list are held back (quarantined with
    the reason), never sent; the rest go on."""
    if planned.empty:
        return planned, []
    allowed = planned["action"].astype(str).map(contract.allows)
    refused = []
    for row in planned[~allowed].itertuples():
        reason = f"transition {row.action} is not in the {contract.line} contract"
        refused.append(
            Rejected(str(row.order_id), str(row.order_name), reason, payloads.get(str(row.order_id), {}))
        )
    return planned[allowed], refused
