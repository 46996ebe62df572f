"""Problems people must hear about: opened once, reminded rarely, resolved once, never lost.

Each problem has a key per shop and line ("run-failed", "quarantine", "held:gid://shopify/Order/1"). The state
database remembers which are open, so a run every 15 minutes does not announce the same problem 96 times a
day: it is announced when it opens, reminded after `reminder_after`, and its resolution is announced once.
An announcement that no channel accepted stays pending and is tried again by the next run. Every problem also
becomes a Prefect event, so Prefect Automations can react. Text is masked (`shoplines.privacy`) before it is
stored or sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from clients.notify import Delivery, Kind, Notice, Notifier
from shoplines.privacy import mask_text
from shoplines.state.records import AlertRecord
from shoplines.state.store import StateStore

log = logging.getLogger("shoplines.alerts")
NO_CHANNEL = "no channel configured"


@dataclass(frozen=True)
class Problem:
    """What a line reports. `event` problems are announcements (a CANCEL after delivery): sent once, and
    closed at once."""

    key: str
    title: str
    what: str
    next_step: str
    counts: dict[str, int] = field(default_factory=dict)
    kind: Literal["problem", "event"] = "problem"


@dataclass
class Alerts:
    """The alerts of one line of one shop, for one run."""

    state: StateStore
    notifier: Notifier
    shop: str
    line: str
    window: str | None = None
    link: str | None = None
    reminder_after: timedelta = timedelta(hours=24)
    emit: bool = True
    sent: list[tuple[Notice, list[Delivery]]] = field(default_factory=list)

    def report(self, problem: Problem) -> AlertRecord:
        """Open `problem` (or note that it is still there) and announce it if it is due."""
        masked = Problem(
            problem.key,
            mask_text(problem.title),
            mask_text(problem.what),
            mask_text(problem.next_step),
            dict(problem.counts),
            problem.kind,
        )
        alert, opened, grew = self.state.open_alert(
            self.shop,
            self.line,
            masked.key,
            kind=masked.kind,
            title=masked.title,
            what=masked.what,
            next_step=masked.next_step,
            counts=masked.counts,
            window=self.window,
            link=self.link,
        )
        if opened or alert.notified_at is None or grew:  # new, never told, or worse than people were told
            told = self._announce(alert, "problem")
        elif self.state.now() - alert.notified_at >= self.reminder_after:
            told = self._announce(alert, "reminder")
        else:
            told = True
        if masked.kind == "event" and told:  # an announcement is done once a channel took it
            self.state.resolve_alerts(self.shop, self.line, [masked.key], announce=False)
        return alert

    def clear(self, keys: Iterable[str], *, prefix: str | None = None) -> list[AlertRecord]:
        """Resolve the open problems among `keys` (or whose key starts with `prefix`); announce each
        resolution once, if the problem itself was announced."""
        resolved = self.state.resolve_alerts(self.shop, self.line, list(keys), prefix=prefix, announce=True)
        for alert in resolved:
            if alert.notified_at is not None:
                self._announce(alert, "resolved")
        return resolved

    def open_keys(self, prefix: str = "") -> set[str]:
        return {a.key for a in self.state.open_alerts(self.shop, self.line) if a.key.startswith(prefix)}

    def flush_pending(self) -> None:
        """Announce what an earlier run could not: problems no channel accepted, resolutions not yet sent.
        A resolution owed for a problem that is open again is dropped: its last word must not be "fixed"."""
        owed = self.state.pending_alerts(self.shop, self.line)
        reopened = {a.key for a in owed if a.status == "open"} | self.open_keys()
        for alert in owed:
            if alert.status == "resolved" and alert.key in reopened:
                self.state.alert_announced(alert.id, kind="resolved", ok=True, error="superseded: open again")
            elif alert.status == "resolved":
                self._announce(alert, "resolved")
            elif self._announce(alert, "problem") and alert.kind == "event":
                self.state.resolve_alerts(self.shop, self.line, [alert.key], announce=False)

    def _announce(self, alert: AlertRecord, kind: Kind) -> bool:
        """Send one notice; whether a channel took it (recorded either way)."""
        notice = Notice(
            kind=kind,
            key=alert.key,
            shop=self.shop,
            line=self.line,
            title=alert.title,
            what=alert.what,
            next_step=alert.next_step if kind != "resolved" else "Nothing more: this no longer applies.",
            window=alert.window,  # as reported: an owed notice keeps its own run's window and link
            counts=dict(alert.counts or {}),
            link=alert.link,
        )
        results = self.notifier.send(notice)
        self.sent.append((notice, results))
        accepted = [r for r in results if r.ok]
        failed = [r.detail for r in results if not r.ok]
        if not self.notifier.channels:  # the Prefect event and the run log are all there is
            log.warning(
                "no notification channel is configured (see README, 'Notifications'): %s", notice.subject
            )
            accepted = [Delivery("none", True, NO_CHANNEL)]
            failed = [NO_CHANNEL]
        for detail in failed:
            log.warning("notification not sent: %s", detail)
        self.state.alert_announced(alert.id, kind=kind, ok=bool(accepted), error="; ".join(failed) or None)
        if self.emit:
            try:
                _emit(notice)
            except Exception as exc:  # the event is a courtesy to Automations; the notice stands
                log.warning("could not emit the Prefect event for %s: %s", notice.key, exc)
        return bool(accepted)


def _emit(notice: Notice) -> None:
    """A Prefect event per announcement (`shoplines.problem.opened|reminded|resolved`)."""
    try:
        from prefect.events import emit_event
    except ImportError:  # pragma: no cover - Prefect is a dependency
        return
    name = {"problem": "opened", "reminder": "reminded", "resolved": "resolved"}[notice.kind]
    emit_event(
        event=f"shoplines.problem.{name}",
        resource={
            "prefect.resource.id": f"shoplines.{notice.shop}.{notice.line}.{notice.key}",
            "prefect.resource.name": notice.title,
            "shoplines.line": notice.line,
            "shoplines.shop": notice.shop,
            "shoplines.key": notice.key,  # Automations match on it (deployments/definitions.py)
        },
        payload={
            "title": notice.title,
            "what": notice.what,
            "next_step": notice.next_step,
            "counts": notice.counts,
            "window": notice.window,
        },
    )
