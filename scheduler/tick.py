"""One tick: give back lapsed claims, close expired check-ins, send what is due."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock
from core.delivery import Delivered, RetryLater, Unreachable, retry_delay
from scheduler.ports import Notifier
from storage.checkins import Checkins
from storage.people import People

log = logging.getLogger(__name__)

#: How long a claim holds before another worker may take the check-in over.
LEASE = timedelta(minutes=5)
#: Sends per tick at most, so one tick never runs for long; the next tick goes on.
MAX_SENDS_PER_TICK = 500


@dataclass
class TickReport:
    """What one tick did, for logs and tests."""

    released: int = 0
    closed: int = 0
    sent: int = 0
    retried: int = 0
    unreachable: int = 0
    resumed: int = 0


async def run_tick(
    clock: Clock, checkins: Checkins, people: People, notifier: Notifier
) -> TickReport:
    """Do the due work once; safe to run from several workers at the same time."""
    now = clock.now()
    report = TickReport(
        released=checkins.release_lapsed_claims(now),
        closed=checkins.close_expired(now),
        resumed=people.end_due_pauses(now),
    )
    for _ in range(MAX_SENDS_PER_TICK):
        now = clock.now()
        checkin = checkins.claim_due(now, LEASE)
        if checkin is None:
            break
        outcome = await notifier.send_checkin(checkin)
        now = clock.now()
        if isinstance(outcome, Delivered):
            checkins.mark_sent(checkin.id, outcome.chat_id, outcome.message_id, now)
            report.sent += 1
            log.info("checkin sent", extra={"checkin_id": checkin.id})
            continue
        if isinstance(outcome, Unreachable) and checkin.chat_id is not None:
            people.set_reachable(checkin.chat_id, reachable=False)
            report.unreachable += 1
        elif isinstance(outcome, RetryLater):
            report.retried += 1
        delay = retry_delay(
            checkin.attempts,
            random.random(),  # noqa: S311 - jitter, not a secret
            outcome.retry_after if isinstance(outcome, RetryLater) else None,
        )
        checkins.retry_later(checkin.id, now + delay, outcome.error)
        log.warning(
            "checkin not delivered",
            extra={"checkin_id": checkin.id, "error": outcome.error, "attempt": checkin.attempts},
        )
    return report
