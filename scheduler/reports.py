"""Weekly digests and pre-session briefs: record what is due once, claim it, send it.

Each tick records the latest digest slot of every enrolled therapist and the brief of
every session whose brief time has come (one row per period, so nothing is recorded
twice), then claims and sends due rows like check-ins. After downtime only the latest
digest is recorded; a brief whose session has started is skipped.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clinic import ClinicConfig
from core.clock import Clock
from core.delivery import Delivered, RetryLater, Unreachable, retry_delay
from core.digest import Brief, Digest, Report, build_brief, build_digest
from core.report_times import (
    brief_period_key,
    brief_time,
    digest_period_key,
    latest_digest_slot,
    timing_for,
)
from core.schedule import session_starts
from scheduler.planning import pattern_of
from scheduler.ports import Notifier
from storage.deliveries import Deliveries, Job, Kind, State
from storage.history import Histories

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_REPORTS_PER_TICK = 200
#: How far back the session before a brief's session is looked for.
PREVIOUS_SESSION_WITHIN = timedelta(days=92)
_WEEK = timedelta(days=7)


@dataclass
class ReportTick:
    """What one round of reports did."""

    digests: int = 0
    briefs: int = 0
    retried: int = 0
    failed: int = 0


def digest_now(
    config: ClinicConfig, histories: Histories, therapist_code: str, now: datetime
) -> Digest:
    """The therapist's digest as of ``now``: their own clients only."""
    limit = config.flags.history_checkins
    return build_digest(
        therapist_code, histories.for_therapist(therapist_code, limit), config.flags, now
    )


def brief_for(
    config: ClinicConfig,
    histories: Histories,
    therapist_code: str,
    client_code: str,
    session_start: datetime,
) -> Brief | None:
    """The brief before one session, or None if the client is no longer this therapist's."""
    client = config.client(client_code)
    if client is None or client.therapist != therapist_code:
        return None
    history = histories.for_client(therapist_code, client_code, config.flags.history_checkins)
    if history is None:
        return None
    earlier = session_starts(
        pattern_of(config, client), session_start - PREVIOUS_SESSION_WITHIN, session_start
    )
    since = earlier[-1] if earlier else None
    return build_brief(therapist_code, history, config.flags, session_start, since)


def record_due(
    config: ClinicConfig, deliveries: Deliveries, histories: Histories, now: datetime
) -> None:
    """Record the latest digest of each enrolled therapist and every brief now due."""
    for enrolled in deliveries.enrolled_therapists():
        therapist = config.therapist(enrolled.code)
        if therapist is None:
            continue
        timing = timing_for(config, therapist)
        slot = latest_digest_slot(timing, now)
        if slot >= enrolled.enrolled_at:  # nothing from before the therapist enrolled
            key = digest_period_key(timing, slot)
            deliveries.ensure(Kind.DIGEST, therapist.code, key, slot, slot + _WEEK)
        if not timing.briefs:
            continue
        statuses = dict(histories.roster(therapist.code))
        for client in config.clients_of(therapist.code):
            if statuses.get(client.code, "not_enrolled") == "not_enrolled":
                continue  # no brief about a client who never linked a chat
            ahead = now + timing.brief_lead + timedelta(days=1)
            for start in session_starts(pattern_of(config, client), now, ahead):
                at = brief_time(start, timing)
                if at <= now < start:
                    key = brief_period_key(client.code, start)
                    deliveries.ensure(
                        Kind.BRIEF,
                        therapist.code,
                        key,
                        at,
                        start,
                        client_code=client.code,
                        session_start=start,
                    )


def _report(config: ClinicConfig, histories: Histories, job: Job, now: datetime) -> Report | None:
    if config.therapist(job.therapist_code) is None:
        return None
    if job.kind is Kind.DIGEST:
        return digest_now(config, histories, job.therapist_code, now)
    if job.client_code is None or job.session_start is None:
        return None
    return brief_for(config, histories, job.therapist_code, job.client_code, job.session_start)


async def run_reports(
    clock: Clock,
    config: ClinicConfig,
    deliveries: Deliveries,
    histories: Histories,
    notifier: Notifier,
) -> ReportTick:
    """Record what is due, then send it; safe to run from several workers at once."""
    now = clock.now()
    deliveries.tidy(now)
    record_due(config, deliveries, histories, now)
    tick = ReportTick()
    for _ in range(MAX_REPORTS_PER_TICK):
        now = clock.now()
        job = deliveries.claim_due(now, LEASE)
        if job is None:
            break
        report = _report(config, histories, job, now)
        if report is None:
            deliveries.finish(job.id, State.SKIPPED, now, "Gone")
            continue
        sent = await notifier.send_report(job.chat_id, report, job.parts_sent)
        now, outcome = clock.now(), sent.outcome
        facts = {"delivery_id": job.id, "kind": job.kind.value, "parts": sent.parts_sent}
        if isinstance(outcome, Delivered):
            deliveries.finish(job.id, State.SENT, now)
            tick.digests += job.kind is Kind.DIGEST
            tick.briefs += job.kind is Kind.BRIEF
            log.info("report sent", extra=facts)
        elif isinstance(outcome, Unreachable):
            deliveries.finish(job.id, State.FAILED, now, outcome.error)
            tick.failed += 1
            log.warning("report undeliverable", extra=facts | {"error": outcome.error})
        else:
            delay = retry_delay(
                job.attempts,
                random.random(),  # noqa: S311 - jitter, not a secret
                outcome.retry_after if isinstance(outcome, RetryLater) else None,
            )
            deliveries.retry_later(job.id, now + delay, outcome.error, sent.parts_sent)
            tick.retried += 1
            log.warning("report not delivered", extra=facts | {"error": outcome.error})
    return tick
