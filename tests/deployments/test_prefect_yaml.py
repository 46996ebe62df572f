"""prefect.yaml: each deployment names a real flow with parameters it accepts; a Prefect server takes it."""

from __future__ import annotations

import asyncio

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import ConcurrencyLimitConfig
from prefect.client.schemas.schedules import CronSchedule

from deployments import Deployment, load, problems


@pytest.fixture(scope="module")
def deployments() -> dict[str, Deployment]:
    return {d.name: d for d in load()}


def test_every_deployment_is_sound(deployments: dict[str, Deployment]) -> None:
    assert set(deployments) == {
        "scheduled", "date-range", "freshness", "purge", "warehouse-feedback", "freshness-feedback",
        "hourly", "accounting-date-range", "refunds-hourly", "refunds-date-range", "decide", "approvals-due",
        "freshness-accounting", "freshness-refunds", "inventory", "inventory-snapshot", "freshness-inventory",
        "reconcile", "reconcile-date-range", "reconcile-books", "reconcile-books-date-range", "month-end",
        "month-end-by-hand",
    }  # fmt: skip
    assert [p for d in deployments.values() for p in problems(d)] == []


def test_every_line_has_a_schedule_and_every_line_over_days_a_backfill(
    deployments: dict[str, Deployment],
) -> None:
    scheduled = {d.flow.name for d in deployments.values() if d.spec.get("schedules")}
    backfills = {d.flow.name: d for d in deployments.values() if "backfill" in d.spec["tags"]}
    lines = {"orders-to-warehouse", "warehouse-feedback", "orders-to-accounting", "refunds-to-accounting",
             "inventory", "reconcile", "reconcile-books"}  # fmt: skip
    over_days = lines - {"warehouse-feedback", "inventory"}  # these two have no days to pick
    assert lines <= scheduled
    assert over_days <= set(backfills)
    for backfill in (backfills[line] for line in over_days):
        assert "schedules" not in backfill.spec
        assert backfill.spec["concurrency_limit"]["collision_strategy"] == "ENQUEUE"
        form = backfill.flow.parameters.model_dump_for_openapi()["properties"]
        for day in ("date_from", "date_to"):  # a date picker in the run form
            assert {"format": "date", "type": "string"} in form[day]["anyOf"], backfill.name
            assert form[day]["description"]


def test_the_hourly_and_nightly_schedules(deployments: dict[str, Deployment]) -> None:
    crons = {
        name: d.spec["schedules"][0]["cron"] for name, d in deployments.items() if d.spec.get("schedules")
    }
    assert crons["hourly"] == "30 * * * *"
    assert crons["refunds-hourly"] == "45 * * * *"
    assert crons["inventory"] == "5 * * * *"
    assert crons["reconcile"] == "0 3 * * *"
    assert deployments["reconcile"].spec["parameters"] == {"lookback_days": 7}
    assert all(
        s["timezone"] == "Africa/Johannesburg"
        for d in deployments.values()
        for s in d.spec.get("schedules", [])
    )


def test_secrets_never_ride_in_job_variables(deployments: dict[str, Deployment]) -> None:
    env = deployments["scheduled"].spec["work_pool"]["job_variables"]["env"]
    assert env == {"SHOPLINES_SECRETS_FROM_PREFECT": "true", "SHOPLINES_SHOPIFY_SHARED_BUDGET": "true"}
    leaky = {**deployments["scheduled"].spec, "work_pool": {"name": "shoplines", "job_variables": {
        "env": {"SHOPLINES_SHOPIFY_TOKEN": "shpat_x"}}}}  # fmt: skip
    assert problems(Deployment("leaky", deployments["scheduled"].flow, leaky)) == [
        "leaky: secret SHOPLINES_SHOPIFY_TOKEN in job variables (use a Prefect Secret block)"
    ]


def test_the_schedule_runs_every_15_minutes_in_shop_time_one_run_at_a_time(
    deployments: dict[str, Deployment],
) -> None:
    scheduled = deployments["scheduled"].spec
    assert scheduled["schedules"] == [
        {"cron": "*/15 * * * *", "timezone": "Africa/Johannesburg", "active": True}
    ]
    assert scheduled["parameters"] == {"incremental": True, "lookback_days": 1}
    assert scheduled["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    assert "schedules" not in deployments["date-range"].spec


def test_a_parameter_the_flow_does_not_take_is_reported(deployments: dict[str, Deployment]) -> None:
    schedules = [
        {"cron": "*/15 * * *", "timezone": "Africa/Johannesburg"},
        {"cron": "0 1 * * *", "timezone": "SAST"},
    ]
    spec = {"parameters": {"days": 1}, "work_pool": {}, "schedules": schedules,
            "concurrency_limit": {"limit": 1, "collision_strategy": "ENQUEUE"}}  # fmt: skip
    found = problems(Deployment("broken", deployments["scheduled"].flow, spec))
    assert found[0] == "broken: parameter 'days' is not accepted by orders-to-warehouse"
    assert found[1].startswith("broken: schedule '*/15 * * *' does not parse")
    assert found[2:] == [
        "broken: schedule time zone 'SAST' is not valid",
        "broken: a scheduled deployment wants CANCEL_NEW with limit 1, not "
        "{'limit': 1, 'collision_strategy': 'ENQUEUE'}",
        "broken: no work pool",
    ]


@pytest.mark.usefixtures("prefect_server")
def test_the_prefect_server_accepts_the_deployments_as_written(deployments: dict[str, Deployment]) -> None:
    for deployment in deployments.values():
        spec = deployment.spec
        limit = spec["concurrency_limit"]
        runner = deployment.flow.to_deployment(
            name=spec["name"],
            parameters=spec.get("parameters") or {},
            tags=spec.get("tags"),
            description=spec.get("description"),
            schedules=[
                CronSchedule(cron=s["cron"], timezone=s["timezone"]) for s in spec.get("schedules", [])
            ],
            concurrency_limit=ConcurrencyLimitConfig(
                limit=limit["limit"], collision_strategy=limit["collision_strategy"]
            ),
        )
        runner.apply()

    async def read() -> dict[str, tuple[dict[str, object], list[str], dict[str, object]]]:
        async with get_client() as client:
            found = {}
            for name, deployment in deployments.items():
                stored = await client.read_deployment_by_name(f"{deployment.flow.name}/{name}")
                crons = [getattr(s.schedule, "cron", "") for s in stored.schedules]
                found[name] = (stored.parameters, crons, stored.parameter_openapi_schema or {})
            return found

    stored = asyncio.run(read())
    assert stored["scheduled"][0] == {"incremental": True, "lookback_days": 1}
    assert stored["scheduled"][1] == ["*/15 * * * *"]
    assert stored["date-range"][1] == []
    assert stored["freshness"][:2] == ({"line": "orders-to-warehouse"}, ["7,22,37,52 * * * *"])
    schema = stored["date-range"][2]
    assert set(schema["properties"]) == {
        "date_from",
        "date_to",
        "by",
        "lookback_days",
        "redeliver",
        "incremental",
    }  # type: ignore[call-overload]


def test_the_freshness_check_knows_the_schedule_it_watches(deployments: dict[str, Deployment]) -> None:
    from flows.freshness import SCHEDULE_EVERY

    for watched, watcher in (("scheduled", "freshness"), ("warehouse-feedback", "freshness-feedback")):
        assert (
            deployments[watched].spec["schedules"][0]["cron"]
            == f"*/{int(SCHEDULE_EVERY.total_seconds() // 60)} * * * *"
        )
        line = deployments[watcher].spec["parameters"]["line"]
        assert line in deployments[watched].spec["tags"]
    for watched, watcher in (("hourly", "freshness-accounting"), ("refunds-hourly", "freshness-refunds")):
        assert deployments[watched].spec["schedules"][0]["cron"].endswith(" * * * *")  # once an hour
        assert deployments[watcher].spec["parameters"]["every_minutes"] == 60
        assert deployments[watcher].spec["parameters"]["line"] in deployments[watched].spec["tags"]


def test_month_end_runs_on_the_1st_at_six_shop_time(deployments: dict[str, Deployment]) -> None:
    spec = deployments["month-end"].spec
    assert spec["schedules"] == [{"cron": "0 6 1 * *", "timezone": "Africa/Johannesburg", "active": True}]
    assert spec["parameters"] == {}  # no month: the one that just ended, shop time
