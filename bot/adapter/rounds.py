"""One round of the scheduler's work through the Telegram bot: what is due is sent, in order
(check-ins and reminders, late risk alerts, the therapist's estimates, digests and briefs),
and what is past the clinic's retention period is purged."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot

from bot.adapter.handlers.estimate import ask_estimates, estimates_closer
from bot.adapter.notifier import TelegramNotifier
from bot.adapter.safety import send_pending_alerts
from bot.process.maintenance import purge
from bot.process.services import Services
from scheduler.planning import policy
from scheduler.reports import run_reports
from scheduler.tick import LEASE, TickReport, run_tick
from storage.monitoring import queue_depth

log = logging.getLogger(__name__)


async def tick(bot: Bot, services: Services, lease: timedelta = LEASE) -> TickReport:
    """Send what is due through ``bot``: check-ins and reminders first, then late risk
    alerts, then digests and briefs (a report that fails never stops the others).

    ``lease``: how long a claim on a check-in, digest or brief holds before a crashed
    worker's sends go back to the queue.
    """
    notifier = TelegramNotifier(bot, services)
    config, metrics = services.config, services.metrics
    report = await run_tick(
        services.clock,
        services.checkins,
        services.people,
        notifier,
        metrics,
        policy=lambda code: policy(config, code),
        reminders=services.reminders,
        lease=lease,
        estimates=estimates_closer(services),
        attach=services.attach_followup,
    )
    if alerts := await send_pending_alerts(bot, services):
        log.info("risk alerts sent late", extra={"alerts": alerts})
    report.estimates = await ask_estimates(notifier, services, lease)
    reports = await run_reports(
        services.clock,
        services.config,
        services.deliveries,
        services.histories,
        notifier,
        lease=lease,
        plans=services.report_plans,
        followups=services.follow_up_flags,
    )
    report.digests, report.briefs = reports.digests, reports.briefs
    for _ in range(reports.digests):
        metrics.digest_sent()
    now = services.clock.now()
    metrics.ticked(now, queue_depth(services.database, now))
    if any(vars(report).values()) or reports.retried or reports.failed:
        extra = vars(report) | {
            "reports_retried": reports.retried,
            "reports_failed": reports.failed,
        }
        log.info("tick", extra=extra)
    return report


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
