"""Month-end finance pack: the month's orders, refunds and adjustments from Shopify as validated CSVs and a
workbook that tie out to the cent, delivered to finance's SFTP folder and/or by email. Wiring only."""

from __future__ import annotations

import os
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
from tasks.pack_period import period, previous_month
from tasks.pack_read import Shop
from tasks.pack_run import Job, MonthEnd, Targets, make_pack

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


@flow(name=LINE)
def month_end(month: str | None = None, revise: bool = False) -> MonthEnd:
    """Make the pack of `month` (YYYY-MM, shop time; default: last month) and deliver it. A month already
    issued is the same pack when its data is unchanged; `revise` re-issues a changed one as a new revision."""
    settings = load_settings()
    now = datetime.now(UTC)
    label = month or previous_month(now, settings.shop_timezone)
    span = period(label, settings.shop_timezone)
    if span.end > now:
        raise ValueError(
            f"{label} is not over yet in {settings.shop_timezone}: its pack is made from the 1st"
        )
    window = business_window(span.first_day, span.last_day, settings.shop_timezone, "processed")
    run = problems.run_key(span.first_day, span.last_day, "month", incremental=False)
    home = settings.month_end_dir or settings.home / "month-end"
    shop = Shop(span, posting_config(settings).taxes.shop_country, settings.shop_currency)
    found: list[MonthEnd] = []
    with build_shopify(settings) as shopify, open_state(settings) as state:
        alerts = build_alerts(settings, state, LINE, span.describe())
        email = finance_email(settings)

        def body(run_id: str) -> dict[str, int]:
            who = Identity(settings.shop_domain, run_id, now, settings.shop_currency)
            job = Job(shopify, state, shop, who, home / settings.shop_domain, targets(settings), revise)
            try:
                found.append(make_pack(job))
            except PackInvalid as exc:
                tell_finance(
                    email,
                    Notice(
                        "problem",
                        f"month-end:{label}",
                        settings.shop_domain,
                        LINE,
                        f"the pack for {label} does not tie out",
                        str(exc),
                        NOT_DELIVERED,
                        span.describe(),
                    ),
                )
                raise
            return {"delivered_to": len(found[0].delivered_to), "changes": len(found[0].changes)}

        run_window(
            settings,
            state,
            alerts,
            line=LINE,
            window=window,
            run=run,
            params={"month": label, "revise": revise},
            body=body,
        )
    result = found[0]
    run_logger().info("%s: %s %s (%s)", label, result.outcome, result.pack, os.fspath(result.folder or ""))
    return result
