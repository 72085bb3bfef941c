"""Weekly digests and pre-session briefs: record what is due once, claim it, send it.

Each tick records the latest digest slot of every enrolled therapist and the brief of
every session whose brief time has come (one row per period, so nothing is recorded
twice), then claims and sends due rows like check-ins. After downtime only the latest
digest is recorded; a brief whose session has started is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from core.clinic import ClinicConfig
from core.clock import Clock
from core.delivery import Delivered, Jitter, Next, RetryLater, judge
from core.digest import Brief, Digest, Report, build_brief, build_digest
from core.loop import GAP_WINDOW
from core.repair import attention_flags
from core.schedule import session_starts
from scheduler.planning import pattern_of
from scheduler.ports import Notifier, ReportSent
from scheduler.report_plan import ReportPlans, record_due
from scheduler.sending import STOPPED, Round, sends_at_once
from scheduler.tick import LEASE
from storage.deliveries import Deliveries, Job, Kind, State
from storage.history import Histories

log = logging.getLogger(__name__)

MAX_REPORTS_PER_TICK = 200
#: Raises repair follow-ups for needs-attention rules by client code, at a time.
FlagFollowups = Callable[[Mapping[str, Sequence[str]], datetime], object]
#: How far back the session before a brief's session is looked for.
PREVIOUS_SESSION_WITHIN = timedelta(days=92)


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
    """The therapist's digest as of ``now``: their own clients only, each read on their
    own questionnaire and against its thresholds, with the therapist's estimates over
    ``GAP_WINDOW`` for the mean gap in its footer."""
    instruments = config.instruments
    found = histories.for_therapist(
        therapist_code,
        config.flags.history_checkins,
        instruments.by_key,
        estimates_since=now - GAP_WINDOW,
    )
    return build_digest(therapist_code, found, config.flags, now, instruments.flags_for)


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
    instruments = config.instruments
    limit = config.flags.history_checkins
    history = histories.for_client(therapist_code, client_code, limit, instruments.by_key)
    if history is None:
        return None
    earlier = session_starts(
        pattern_of(config, client), session_start - PREVIOUS_SESSION_WITHIN, session_start
    )
    since = earlier[-1] if earlier else None
    return build_brief(
        therapist_code, history, config.flags, session_start, since, instruments.flags_for
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
    lease: timedelta = LEASE,
    jitter: Jitter = random.random,
    plans: ReportPlans | None = None,
    followups: FlagFollowups | None = None,
    sending: Round | None = None,
    first: Callable[[], Awaitable[object]] | None = None,
) -> ReportTick:
    """Record what is due, then send it; safe to run from several workers at once.

    ``lease``: how long a claim holds (``ALLIANCE_CLAIM_LEASE_SECONDS``, as for check-ins).
    A report that fails in any way is recorded and the round goes on with the next one.
    ``jitter`` draws the jitter of retry times (random unless a test fixes it). ``plans``
    keeps the report plan from one call to the next (a running bot passes its own; without
    it the plan is built for this call). ``followups`` raises repair follow-ups for the
    needs-attention flags of each report that went out. ``sending``: the round (deadline,
    stop) to send in; ``first`` runs before each claim (the tick starts the check-ins and
    reminders due meanwhile), so a round of digests never holds them back.
    """
    round_, tick = sending or Round(clock, at_once=sends_at_once(lease)), ReportTick()
    if round_.stopping.is_set():  # past the deadline, what is due is still recorded
        return tick
    now = clock.now()
    await asyncio.to_thread(_record_due, config, deliveries, histories, now, plans or ReportPlans())
    reports = _Reports(config, histories, notifier, deliveries, clock, round_, jitter, tick)
    reports.followups = followups
    for _ in range(MAX_REPORTS_PER_TICK):
        if first is not None:
            await first()
        if not await round_.room():
            break
        claimed_at = clock.now()
        job = deliveries.claim_due(claimed_at, lease)
        if job is None:
            break
        until = claimed_at + lease
        give_back = partial(deliveries.give_back, job.id, until)
        round_.start(job.chat_id, partial(reports.deliver, job, until), give_back)
    await round_.finish()
    return tick


def _record_due(
    config: ClinicConfig,
    deliveries: Deliveries,
    histories: Histories,
    now: datetime,
    plans: ReportPlans,
) -> None:
    """Tidy the reports, then record those due. Run in a worker thread: a digest slot
    records every therapist's digest, a transaction each (1.3 s for 1,000 on SQLite), and
    a plan not prepared in time is built here; the event loop answers people meanwhile."""
    deliveries.tidy(now)
    record_due(config, deliveries, histories, now, plans)


@dataclass
class _Reports:
    """Builds (in a worker thread) and sends one claimed report at a time, and records it."""

    config: ClinicConfig
    histories: Histories
    notifier: Notifier
    deliveries: Deliveries
    clock: Clock
    sending: Round
    jitter: Jitter
    tick: ReportTick
    followups: FlagFollowups | None = None

    async def deliver(self, job: Job, until: datetime) -> None:
        """Send one report and record how it went; cut short between parts by a stop, it is
        given back with the parts sent; cancelled in a send, its fate is unknown."""
        try:
            sent = await self._attempt(job, self.clock.now())
        except asyncio.CancelledError:
            self.deliveries.retry_later(job.id, self.clock.now(), STOPPED, unknown=True)
            raise
        outcome = None if sent is None else sent.outcome
        if sent is not None and isinstance(outcome, RetryLater) and outcome.error == STOPPED:
            self.deliveries.give_back(job.id, until, parts_sent=sent.parts_sent)
            return
        _record(self.deliveries, job, sent, self.clock.now(), self.tick, self.jitter)

    async def _attempt(self, job: Job, now: datetime) -> ReportSent | None:
        """Build and send one claimed report; None when it is no longer wanted.

        A fault while building it (or one the notifier let through) becomes an outcome of
        unknown kind: retried like an unreadable answer, a few times at most.
        """
        try:
            report = await self.sending.off_loop(_report, self.config, self.histories, job, now)
            if report is None:
                return None
            sent = await self.notifier.send_report(job.chat_id, report, job.parts_sent)
            if self.followups is not None and isinstance(sent.outcome, Delivered):
                _follow_up(self.followups, report, now, job)
            return sent
        except Exception as error:  # one failing report never stops the others
            name = type(error).__name__
            log.error("report failed", extra={"delivery_id": job.id, "error": name})
            return ReportSent(job.parts_sent, RetryLater(name, unknown=True))


def _follow_up(followups: FlagFollowups, report: Report, now: datetime, job: Job) -> None:
    """Raise the repair follow-ups of a report that went out; a failure is logged and
    never makes the report count as unsent (it would be sent twice)."""
    try:
        followups(attention_flags(report), now)
    except Exception as error:
        name = type(error).__name__
        log.error("follow-ups not raised", extra={"delivery_id": job.id, "error": name})


def _record(
    deliveries: Deliveries,
    job: Job,
    sent: ReportSent | None,
    now: datetime,
    tick: ReportTick,
    jitter: Jitter,
) -> None:
    """Record how one report went: sent, failed for good, skipped, or to be tried again."""
    if sent is None:
        deliveries.finish(job.id, State.SKIPPED, now, "Gone")
        return
    verdict = judge(sent.outcome, now, job.attempts, job.unknown_sends, jitter)
    facts = {"delivery_id": job.id, "kind": job.kind.value, "parts": sent.parts_sent}
    if verdict.next is Next.SENT:
        deliveries.finish(job.id, State.SENT, now)
        tick.digests += job.kind is Kind.DIGEST
        tick.briefs += job.kind is Kind.BRIEF
        log.info("report sent", extra=facts)
        return
    facts["error"] = verdict.error
    if verdict.next is Next.GONE:  # a therapist's chat that refuses messages is not retried
        deliveries.finish(job.id, State.FAILED, now, verdict.error)
        tick.failed += 1
        log.warning("report undeliverable", extra=facts)
    elif verdict.next is Next.GIVE_UP:
        deliveries.give_up(job.id, verdict.error)
        tick.failed += 1
        log.error("report given up after sends of unknown fate", extra=facts)
    else:
        at, parts = verdict.retry_at, sent.parts_sent
        assert at is not None
        deliveries.retry_later(job.id, at, verdict.error, unknown=verdict.unknown, parts_sent=parts)
        tick.retried += 1
        log.warning("report not delivered", extra=facts)
