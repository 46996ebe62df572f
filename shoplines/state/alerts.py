"""Queries behind alerts (problems people were told about), run inside the store's transactions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from shoplines.state import locks
from shoplines.state.models import Alert
from shoplines.state.records import ALERT_KINDS, AlertRecord, StateError
from shoplines.state.rows import json_document, to_record

ANNOUNCED = ("problem", "reminder", "resolved")


def open_alert(
    session: Session, shop_id: str, line: str, key: str, *, kind: str, content: dict[str, Any], now: datetime
) -> tuple[AlertRecord, bool, bool]:
    """The open alert of `key`, refreshed with `content`, or a new one; whether it is new, and whether it
    grew (a count went up since people were last told)."""
    if kind not in ALERT_KINDS:
        raise ValueError(f"an alert is one of {ALERT_KINDS}, not {kind!r}")
    locks.serialise(session, locks.ALERTS, shop_id, line, key)
    row = session.scalars(
        select(Alert).where(
            Alert.shop_id == shop_id, Alert.line == line, Alert.key == key, Alert.status == "open"
        )
    ).one_or_none()
    content = {**content, "counts": json_document(content.get("counts") or {})}
    if row is None:
        row = Alert(
            shop_id=shop_id,
            line=line,
            key=key,
            kind=kind,
            status="open",
            opened_at=now,
            last_seen_at=now,
            occurrences=1,
            **content,
        )
        session.add(row)
        session.flush()
        return to_record(AlertRecord, row), True, False
    before = dict(row.counts or {})
    grew = any(int(value) > int(before.get(name, 0)) for name, value in content["counts"].items())
    for name, value in content.items():
        setattr(row, name, value)
    row.last_seen_at, row.occurrences = now, row.occurrences + 1
    return to_record(AlertRecord, row), False, grew


def resolve(
    session: Session,
    shop_id: str,
    line: str,
    keys: Sequence[str],
    *,
    prefix: str | None,
    announce: bool,
    now: datetime,
) -> list[AlertRecord]:
    """Close the open alerts of `keys` (and those whose key starts with `prefix`); the ones closed."""
    if not keys and prefix is None:
        return []
    for key in sorted(set(keys)):  # the lock `open_alert` takes: a report and a clear of one key are serial
        locks.serialise(session, locks.ALERTS, shop_id, line, key)
    match: list[ColumnElement[bool]] = [Alert.key.in_(list(keys))] if keys else []
    if prefix is not None:
        match.append(Alert.key.startswith(prefix, autoescape=True))
    query = select(Alert).where(
        Alert.shop_id == shop_id, Alert.line == line, Alert.status == "open", or_(*match)
    )
    rows = session.scalars(query.order_by(Alert.id).with_for_update()).all()
    for row in rows:
        row.status, row.resolved_at = "resolved", now
        if not announce or row.notified_at is None:  # nothing was said, so there is nothing to take back
            row.resolution_notified_at = now
    return [to_record(AlertRecord, row) for row in rows]


def announced(
    session: Session, alert_id: int, *, kind: str, ok: bool, error: str | None, now: datetime
) -> None:
    """Record an announcement attempt: when it reached a channel, or why it did not."""
    if kind not in ANNOUNCED:
        raise ValueError(f"an announcement is one of {ANNOUNCED}, not {kind!r}")
    row = session.get(Alert, alert_id)
    if row is None:
        raise StateError(f"unknown alert {alert_id}")
    row.last_error = error
    if not ok:
        row.failed_attempts += 1
        return
    if kind == "resolved":
        row.resolution_notified_at = now
    else:
        row.notified_at = now


def listed(session: Session, shop_id: str, line: str | None, *, status: str | None) -> list[AlertRecord]:
    """Alerts of a shop (optionally of one line, in one status), oldest first."""
    query = select(Alert).where(Alert.shop_id == shop_id)
    if line is not None:
        query = query.where(Alert.line == line)
    if status is not None:
        query = query.where(Alert.status == status)
    return [to_record(AlertRecord, row) for row in session.scalars(query.order_by(Alert.opened_at, Alert.id))]


def pending(session: Session, shop_id: str, line: str) -> list[AlertRecord]:
    """Announcements still owed: open problems nobody was told of, resolutions not yet sent."""
    owed = or_(
        (Alert.status == "open") & Alert.notified_at.is_(None),
        (Alert.status == "resolved")
        & Alert.notified_at.is_not(None)
        & Alert.resolution_notified_at.is_(None),
    )
    query = select(Alert).where(Alert.shop_id == shop_id, Alert.line == line, owed).order_by(Alert.id)
    return [to_record(AlertRecord, row) for row in session.scalars(query)]
