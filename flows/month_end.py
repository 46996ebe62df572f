"""Month-end finance pack: the month's orders, refunds and adjustments from Shopify as validated CSVs and a
workbook that tie out to the cent, delivered to finance's SFTP folder and/or by email. Wiring only."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow

from clients.notify import Email, Notice, NotifyError, SmtpSettings
from shoplines.dates import business_window
from shoplines.errors import ConfigError
from shoplines.settings import Settings, load_settings
from shoplines.wiring import build_alerts, build_shopify, open_state, posting_config, run_logger, sftp_factory
from tasks import problems
from tasks.line_run import run_window
from tasks.pack_issue import PackInvalid
from tasks.pack_manifest import Identity
from tasks.pack_period import Period, period, previous_month
from tasks.pack_read import Shop
from tasks.pack_run import Job, MonthEnd, Targets, changed_after_issue, make_pack

LINE = "month-end"
NOT_DELIVERED = (
    "Nothing was delivered. Engineering is told too; the pack is made again once the differences "
    "are explained."
)


def tell_finance(email: Email | None, notice: Notice) -> None:
    """Finance hears of a pack that failed its checks; a failure to tell them never hides the run's error."""
    if email is None:
        return
    try:
        email.send(notice)
    except NotifyError as exc:
        run_logger().error("could not tell finance: %s", exc)


def finance_email(settings: Settings) -> Email | None:
    """Finance's mailbox for packs and their failures (SHOPLINES_MONTH_END_EMAIL_TO), if configured."""
    if not settings.month_end_email_to:
        return None
    if not settings.smtp_host:
        raise ConfigError("SHOPLINES_MONTH_END_EMAIL_TO is set but SHOPLINES_SMTP_HOST is not")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return Email(
        SmtpSettings(
            settings.smtp_host,
            settings.smtp_port,
            settings.notify_email_from,
            tuple(settings.month_end_email_to),
            settings.smtp_username,
            password,
            settings.smtp_security,
        )
    )


def targets(settings: Settings) -> Targets:
    sftp = sftp_factory(settings) if settings.month_end_sftp_dir else None
    return Targets(sftp, settings.month_end_sftp_dir, finance_email(settings))


def month_to_make(month: str | None, timezone: str, now: datetime) -> Period:
    """The month asked for (default: the one before `now`, shop time); one not over yet is refused."""
    span = period(month or previous_month(now, timezone), timezone)
    if span.end > now:
        raise ValueError(f"{span.label} is not over yet in {timezone}: its pack is made from the 1st")
    return span


def make(settings: Settings, job: Job) -> MonthEnd:
    """Make and deliver the pack; a pack that does not tie out is told to finance too, then raised."""
    try:
        return make_pack(job)
    except PackInvalid as exc:
        span = job.shop.period
        notice = Notice("problem", f"month-end:{span.label}", settings.shop_domain, LINE,
                        f"the pack for {span.label} does not tie out", str(exc), NOT_DELIVERED,
                        span.describe())  # fmt: skip
        tell_finance(finance_email(settings), notice)
        raise


@flow(name=LINE)
def month_end(month: str | None = None, revise: bool = False) -> MonthEnd:
    """Make the pack of `month` (YYYY-MM, shop time; default: last month) and deliver it. A month already
    issued is the same pack when its data is unchanged; `revise` re-issues a changed one as a new revision."""
    settings, now = load_settings(), datetime.now(UTC)
    span = month_to_make(month, settings.shop_timezone, now)
    window = business_window(span.first_day, span.last_day, settings.shop_timezone, "processed")
    shop = Shop(span, posting_config(settings).taxes.shop_country, settings.shop_currency)
    archive = (settings.month_end_dir or settings.home / "month-end") / settings.shop_domain
    found: list[MonthEnd] = []
    with build_shopify(settings) as shopify, open_state(settings) as state:

        def body(run_id: str) -> dict[str, int]:
            who = Identity(settings.shop_domain, run_id, now, settings.shop_currency)
            found.append(make(settings, Job(shopify, state, shop, who, archive, targets(settings), revise)))
            if problem := changed_after_issue(found[0]):
                alerts.report(problem)
            return {"delivered_to": len(found[0].delivered_to), "changes": len(found[0].changes)}

        alerts = build_alerts(settings, state, LINE, span.describe())
        run = problems.run_key(span.first_day, span.last_day, "month", incremental=False)
        params = {"month": span.label, "revise": revise}
        run_window(settings, state, alerts, line=LINE, window=window, run=run, params=params, body=body)
    run_logger().info("%s: %s %s (%s)", span.label, found[0].outcome, found[0].pack, found[0].folder or "")
    return found[0]
