"""`shoplines approvals`: the decisions people owe before something moves (an address changed after the
warehouse acknowledged the order; later, refunds above the threshold). Every decision records who and why."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from shoplines.privacy import mask_text
from shoplines.settings import load_settings
from shoplines.state.records import ApprovalRecord

approvals_app = typer.Typer(
    help="Decisions a person owes: list them, see one, approve or reject it.", no_args_is_help=True
)
console = Console()
STATUSES = ("pending", "approved", "rejected", "withdrawn", "all")
WHAT_APPROVAL_DOES = {
    "address-change": (
        "approve: the next run sends the new address to the warehouse as an AMEND (check the parcel has not "
        "left); reject: the warehouse keeps the address it has"
    ),
    "stock-correction": (
        "approve: the next inventory run sets Shopify's on_hand to these numbers, each only if Shopify still "
        "has the number shown (a sale meanwhile makes it stale, nothing is overwritten); reject: Shopify "
        "keeps its numbers"
    ),
}


def _line(a: ApprovalRecord) -> str:
    decided = f" by {a.decided_by} {a.decided_at:%Y-%m-%d %H:%M}" if a.decided_by and a.decided_at else ""
    return (
        f"  {a.id:>5}  {a.requested_at:%Y-%m-%d %H:%M}  {a.status:<9} {a.kind:<15} {a.entity_name}  "
        f"{mask_text(a.summary)}{decided}"
    )


@approvals_app.command("list")
def approvals_list(
    status: Annotated[str, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = "pending",
) -> None:
    """Approvals of this shop, oldest first (times UTC)."""
    from shoplines.wiring import open_state

    if status not in STATUSES:
        raise typer.BadParameter(f"expected one of {', '.join(STATUSES)}", param_hint="--status")
    settings = load_settings()
    with open_state(settings) as state:
        rows = state.approvals(settings.shop_domain, status=None if status == "all" else status)
    if not rows:
        console.print(f"no {'' if status == 'all' else status + ' '}approvals")
        return
    console.print(f"{len(rows)} approval(s):")
    for row in rows:
        console.print(_line(row), markup=False, highlight=False, soft_wrap=True)
    console.print(
        "See one: shoplines approvals show ID. Decide: shoplines approvals approve|reject ID --by --reason"
    )


@approvals_app.command("show")
def approvals_show(
    approval_id: Annotated[int, typer.Argument(help="The id `approvals list` shows.")],
) -> None:
    """One approval in full, for the person deciding (it shows the addresses involved)."""
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        a = state.approval(settings.shop_domain, approval_id)
    console.print(f"approval {a.id}: {a.kind} for {a.entity_name} ({a.entity_id}), {a.status}", markup=False)
    console.print(f"  {a.summary}", markup=False, soft_wrap=True)
    for key, value in a.detail.items():
        if key == "changes" and isinstance(value, list):  # a stock correction batch: one line per SKU
            for c in value:
                console.print(f"  {c['sku']}: on_hand {c['expected']} → {c['to']} (warehouse counted "
                              f"{c['warehouse']}, {c['in_flight']} in flight)", markup=False)  # fmt: skip
            continue
        console.print(f"  {key.replace('_', ' ')}: {value}", markup=False, highlight=False, soft_wrap=True)
    if a.amount_cents is not None:
        console.print(f"  amount: ZAR {a.amount_cents / 100:,.2f}".replace(",", " "), markup=False)
    console.print(f"  asked {a.requested_at:%Y-%m-%d %H:%M} UTC by run {a.run_id or '-'}", markup=False)
    if a.decided_at is not None:
        who = a.decided_by or "the system"
        console.print(f"  {a.status} by {who} at {a.decided_at:%Y-%m-%d %H:%M} UTC: {a.reason}", markup=False)
    if a.status == "pending" and a.kind in WHAT_APPROVAL_DOES:
        console.print(f"  {WHAT_APPROVAL_DOES[a.kind]}", markup=False, soft_wrap=True)


def _decide(approval_id: int, *, approve: bool, by: str, reason: str) -> None:
    from shoplines.wiring import open_state

    settings = load_settings()
    with open_state(settings) as state:
        a = state.decide_approval(settings.shop_domain, approval_id, approve=approve, by=by, reason=reason)
    console.print(f"approval {a.id} ({a.entity_name}) {a.status} by {a.decided_by}: {a.reason}", markup=False)
    console.print("The line's next run acts on it.", markup=False)


By = Annotated[str, typer.Option("--by", help="Your name: recorded with the decision.")]
Reason = Annotated[str, typer.Option("--reason", help="Why: recorded with the decision.")]
ApprovalId = Annotated[int, typer.Argument(help="The id `approvals list` shows.")]


@approvals_app.command("approve")
def approvals_approve(approval_id: ApprovalId, by: By, reason: Reason) -> None:
    """Approve: the line's next run lets it through."""
    _decide(approval_id, approve=True, by=by, reason=reason)


@approvals_app.command("reject")
def approvals_reject(approval_id: ApprovalId, by: By, reason: Reason) -> None:
    """Reject: the line's next run keeps it back for good (a later change asks again)."""
    _decide(approval_id, approve=False, by=by, reason=reason)
