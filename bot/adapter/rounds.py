"""One round of the scheduler's work through the Telegram bot: what is due is sent, first
things first (check-ins and reminders, late risk alerts, the therapist's estimates, digests
and briefs), to many chats at once within the tick's period, and what is past the clinic's
retention period is purged."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from telegram import Bot

from bot.adapter.handlers.estimate import ask_estimates, estimates_closer
from bot.adapter.notifier import TelegramNotifier
from bot.adapter.safety import send_pending_alerts
from bot.process.maintenance import purge
from bot.process.services import Services
from scheduler.planning import policy
from scheduler.reports import ReportTick, run_reports
from scheduler.sending import Round, sends_at_once
from scheduler.tick import LEASE, CheckinRound, TickReport
from storage.monitoring import queue_depth

log = logging.getLogger(__name__)


async def tick(
    bot: Bot, services: Services, lease: timedelta = LEASE, period: timedelta | None = None
) -> TickReport:
    """Send what is due through ``bot``: check-ins and reminders first, then late risk
    alerts, the therapists' estimates, then digests and briefs, with the check-ins and
    reminders that fall due meanwhile going ahead of each report (a report that fails never
    stops the others). Sends to different chats go out concurrently, each chat's in order.

    ``lease``: how long a claim on a check-in, digest or brief holds before a crashed
    worker's sends go back to the queue. ``period``: the tick's period; nothing is started
    after it (what is claimed and unstarted is given back for the next tick). Once
    ``services.stopping`` is set, nothing more starts either, and what is in flight ends.
    """
    clock, config, metrics = services.clock, services.config, services.metrics
    deadline = None if period is None else clock.now() + period
    sending = Round(clock, deadline, services.stopping, at_once=sends_at_once(lease))
    notifier = TelegramNotifier(bot, services, stopping=services.stopping)
    checkins = _checkin_round(services, notifier, lease)
    report = await checkins.run(sending)
    stopping = services.stopping.is_set
    if not stopping() and (alerts := await send_pending_alerts(bot, services)):
        log.info("risk alerts sent late", extra={"alerts": alerts})
    if sending.open:  # the estimates wait for the next tick when this one's time is up
        report.estimates = await ask_estimates(notifier, services, lease)
    reports = await run_reports(
        clock,
        config,
        services.deliveries,
        services.histories,
        notifier,
        lease=lease,
        plans=services.report_plans,
        followups=services.follow_up_flags,
        sending=sending,
        first=partial(checkins.top_up, sending),
    )
    await sending.finish()  # the check-ins and reminders started between reports
    report.digests, report.briefs = reports.digests, reports.briefs
    for _ in range(reports.digests):
        metrics.digest_sent()
    _log(services, report, reports, sending.given_back)
    return report


def _checkin_round(
    services: Services, notifier: TelegramNotifier, lease: timedelta
) -> CheckinRound:
    config = services.config
    return CheckinRound(
        services.clock,
        services.checkins,
        services.people,
        notifier,
        services.metrics,
        policy=lambda code: policy(config, code),
        lease=lease,
        reminders=services.reminders,
        estimates=estimates_closer(services),
        attach=services.attach_followup,
    )


def _log(services: Services, report: TickReport, reports: ReportTick, given_back: int) -> None:
    now = services.clock.now()
    services.metrics.ticked(now, queue_depth(services.database, now))
    if any(vars(report).values()) or reports.retried or reports.failed or given_back:
        extra = vars(report) | {
            "reports_retried": reports.retried,
            "reports_failed": reports.failed,
            "given_back": given_back,
        }
        log.info("tick", extra=extra)


def purge_now(services: Services) -> None:
    """Remove answers, notes, follow-ups and estimates past the clinic's retention period."""
    purged = purge(services.database, services.config, services.clock.now())
    counts = {
        "answers": purged.answers,
        "notes": purged.notes,
        "estimates": purged.estimates,
        "followups": purged.followups,
    }
    if any(counts.values()):
        log.info("purged", extra=counts)
