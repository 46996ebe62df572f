"""What `shoplines prefect setup` puts on a Prefect server: work pool, the shop's limit, automations."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from prefect.events.actions import ActionTypes, DoNothing, SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from shoplines.settings import Settings
from shoplines.shared_budget import LimitSize, limit_name, limit_size

WORK_POOL = "shoplines"  # prefect.yaml's pool; a `process` pool: workers run this checkout
WORK_POOL_TYPE = "process"
NOTIFY_BLOCK = "shoplines-ops"  # made from SHOPLINES_NOTIFY_SLACK_URL or _TEAMS_URL when one is set
PROBLEM_EVENTS = {"shoplines.problem.opened", "shoplines.problem.reminded"}  # shoplines.alerting emits these


def shop_limit(settings: Settings) -> tuple[str, LimitSize]:
    """The shop's Shopify budget: its name and its size, from the plan (and the sandbox's clock)."""
    return limit_name(settings.shop_domain), limit_size(settings.shopify_plan, settings.shopify_time_scale)


def _action(block: UUID | None, subject: str, body: str) -> ActionTypes:
    """A notification through the ops block, or (none configured) nothing but the automation's own event,
    which the UI's event feed shows."""
    if block is None:
        return DoNothing()
    return SendNotification(block_document_id=block, subject=subject, body=body)


def _reactive(expect: set[str], match: dict[str, str], related: dict[str, str] | None = None) -> EventTrigger:
    return EventTrigger(
        expect=expect, match=match, match_related=related or {}, posture=Posture.Reactive, threshold=1,
        within=timedelta(0),
    )  # fmt: skip


def _problem(label: str, value: str) -> EventTrigger:
    """Problems shoplines announces (and reminds of) whose resource label `label` is `value`."""
    return _reactive(PROBLEM_EVENTS, {"prefect.resource.id": "shoplines.*", label: value})


RUN_SUBJECT = "shoplines: {{ flow.name }} run {{ flow_run.name }} {{ flow_run.state.name }}"
RUN_BODY = (
    "{{ flow.name }} run {{ flow_run.name }} ended {{ flow_run.state.name }}: {{ flow_run.state.message }}\n"
    "{{ flow_run|ui_url }}"
)
PROBLEM_SUBJECT = "shoplines: {{ event.payload.title }}"
PROBLEM_BODY = "{{ event.payload.what }}\nWhat to do: {{ event.payload.next_step }}"


def automations(block: UUID | None) -> list[AutomationCore]:
    """Failed or crashed runs of the pool's deployments; the mismatches reconciliation and inventory raise."""
    on_pool = {"prefect.resource.role": "work-pool", "prefect.resource.name": WORK_POOL}
    ended = {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    return [
        AutomationCore(
            name="shoplines: a run failed or crashed",
            description="A run on the shoplines work pool ended Failed or Crashed (a crash raises no "
            "alert of its own: the process died).",
            trigger=_reactive(ended, {"prefect.resource.id": "prefect.flow-run.*"}, on_pool),
            actions=[_action(block, RUN_SUBJECT, RUN_BODY)],
        ),
        AutomationCore(
            name="shoplines: reconciliation mismatch",
            description="A reconciliation (warehouse or books) that does not tie out: opened, or still open.",
            trigger=_problem("shoplines.line", "reconcile"),
            actions=[_action(block, PROBLEM_SUBJECT, PROBLEM_BODY)],
        ),
        AutomationCore(
            name="shoplines: stock mismatch",
            description="Shopify's stock differs from the warehouse's count beyond in-flight units.",
            trigger=_problem("shoplines.key", "stock-mismatch"),
            actions=[_action(block, PROBLEM_SUBJECT, PROBLEM_BODY)],
        ),
    ]
