"""What people must hear about a run, in their words: pure functions from a run's outcome to `Problem`s.

Keys: `run-failed` (one per line, cleared by the next successful run), `quarantine` (open while any order of
the line waits in quarantine), `count-unchecked` (Shopify could not give an exact count), `api-drift`
(Shopify served another API version or deprecated a field), `held:<order gid>` (a human checkpoint, cleared
when the order is next seen and no longer held) and `cancelled:<order gid>:<version>` (an announcement).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from clients.sftp import SftpAuthError, SftpError, SftpHostKeyError
from clients.shopify_errors import ShopifyAuthError, ShopifyError, ShopifyScopeError
from shoplines.alerting import Problem
from shoplines.errors import ConfigError
from shoplines.lines import LineContract
from shoplines.state.records import LeaseHeld, QuarantineRecord, StateConflict

FAILED = "run-failed"
QUARANTINE = "quarantine"
COUNT_UNCHECKED = "count-unchecked"
API_DRIFT = "api-drift"
HELD = "held:"
CANCELLED = "cancelled:"
MAX_LISTED = 10


# What a person does about a failed run, by the kind of failure (first match wins).
NEXT_STEPS: list[tuple[tuple[type[BaseException], ...] | str, str]] = [
    (
        (ShopifyAuthError, ShopifyScopeError),
        "The shop's access token was refused or lacks a permission: ask the shop owner to reinstall or "
        "re-grant the app, then re-run the window.",
    ),
    (
        (ShopifyError,),
        "Nothing from this window was sent. The next scheduled run tries again; if it keeps "
        "failing, check Shopify's status page.",
    ),
    (
        "ShopifyIncomplete",
        "Shopify returned fewer orders than it counts, so nothing was sent. The next "
        "scheduled run tries again.",
    ),
    (
        (SftpHostKeyError, SftpAuthError),
        "The 3PL's SFTP server refused us or changed its host key: confirm the key with the 3PL before "
        "trusting it (README, 'Connecting a real 3PL').",
    ),
    (
        (SftpError,),
        "The 3PL's SFTP server could not be reached or refused a file. Files already confirmed stay "
        "delivered; the next run sends only what is missing.",
    ),
    (
        "DeliveryUnresolved",
        "Ask the 3PL whether they have the files `shoplines ledger unresolved` lists, then "
        "settle each with `shoplines ledger resolve`.",
    ),
    (
        "PackInvalid",
        "The month-end pack did not tie out and nothing was delivered: look at the differences listed, fix "
        "their cause in Shopify or the state, then run `shoplines run month-end --month YYYY-MM` again.",
    ),
    (
        "QuarantineHalt",
        "Fix the orders `shoplines quarantine list` shows (in Shopify), then re-run the window.",
    ),
    (
        (LeaseHeld,),
        "Another run is working on this window; nothing to do unless it is stuck (`shoplines lease list`).",
    ),
    (
        (ConfigError,),
        "A setting is missing or wrong: fix it (README, 'Configuration') and re-run the window.",
    ),
    (
        (StateConflict,),
        "The delivery ledger refused a record that clashes with one already there: an engineer "
        "should look before anything is re-run.",
    ),
]
FALLBACK_STEP = "An engineer should look at the run's log; nothing was sent that is not recorded."


def run_key(date_from: object, date_to: object, selector: str, *, incremental: bool) -> str:
    """Which runs a problem belongs to: the schedule's, or one date range's (a backfill failing is not
    fixed by the next scheduled run, which reads other orders)."""
    return "scheduled" if incremental else f"{selector}:{date_from}:{date_to}"


def ranges_inside(open_keys: set[str], prefix: str, first: str, last: str) -> list[str]:
    """The keys `<prefix><from>:<to>` among `open_keys` whose day range lies within [first, last]."""
    inside = []
    for key in open_keys:
        days = key.removeprefix(prefix).split(":") if key.startswith(prefix) else []
        if len(days) == 2 and first <= days[0] <= days[1] <= last:
            inside.append(key)
    return sorted(inside)


def cleared_failures(open_keys: set[str], run: str) -> list[str]:
    """The failure keys a successful run clears: its own, and any range run inside its range."""
    if run == "scheduled":
        return [f"{FAILED}:{run}"]
    selector, first, last = run.split(":")
    return [f"{FAILED}:{run}", *ranges_inside(open_keys, f"{FAILED}:{selector}:", first, last)]


def failure(exc: BaseException, window: str, run: str = "scheduled") -> Problem:
    """A failed run, said the way a support person can act on it."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    name = type(exc).__name__
    step = next_step(exc)
    if name == "PartlyDelivered" and exc.__cause__ is not None:
        cause = exc.__cause__
        reading = isinstance(cause, ShopifyError) or type(cause).__name__ == "ShopifyIncomplete"
        step = PARTLY_SENT + ("" if reading else " " + next_step(cause))
    return Problem(f"{FAILED}:{run}", f"the run for {window} failed", f"{name}: {first}", step)


PARTLY_SENT = (
    "Part of this window was sent before the failure (each order once, in the ledger); re-running the window "
    "sends only what is missing."
)


def next_step(exc: BaseException) -> str:
    """What a person does about `exc` (`NEXT_STEPS`, first match)."""
    name = type(exc).__name__
    return next(
        (
            text
            for kind, text in NEXT_STEPS
            if (name == kind if isinstance(kind, str) else isinstance(exc, kind))
        ),
        FALLBACK_STEP,
    )


def quarantine(open_rows: Sequence[QuarantineRecord]) -> Problem | None:
    """One problem while any order of the line waits in quarantine."""
    if not open_rows:
        return None
    names = sorted({r.entity_name or r.entity_id or "(no id)" for r in open_rows})
    listed = ", ".join(names[:MAX_LISTED]) + (
        f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    )
    reasons = sorted({r.reason for r in open_rows})
    return Problem(
        QUARANTINE,
        f"{len(names)} order(s) could not be sent: their data failed checks",
        f"Held back in quarantine: {listed}. First reason: {reasons[0]}",
        "Fix the order in Shopify (the next run picks it up), or see `shoplines quarantine list` and "
        "`shoplines quarantine show ID`.",
        {"orders in quarantine": len(names)},
    )


def count_unchecked(precision: str, count: int, window: str, run: str = "scheduled") -> Problem | None:
    """Shopify could only say "at least N": the run went on, but nobody can say it saw everything."""
    if precision == "EXACT":
        return None
    return Problem(
        f"{COUNT_UNCHECKED}:{run}",
        f"could not check the order count for {window}",
        f"Shopify counts at least {count} orders but would not give an exact figure, so a lost page "
        "would go unnoticed.",
        "Re-run the window in smaller date ranges (`shoplines run "
        "orders-to-warehouse --from … --to …`) so each can be checked.",
    )


def api_drift(warnings: Sequence[str]) -> Problem | None:
    if not warnings:
        return None
    return Problem(
        API_DRIFT,
        "Shopify's API is changing under us",
        " ".join(sorted(set(warnings))),
        "An engineer should move the pinned API version (SHOPLINES_SHOPIFY_API_VERSION) "
        "before Shopify retires it.",
    )


def transitions(planned: pd.DataFrame, contract: LineContract) -> tuple[list[Problem], list[str]]:
    """Announcements and checkpoints the contract asks for, and the checkpoint keys this run cleared."""
    problems: list[Problem] = []
    cleared: list[str] = []
    for row in planned.itertuples():
        step = contract.transitions.get(str(row.action))
        if step is None:
            continue
        name, order_id, version, reason = (str(row.order_name), str(row.order_id), str(row.content_hash),
                                           str(row.reason or ""))  # fmt: skip
        if step.alert:
            problems.append(
                Problem(
                    f"{CANCELLED}{order_id}:{version[:12]}",
                    f"{name}: {step.alert}",
                    f"{name} was withdrawn after it reached the warehouse "
                    f"({reason or 'see the order in Shopify'}).",
                    "Make sure the 3PL stops the parcel; a CANCEL record is in their folder.",
                    kind="event",
                )
            )
        if step.checkpoint:
            approval = getattr(row, "approval", None)
            if approval is not None and not pd.isna(approval):
                next_step = (
                    f"See both addresses with `shoplines approvals show {approval}`, then "
                    f"`shoplines approvals approve {approval} --by NAME --reason ...` to send the new one "
                    "to the warehouse (check the parcel has not left), or `reject` to keep the old one."
                )
            else:
                next_step = (
                    "Decide with the 3PL; when the order is eligible again the next run sends the change."
                )
            problems.append(
                Problem(
                    f"{HELD}{order_id}",
                    f"{name} changed after the warehouse got it",
                    f"{name}: {reason}. It was not sent again; {step.checkpoint}.",
                    next_step,
                )
            )
        else:
            cleared.append(f"{HELD}{order_id}")
    return problems, cleared
