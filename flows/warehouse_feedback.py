"""Warehouse feedback: read the 3PL's answers (ACK, ERR, SHIP) once each, move orders along the ledger,
alert on rejections and on files left unanswered, and (if configured) put tracking into Shopify.
Wiring only."""

from __future__ import annotations

import hashlib
import posixpath
from datetime import UTC, datetime, timedelta

from prefect import flow, get_run_logger

from clients.sftp import SftpClient
from shoplines.alerting import Alerts
from shoplines.errors import ConfigError
from shoplines.leasing import leased
from shoplines.lines import WAREHOUSE_DESTINATION
from shoplines.settings import Settings, load_settings
from shoplines.state.records import Applied
from shoplines.state.store import StateStore
from shoplines.wiring import build_alerts, build_shopify, open_state, sftp_factory, warehouse_location
from tasks import feedback, problems
from tasks.deliver import Target, settle_unconfirmed
from tasks.fulfil import push_fulfilments
from tasks.record import report_failure
from tasks.warehouse_answers import AnswerFormat, Parsed, WorkingHours, parse_answer, reading_order
from tasks.warehouse_stock import StockFormat

LINE = "warehouse-feedback"
SENDING_LINE = "orders-to-warehouse"
ALL_TIME = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))  # one feedback run at a time


@flow(name=LINE)
def warehouse_feedback() -> dict[str, int]:
    """Read every answer the 3PL left in its outbound folder, apply each once, archive it; then alert on
    files still unanswered after the configured working time."""
    settings = load_settings()
    target = sending_target(settings)
    fmt = AnswerFormat.from_settings(settings.warehouse_answer_format)
    hours = WorkingHours.parse(
        settings.warehouse_working_hours, settings.warehouse_working_days, settings.shop_timezone
    )
    with open_state(settings) as state:
        alerts = build_alerts(settings, state, LINE, None)
        now = datetime.now(UTC)
        # every feedback run is the schedule's kind of run: the freshness check watches them
        run_id = state.start_run(target.shop_id, LINE, "answers", now, now, {"incremental": True})
        try:
            with leased(state, target.shop_id, LINE, ALL_TIME, run_id=run_id,
                        ttl=timedelta(seconds=settings.run_lease_seconds),
                        wait=settings.run_lease_wait_seconds):  # fmt: skip
                counts = read_answers(settings, state, alerts, target, fmt=fmt, run_id=run_id)
                if settings.shopify_push_fulfilments:
                    with build_shopify(settings) as shopify:
                        counts |= push_fulfilments(shopify, state, alerts, shop_id=target.shop_id,
                                                   destination=target.destination,
                                                   location_id=warehouse_location(settings))  # fmt: skip
        except BaseException as exc:
            try:
                state.finish_run(run_id, "failed", {}, f"{type(exc).__name__}: {exc}")
            finally:
                report_failure(alerts, exc, "the 3PL's answers", "scheduled")
            raise
        waiting = state.awaiting_answers(target.shop_id, target.destination, SENDING_LINE)
        late = feedback.overdue(
            waiting, datetime.now(UTC), hours, timedelta(minutes=settings.warehouse_ack_minutes)
        )
        for problem in late:
            alerts.report(problem)
        alerts.clear(alerts.open_keys(feedback.NO_ANSWER) - {p.key for p in late})
        counts["unanswered_files"] = len(late)
        state.finish_run(run_id, "completed", counts)
        alerts.clear(problems.cleared_failures(alerts.open_keys(problems.FAILED), "scheduled"))
        alerts.flush_pending()
    get_run_logger().info("Warehouse answers: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def sending_target(settings: Settings) -> Target:
    """The folders of the orders → warehouse line, whose deliveries the answers are about."""
    return Target(
        settings.shop_domain, SENDING_LINE, WAREHOUSE_DESTINATION, settings.sftp_inbound_dir,
        settings.sftp_archive_dir, settings.sftp_processed_dir, settings.sftp_outbound_dir,
    )  # fmt: skip


def read_answers(
    settings: Settings, state: StateStore, alerts: Alerts, target: Target, *, fmt: AnswerFormat, run_id: str
) -> dict[str, int]:
    """Apply each answer file in the outbound folder once (answers before shipments) and archive it."""
    logger = get_run_logger()
    counts = {"files": 0, "acknowledged": 0, "rejected": 0, "shipped_lines": 0, "refused": 0, "unreadable": 0}
    if not target.outbound:  # never "0 answers, success": nothing could be read
        raise ConfigError("SHOPLINES_SFTP_OUTBOUND_DIR is empty: the 3PL's answers cannot be read")
    connect = sftp_factory(settings)
    settle_unconfirmed(connect, state, target)  # answers are evidence for unconfirmed uploads: first
    unsettled = {f.file_name for f in state.files(target.shop_id, target.destination, "intent")}
    unreadable: list[tuple[str, str]] = []
    with connect() as sftp:
        stock = StockFormat.from_settings(settings.warehouse_stock_format)  # the inventory line's files
        names = [n for n in sftp.listdir(target.outbound) if not stock.claims(n)]
        for name in reading_order(names, fmt):
            path = posixpath.join(target.outbound, name)
            data = sftp.read_bytes(path)
            sha = hashlib.sha256(data).hexdigest()
            parsed = parse_answer(name, data, fmt)
            if parsed.error is not None:
                state.quarantine_answer_file(target.shop_id, target.destination, run_id, file_name=name,
                                             sha256=sha, size=len(data), reason=parsed.error)  # fmt: skip
                unreadable.append((name, parsed.error))
                logger.warning("Cannot read %s; left in place: %s", name, parsed.error)
                continue
            if waiting_on := sorted({a.file_name for a in parsed.answers} & unsettled):
                logger.warning("%s answers %s, not confirmed delivered yet; read next run", name, waiting_on)
                continue
            applied = state.apply_answer_file(
                target.shop_id, target.destination, run_id, file_name=name, sha256=sha, size=len(data),
                kind=parsed.kind, rows=parsed.answers, shipments=parsed.shipments,
            )  # fmt: skip
            tell(state, alerts, target, run_id=run_id, applied=applied, parsed=parsed)
            archive(sftp, state, target, applied, path)
            counts["files"] += 0 if applied.already else 1
            counts["acknowledged"] += sum(1 for *_, r in applied.matched if r.answer != "REJECTED")
            counts["rejected"] += sum(1 for *_, r in applied.matched if r.answer == "REJECTED")
            counts["shipped_lines"] += len(applied.shipments)
            counts["refused"] += len(applied.refused)
    counts["unreadable"] = len(unreadable)
    if problem := feedback.unreadable(unreadable):
        alerts.report(problem)
    else:
        alerts.clear([feedback.UNREADABLE])
    return counts


def tell(
    state: StateStore, alerts: Alerts, target: Target, *, run_id: str, applied: Applied, parsed: Parsed
) -> None:
    """Journal what the file changed, and raise its problems (once: a file applied before says nothing)."""
    logger = get_run_logger()
    if applied.already:
        logger.info("%s was applied by an earlier run; archiving it", applied.file.file_name)
        return
    state.journal(target.shop_id, LINE, run_id, feedback.journal_steps(applied))
    for rejection in feedback.rejections(applied):
        alerts.report(rejection)
    if problem := feedback.refused(applied):
        alerts.report(problem)
    rejected = [n for _, n, r in applied.matched if r.answer == "REJECTED"]
    logger.info(
        "%s (%s): %d answer(s) applied%s, %d shipped line(s), %d refused",
        applied.file.file_name, parsed.kind, len(applied.matched),
        f" ({len(set(rejected))} order(s) rejected: {', '.join(sorted(set(rejected)))})" if rejected else "",
        len(applied.shipments), len(applied.refused),
    )  # fmt: skip


def archive(sftp: SftpClient, state: StateStore, target: Target, applied: Applied, path: str) -> None:
    """Move an applied file out of the 3PL's outbound folder into our archive (a clash keeps both)."""
    folder = posixpath.join(target.archive or "archive", "answers")
    sftp.makedirs(folder)
    name = applied.file.file_name
    destination = posixpath.join(folder, name)
    if sftp.exists(destination):  # the 3PL reused a name for other content: keep both
        destination = posixpath.join(folder, f"{applied.file.sha256[:12]}_{name}")
    if sftp.exists(destination):
        sftp.remove(path)  # this very content is archived already (a run died after archiving it)
    else:
        sftp.rename(path, destination)
    state.answer_file_archived(applied.file.id, destination)
