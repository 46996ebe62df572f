"""Reading a Prefect server's event feed in tests: did an automation trigger?"""

from __future__ import annotations

import time
from datetime import datetime

from prefect.client.orchestration import SyncPrefectClient
from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter


def triggered(client: SyncPrefectClient, automation: str, since: datetime, timeout: float = 30) -> bool:
    """Whether the server reports `automation` triggered since `since` (events arrive within seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        name = EventNameFilter(name=["prefect.automation.triggered"])
        query = EventFilter(event=name, occurred=EventOccurredFilter(since=since))  # until: now, built here
        answer = client.request("POST", "/events/filter", json={"filter": query.model_dump(mode="json")})
        if automation in [e["resource"].get("prefect.resource.name") for e in answer.json()["events"]]:
            return True
        time.sleep(1)
    return False
