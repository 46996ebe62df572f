"""Xero's rate limits on the sandbox clock: concurrent, minute, day (by tier) and app-minute."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sandbox.clock import SandboxClock

TIERS = {"starter": 1_000, "standard": 5_000}


@dataclass
class _Window:
    """A fixed window that opens at its first call."""

    seconds: float
    started: datetime | None = None
    used: int = 0

    def roll(self, now: datetime) -> None:
        if self.started is None or (now - self.started).total_seconds() >= self.seconds:
            self.started, self.used = now, 0

    def retry_after(self, now: datetime) -> int:
        assert self.started is not None
        return max(1, math.ceil(self.seconds - (now - self.started).total_seconds()))


@dataclass
class _Tenant:
    minute: _Window = field(default_factory=lambda: _Window(60))
    day: _Window = field(default_factory=lambda: _Window(86_400))
    in_flight: int = 0


@dataclass(frozen=True)
class Verdict:
    """``problem`` is ``None`` when the call may proceed."""

    problem: str | None
    retry_after: int | None
    headers: dict[str, str]


class RateLimits:
    """Counters per (app, tenant) plus one app-wide minute window per app."""

    def __init__(self, clock: SandboxClock, tier: str = "standard") -> None:
        """Standard limits; ``tier`` picks the daily allowance."""
        self.clock = clock
        self._lock = threading.Lock()
        self.concurrent, self.minute, self.app_minute = 5, 60, 10_000
        self.tier = tier
        self.day = TIERS[tier]
        self._tenants: dict[tuple[str, str], _Tenant] = {}
        self._apps: dict[str, _Window] = {}

    def configure(self, tier: str | None = None, **limits: int) -> None:
        """Switch tier and/or override ``concurrent``, ``minute``, ``day``, ``app_minute``."""
        with self._lock:
            if tier is not None:
                self.tier, self.day = tier, TIERS[tier]
            for name, value in limits.items():
                if name not in ("concurrent", "minute", "day", "app_minute"):
                    raise ValueError(f"unknown limit {name!r}")
                setattr(self, name, int(value))

    def admit(self, app: str, tenant: str) -> Verdict:
        """Count a call (or refuse it: the refused call is not counted)."""
        with self._lock:
            now = self.clock.now()
            entry = self._tenants.setdefault((app, tenant), _Tenant())
            app_window = self._apps.setdefault(app, _Window(60))
            for window in (entry.minute, entry.day, app_window):
                window.roll(now)
            problem, retry = None, None
            if entry.in_flight >= self.concurrent:
                problem = "concurrent"
            elif app_window.used >= self.app_minute:
                problem = "appminute"
            elif entry.day.used >= self.day:
                problem, retry = "day", entry.day.retry_after(now)
            elif entry.minute.used >= self.minute:
                problem, retry = "minute", entry.minute.retry_after(now)
            else:
                entry.in_flight += 1
                for window in (entry.minute, entry.day, app_window):
                    window.used += 1
            return Verdict(problem, retry, self._headers(entry, app_window))

    def release(self, app: str, tenant: str) -> None:
        """The call left flight."""
        with self._lock:
            self._tenants[(app, tenant)].in_flight -= 1

    def _headers(self, entry: _Tenant, app_window: _Window) -> dict[str, str]:
        return {
            "X-DayLimit-Remaining": str(max(0, self.day - entry.day.used)),
            "X-MinLimit-Remaining": str(max(0, self.minute - entry.minute.used)),
            "X-AppMinLimit-Remaining": str(max(0, self.app_minute - app_window.used)),
        }

    def status(self) -> dict[str, object]:
        """Limits and usage (admin)."""
        with self._lock:
            usage = {
                f"{app}/{tenant}": {"in_flight": t.in_flight, "minute": t.minute.used, "day": t.day.used}
                for (app, tenant), t in self._tenants.items()
            }
            return {
                "tier": self.tier,
                "limits": {
                    "concurrent": self.concurrent,
                    "minute": self.minute,
                    "day": self.day,
                    "app_minute": self.app_minute,
                },
                "usage": usage,
            }
