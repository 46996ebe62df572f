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
    """What is wrong with a deployment: unknown parameters, bad time zones, no work pool."""
    found = []
    accepted = set(inspect.signature(deployment.flow.fn).parameters)
    for name in deployment.spec.get("parameters") or {}:
        if name not in accepted:
            found.append(f"{deployment.name}: parameter {name!r} is not accepted by {deployment.flow.name}")
    for schedule in deployment.spec.get("schedules") or []:
        try:
            ZoneInfo(schedule.get("timezone", ""))
        except (KeyError, ValueError):
            found.append(f"{deployment.name}: schedule time zone {schedule.get('timezone')!r} is not valid")
    if not (deployment.spec.get("work_pool") or {}).get("name"):
        found.append(f"{deployment.name}: no work pool")
    return found
