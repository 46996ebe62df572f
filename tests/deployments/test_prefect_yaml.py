"""prefect.yaml: each deployment names a real flow with parameters it accepts; a Prefect server takes it."""

from __future__ import annotations

import asyncio

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.schedules import CronSchedule

from deployments import Deployment, load, problems


@pytest.fixture(scope="module")
def deployments() -> dict[str, Deployment]:
    return {d.name: d for d in load()}


def test_every_deployment_is_sound(deployments: dict[str, Deployment]) -> None:
    assert set(deployments) == {
        "scheduled", "date-range", "freshness", "purge", "warehouse-feedback", "freshness-feedback",
        "daily", "accounting-date-range", "refunds-daily", "decide", "approvals-due", "freshness-accounting",
        "freshness-refunds", "inventory", "inventory-snapshot", "freshness-inventory", "month-end",
    }  # fmt: skip
    assert [p for d in deployments.values() for p in problems(d)] == []


def test_the_schedule_runs_every_15_minutes_in_shop_time_one_run_at_a_time(
    deployments: dict[str, Deployment],
) -> None:
    scheduled = deployments["scheduled"].spec
    assert scheduled["schedules"] == [
        {"cron": "*/15 * * * *", "timezone": "Africa/Johannesburg", "active": True}
    ]
    assert scheduled["parameters"] == {"incremental": True, "lookback_days": 1}
    assert scheduled["concurrency_limit"]["limit"] == 1
    assert "schedules" not in deployments["date-range"].spec


def test_a_parameter_the_flow_does_not_take_is_reported(deployments: dict[str, Deployment]) -> None:
    broken = Deployment("broken", deployments["scheduled"].flow, {"parameters": {"days": 1}, "work_pool": {}})
    assert problems(broken) == [
        "broken: parameter 'days' is not accepted by orders-to-warehouse",
        "broken: no work pool",
    ]


@pytest.mark.usefixtures("prefect_server")
def test_the_prefect_server_accepts_the_deployments_as_written(deployments: dict[str, Deployment]) -> None:
    for deployment in deployments.values():
        spec = deployment.spec
        runner = deployment.flow.to_deployment(
            name=spec["name"],
            parameters=spec.get("parameters") or {},
            tags=spec.get("tags"),
            description=spec.get("description"),
            schedules=[
                CronSchedule(cron=s["cron"], timezone=s["timezone"]) for s in spec.get("schedules", [])
            ],
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
    for watched, watcher in (("daily", "freshness-accounting"), ("refunds-daily", "freshness-refunds")):
        assert deployments[watched].spec["schedules"][0]["cron"].endswith(" * * *")  # once a day
        assert deployments[watcher].spec["parameters"]["every_minutes"] == 24 * 60
        assert deployments[watcher].spec["parameters"]["line"] in deployments[watched].spec["tags"]


def test_month_end_runs_on_the_1st_at_six_shop_time(deployments: dict[str, Deployment]) -> None:
    spec = deployments["month-end"].spec
    assert spec["schedules"] == [{"cron": "0 6 1 * *", "timezone": "Africa/Johannesburg", "active": True}]
    assert spec["parameters"] == {}  # no month: the one that just ended, shop time
