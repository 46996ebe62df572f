"""The deployments in prefect.yaml, loaded and checked against the flows they point at."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule

from shoplines.prefect_secrets import SECRET_SETTINGS

PREFECT_YAML = Path(__file__).resolve().parent.parent / "prefect.yaml"


@dataclass(frozen=True)
class Deployment:
    """One entry of prefect.yaml with the flow its entrypoint names."""

    name: str
    flow: Flow[Any, Any]
    spec: dict[str, Any]


def load(path: Path = PREFECT_YAML) -> list[Deployment]:
    """Every deployment in ``path``, with its entrypoint imported."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    for spec in document["deployments"]:
        module_path, _, attribute = spec["entrypoint"].partition(":")
        module = importlib.import_module(module_path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, attribute)
        if not isinstance(flow, Flow):
            raise TypeError(f"{spec['entrypoint']} is not a Prefect flow")
        found.append(Deployment(spec["name"], flow, spec))
    return found


def problems(deployment: Deployment) -> list[str]:
    """What is wrong with a deployment: unknown parameters, bad schedules, the wrong collision strategy, no
    work pool, a secret among its job variables."""
    name, spec = deployment.name, deployment.spec
    found = []
    accepted = set(inspect.signature(deployment.flow.fn).parameters)
    for parameter in spec.get("parameters") or {}:
        if parameter not in accepted:
            found.append(f"{name}: parameter {parameter!r} is not accepted by {deployment.flow.name}")
    for schedule in spec.get("schedules") or []:
        found += [f"{name}: {problem}" for problem in schedule_problems(schedule)]
    limit = spec.get("concurrency_limit") or {}
    scheduled = bool(spec.get("schedules"))
    wanted = ("CANCEL_NEW", 1) if scheduled else ("ENQUEUE", limit.get("limit"))
    if (limit.get("collision_strategy"), limit.get("limit")) != wanted or not limit.get("limit"):
        found.append(f"{name}: a {'scheduled' if scheduled else 'backfill'} deployment wants {wanted[0]}"
                     f"{' with limit 1' if scheduled else ''}, not {limit or 'no limit'}")  # fmt: skip
    pool = spec.get("work_pool") or {}
    if not pool.get("name"):
        found.append(f"{name}: no work pool")
    for variable in (pool.get("job_variables") or {}).get("env") or {}:
        if variable.removeprefix("SHOPLINES_").lower() in SECRET_SETTINGS:
            found.append(f"{name}: secret {variable} in job variables (use a Prefect Secret block)")
    return found


def schedule_problems(schedule: dict[str, Any]) -> list[str]:
    """A schedule that Prefect would refuse or read differently: a cron it cannot parse, a bad time zone."""
    try:
        ZoneInfo(schedule.get("timezone", ""))
    except (KeyError, ValueError):
        return [f"schedule time zone {schedule.get('timezone')!r} is not valid"]
    try:
        CronSchedule(cron=schedule.get("cron", ""), timezone=schedule["timezone"])
    except ValueError as exc:
        return [f"schedule {schedule.get('cron')!r} does not parse: {exc}"]
    return []
