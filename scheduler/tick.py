"""One tick: give back lapsed claims, close expired check-ins, send what is due, remind."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.clock import Clock
from core.delivery import Delivered, Delivery, RetryLater, Unreachable, retry_delay
from core.model import Checkin
from core.timing import (
    REMINDER_MIN_OPEN,
    CheckinTiming,
    in_quiet,
    is_stale,
    leave_quiet,
    next_reminder,
)
from scheduler.ports import Notifier
from storage.checkins import Checkins
from storage.people import People
from storage.reminders import Reminders

log = logging.getLogger(__name__)

#: How long a claim holds before another worker may take the check-in over.
LEASE = timedelta(minutes=5)
#: Sends per tick at most, so one tick never runs for long; the next tick goes on.
MAX_SENDS_PER_TICK = 500
#: A client's timing policy by client code.
Policy = Callable[[str], CheckinTiming]


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


def _no_policy(_code: str) -> CheckinTiming:
    return CheckinTiming()


async def run_tick(
    clock: Clock,
    checkins: Checkins,
    people: People,
    notifier: Notifier,
    policy: Policy = _no_policy,
    reminders: Reminders | None = None,
) -> TickReport:
    """Do the due work once; safe to run from several workers at the same time."""
    now = clock.now()
    report = TickReport(
        released=checkins.release_lapsed_claims(now), closed=checkins.close_expired(now)
    )
    for _ in range(MAX_SENDS_PER_TICK):
        checkin = checkins.claim_due(clock.now(), LEASE)
        if checkin is None:
            break
        await _send_checkin(clock, checkin, checkins, people, notifier, policy, report)
    if reminders is not None:
        for _ in range(MAX_SENDS_PER_TICK):
            checkin = reminders.claim_due(clock.now(), LEASE)
            if checkin is None:
                break
            await _remind(clock, checkin, reminders, people, notifier, policy, report)
    return report


async def _send_checkin(
    clock: Clock,
    checkin: Checkin,
    checkins: Checkins,
    people: People,
    notifier: Notifier,
    policy: Policy,
    report: TickReport,
) -> None:
    timing, tz = policy(checkin.client_code), ZoneInfo(checkin.timezone)
    now = clock.now()
    if in_quiet(now, tz, timing.quiet):  # late after downtime or retries: wait for morning
        checkins.defer(checkin.id, leave_quiet(now, tz, timing.quiet))
        report.deferred += 1
        return
    outcome = await notifier.send_checkin(checkin)
    now = clock.now()
    if isinstance(outcome, Delivered):
        remind_at = next_reminder(now, tz, timing, checkin.expires_at, 0)
        checkins.mark_sent(checkin.id, outcome.chat_id, outcome.message_id, now, remind_at)
        report.sent += 1
        log.info("checkin sent", extra={"checkin_id": checkin.id})
        return
    _count_failure(checkin, outcome, people, report)
    checkins.retry_later(checkin.id, now + _delay(checkin.attempts, outcome), outcome.error)
    log.warning(
        "checkin not delivered",
        extra={"checkin_id": checkin.id, "error": outcome.error, "attempt": checkin.attempts},
    )


async def _remind(
    clock: Clock,
    checkin: Checkin,
    reminders: Reminders,
    people: People,
    notifier: Notifier,
    policy: Policy,
    report: TickReport,
) -> None:
    timing, tz = policy(checkin.client_code), ZoneInfo(checkin.timezone)
    now = clock.now()
    assert checkin.remind_at is not None
    if is_stale(checkin.remind_at, now):  # the bot was down: a late nudge is worse than none
        reminders.move(checkin.id, None)
        report.stale += 1
        log.info("stale reminder dropped", extra={"checkin_id": checkin.id})
        return
    if in_quiet(now, tz, timing.quiet):
        reminders.move(checkin.id, _still_useful(leave_quiet(now, tz, timing.quiet), checkin))
        report.deferred += 1
        return
    outcome = await notifier.send_reminder(checkin)
    now = clock.now()
    if isinstance(outcome, Delivered):
        sent = checkin.reminders_sent + 1
        reminders.sent(checkin.id, now, next_reminder(now, tz, timing, checkin.expires_at, sent))
        report.reminded += 1
        log.info("reminder sent", extra={"checkin_id": checkin.id, "reminder": sent})
        return
    _count_failure(checkin, outcome, people, report)
    retry_at = None if isinstance(outcome, Unreachable) else now + _delay(1, outcome)
    reminders.move(checkin.id, _still_useful(retry_at, checkin))
    log.warning("reminder not delivered", extra={"checkin_id": checkin.id, "error": outcome.error})


def _still_useful(at: datetime | None, checkin: Checkin) -> datetime | None:
    """``at``, unless the check-in closes within the hour after it."""
    return at if at is not None and at + REMINDER_MIN_OPEN <= checkin.expires_at else None


def _count_failure(checkin: Checkin, outcome: Delivery, people: People, report: TickReport) -> None:
    if isinstance(outcome, Unreachable) and checkin.chat_id is not None:
        people.set_reachable(checkin.chat_id, reachable=False)
        report.unreachable += 1
    elif isinstance(outcome, RetryLater):
        report.retried += 1


def _delay(attempts: int, outcome: RetryLater | Unreachable) -> timedelta:
    return retry_delay(
        attempts,
        random.random(),  # noqa: S311 - jitter, not a secret
        outcome.retry_after if isinstance(outcome, RetryLater) else None,
    )
