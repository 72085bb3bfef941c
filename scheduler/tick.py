"""One tick: give back lapsed claims, close expired check-ins, send what is due, remind."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from core.clock import Clock
from core.delivery import Delivered, Delivery, Jitter, Next, RetryLater, Verdict, judge
from core.model import Checkin, CheckinStatus
from core.repair import may_attach
from core.timing import (
    REMINDER_MIN_OPEN,
    CheckinTiming,
    in_quiet,
    is_stale,
    leave_quiet,
    next_reminder,
)
from scheduler.ports import NO_METRICS, Metrics, Notifier
from scheduler.sending import STOPPED, Round, sends_at_once
from storage.checkins import Checkins
from storage.estimates import Estimates
from storage.people import People
from storage.reminders import Reminders

log = logging.getLogger(__name__)

#: How long a claim holds before another worker may take the check-in over (the default of
#: ``ALLIANCE_CLAIM_LEASE_SECONDS``).
LEASE = timedelta(minutes=5)
#: Check-ins (and reminders) per tick at most; the next tick goes on.
MAX_SENDS_PER_TICK = 500
#: Check-ins claimed in one transaction at most, and never more than there is room for in
#: the round: a killed worker leaves at most the sends in flight of unknown fate, and little
#: claimed and unsent to wait out the lease. Each send first checks that the claim still
#: holds, so one slower than the lease is not sent twice: rows another worker took over are
#: left to it.
CLAIM_BATCH = 25
#: A client's timing policy by client code.
Policy = Callable[[str], CheckinTiming]
#: Gives a check-in about to be sent the client's waiting repair follow-up, if it may take
#: one on (``core.repair.may_attach``); returns the check-in as it is to be sent.
Attach = Callable[[Checkin], Checkin]


@dataclass
class TickReport:
    """What one tick did, for logs and tests."""

    released: int = 0
    closed: int = 0
    sent: int = 0
    retried: int = 0
    unreachable: int = 0
    deferred: int = 0
    reminded: int = 0
    stale: int = 0
    resumed: int = 0
    gave_up: int = 0  # closed unsent: sends of unknown fate failed too often
    overtaken: int = 0  # left to the worker that took them over after this one's lease

    digests: int = 0
    briefs: int = 0
    estimates: int = 0  # therapists' estimates asked


def _no_policy(_code: str) -> CheckinTiming:
    return CheckinTiming()


async def run_tick(
    clock: Clock,
    checkins: Checkins,
    people: People,
    notifier: Notifier,
    metrics: Metrics = NO_METRICS,
    policy: Policy = _no_policy,
    reminders: Reminders | None = None,
    lease: timedelta = LEASE,
    estimates: Estimates | None = None,
    attach: Attach | None = None,
    sending: Round | None = None,
) -> TickReport:
    """Do the due work once; safe to run from several workers at the same time.

    ``estimates``: where a sent check-in closes its therapist's estimate (None: no
    therapist is asked for estimates). ``attach``: what gives a check-in its repair
    follow-up just before it is sent (None: none is asked). ``sending``: the round the
    sends go out in, with its deadline and stop (None: one without either).
    """
    tick = CheckinRound(clock, checkins, people, notifier, metrics, policy, lease)
    tick.reminders, tick.estimates, tick.attach = reminders, estimates, attach
    return await tick.run(sending or Round(clock, at_once=sends_at_once(lease)))


@dataclass
class CheckinRound:
    """One tick's check-ins and reminders: its collaborators and what it has done so far."""

    clock: Clock
    checkins: Checkins
    people: People
    notifier: Notifier
    metrics: Metrics
    policy: Policy
    lease: timedelta
    reminders: Reminders | None = None
    estimates: Estimates | None = None
    attach: Attach | None = None
    report: TickReport = field(default_factory=TickReport)
    jitter: Jitter = random.random
    tried: int = 0  # check-ins claimed
    reminders_tried: int = 0

    async def run(self, sending: Round) -> TickReport:
        """Tidy, then send every due check-in and reminder in ``sending`` and wait for them;
        nothing when the process is stopping."""
        if sending.stopping.is_set():
            return self.report
        now = self.clock.now()
        self.report.resumed = self.people.end_due_pauses(now)  # before claiming: they go now
        tidied = self.checkins.tidy(now)
        closed = tidied.closed
        expired, unsent = closed.get(CheckinStatus.EXPIRED, 0), closed.get(CheckinStatus.UNSENT, 0)
        self.metrics.closed(expired, unsent)
        self.report.released = tidied.released
        self.report.closed = sum(closed.values())
        await self.top_up(sending)
        await sending.finish()
        return self.report

    async def top_up(self, sending: Round) -> None:
        """Claim the check-ins, then the reminders, due now and start them, as room frees up
        in ``sending``; until none is due, ``MAX_SENDS_PER_TICK`` of each, or the round is
        over. A report round calls this before each report: check-ins never wait for it."""
        half = sending.at_once // 2
        while self.tried < MAX_SENDS_PER_TICK and (room := await sending.room(half)):
            claimed_at = self.clock.now()
            limit = min(CLAIM_BATCH, room, MAX_SENDS_PER_TICK - self.tried)
            batch = self.checkins.claim_due_batch(claimed_at, self.lease, limit)
            for claimed in batch:
                until = claimed_at + self.lease
                send = partial(self._checkin_task, claimed, until)
                sending.start(claimed.chat_id, send, partial(self._give_back, claimed.id, until))
            self.tried += len(batch)
            if len(batch) < limit:
                break
        reminders = self.reminders
        while reminders is not None and self.reminders_tried < MAX_SENDS_PER_TICK:
            if not await sending.room():
                return
            reminder = reminders.claim_due(self.clock.now(), self.lease)
            if reminder is None:
                return
            self.reminders_tried += 1
            send = partial(self._reminder_task, reminder, reminders)
            back = partial(reminders.move, reminder.id, reminder.remind_at)
            sending.start(reminder.chat_id, send, back)

    def _give_back(self, checkin_id: int, until: datetime) -> None:
        if not self.checkins.give_back(checkin_id, until):
            self.report.overtaken += 1

    async def _checkin_task(self, checkin: Checkin, until: datetime) -> None:
        """Send one claimed check-in; cancelled in its send (the process stops), it is given
        back as a send of unknown fate: it may have arrived."""
        try:
            await self.send_checkin(checkin, until)
        except asyncio.CancelledError:
            self.checkins.retry_later(checkin.id, self.clock.now(), STOPPED, unknown=True)
            raise

    async def _reminder_task(self, checkin: Checkin, reminders: Reminders) -> None:
        """Send one claimed reminder; cancelled in its send, it is due again at its time."""
        try:
            await self.remind(checkin, reminders)
        except asyncio.CancelledError:
            reminders.move(checkin.id, checkin.remind_at)
            raise

    async def send_checkin(self, checkin: Checkin, until: datetime) -> None:
        """Send one check-in claimed until ``until``, or give it back to wait for morning or
        a retry; leave it alone if the claim lapsed and another worker took it over."""
        timing, tz = self.policy(checkin.client_code), ZoneInfo(checkin.timezone)
        now = self.clock.now()
        if not self.checkins.hold(checkin.id, until, now + self.lease):
            self.report.overtaken += 1
            log.warning("claim lapsed before the send", extra={"checkin_id": checkin.id})
            return
        if in_quiet(now, tz, timing.quiet):  # late after downtime or retries: wait for morning
            self.checkins.defer(checkin.id, leave_quiet(now, tz, timing.quiet))
            self.report.deferred += 1
            return
        if self.attach is not None and may_attach(checkin.repair, checkin.unknown_sends):
            checkin = self.attach(checkin)  # rendered with it on this and every later send
        started = time.perf_counter()
        outcome = await self.notifier.send_checkin(checkin)
        took = time.perf_counter() - started
        now = self.clock.now()
        self.metrics.send(_outcome_name(outcome), took, now)
        if isinstance(outcome, Delivered):
            remind_at = next_reminder(now, tz, timing, checkin.expires_at, 0)
            self.checkins.mark_sent(checkin.id, outcome.chat_id, outcome.message_id, now, remind_at)
            if self.estimates is not None:  # the client can answer now: too late to estimate
                self.estimates.close_sent(checkin.id)
            self.report.sent += 1
            log.info("checkin sent", extra={"checkin_id": checkin.id, "seconds": round(took, 3)})
            return
        verdict = judge(outcome, now, checkin.attempts, checkin.unknown_sends, self.jitter)
        self._checkin_failed(checkin, verdict)

    def _checkin_failed(self, checkin: Checkin, verdict: Verdict) -> None:
        """Give up a check-in, or give it back to be tried again: a chat that refused it
        (gone) is tried again too, as the client may unblock the bot before it expires."""
        facts = {"checkin_id": checkin.id, "error": verdict.error, "attempt": checkin.attempts}
        if verdict.next is Next.GIVE_UP:
            self.checkins.give_up(checkin.id, verdict.error)
            self.metrics.closed(0, 1)
            self.report.gave_up += 1
            log.error("checkin given up after sends of unknown fate", extra=facts)
            return
        self._count_failure(checkin, verdict)
        assert verdict.retry_at is not None
        self.checkins.retry_later(
            checkin.id, verdict.retry_at, verdict.error, unknown=verdict.unknown
        )
        log.warning("checkin not delivered", extra=facts)

    async def remind(self, checkin: Checkin, reminders: Reminders) -> None:
        """Send one claimed reminder, unless it is stale or falls in quiet hours."""
        timing, tz = self.policy(checkin.client_code), ZoneInfo(checkin.timezone)
        now = self.clock.now()
        assert checkin.remind_at is not None
        if is_stale(checkin.remind_at, now):  # the bot was down: a late nudge is worse than none
            reminders.move(checkin.id, None)
            self.report.stale += 1
            log.info("stale reminder dropped", extra={"checkin_id": checkin.id})
            return
        if in_quiet(now, tz, timing.quiet):
            reminders.move(checkin.id, _still_useful(leave_quiet(now, tz, timing.quiet), checkin))
            self.report.deferred += 1
            return
        started = time.perf_counter()
        outcome = await self.notifier.send_reminder(checkin)
        now = self.clock.now()
        self.metrics.send(_outcome_name(outcome), time.perf_counter() - started, now)
        if isinstance(outcome, Delivered):
            sent = self._reminded(checkin, reminders, timing)
            self.report.reminded += 1
            log.info("reminder sent", extra={"checkin_id": checkin.id, "reminder": sent})
            return
        if isinstance(outcome, RetryLater) and outcome.unknown:  # it may have arrived: counted
            sent = self._reminded(checkin, reminders, timing)  # so the cap bounds its copies
            facts = {"checkin_id": checkin.id, "reminder": sent, "error": outcome.error}
            log.warning("reminder of unknown fate counted as sent", extra=facts)
            return
        verdict = judge(outcome, now, 1, 0, self.jitter)  # unknown fate is handled above
        self._count_failure(checkin, verdict)
        retry_at = None if verdict.next is Next.GONE else verdict.retry_at
        reminders.move(checkin.id, _still_useful(retry_at, checkin))
        log.warning(
            "reminder not delivered", extra={"checkin_id": checkin.id, "error": outcome.error}
        )

    def _reminded(self, checkin: Checkin, reminders: Reminders, timing: CheckinTiming) -> int:
        """Record one more reminder sent, and when the next is due; its number."""
        now, sent = self.clock.now(), checkin.reminders_sent + 1
        tz = ZoneInfo(checkin.timezone)
        reminders.sent(checkin.id, now, next_reminder(now, tz, timing, checkin.expires_at, sent))
        return sent

    def _count_failure(self, checkin: Checkin, verdict: Verdict) -> None:
        if verdict.next is Next.GONE:
            if checkin.chat_id is not None:
                self.people.set_reachable(checkin.chat_id, reachable=False)
                self.report.unreachable += 1
        elif verdict.next is Next.RETRY:
            self.report.retried += 1


def _outcome_name(outcome: Delivery) -> str:
    if isinstance(outcome, Delivered):
        return "delivered"
    return "retry" if isinstance(outcome, RetryLater) else "unreachable"


def _still_useful(at: datetime | None, checkin: Checkin) -> datetime | None:
    """``at``, unless the check-in closes within the hour after it."""
    return at if at is not None and at + REMINDER_MIN_OPEN <= checkin.expires_at else None
