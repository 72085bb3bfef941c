"""Asking therapists for their estimates: record the due ones, claim them, send them.

Runs after the check-in tick, so a check-in sent in the same tick closes its estimate
before it could be asked. A message whose send fails gives its estimates back: they are
asked again next tick (unless the client's check-in has gone out by then). After a ``429``
the rest of the round waits for the next tick too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from core.clinic import ClinicConfig
from core.clock import Clock
from core.delivery import Delivered, RetryLater
from core.estimate import (
    ASK_WITHIN,
    Estimate,
    asking_now,
    buttons_of,
    due_estimates,
    estimating,
    group,
    questionnaire_of,
)
from scheduler.ports import EstimateNotifier
from scheduler.tick import LEASE
from storage.estimates import Estimates

log = logging.getLogger(__name__)

#: Estimates asked in one tick at most; the next tick goes on.
MAX_ASKS_PER_TICK = 200


def closing(config: ClinicConfig, estimates: Estimates) -> Estimates | None:
    """What the check-in tick closes estimates through: nothing while no therapist is
    asked for estimates, so a clinic without them pays no query per send."""
    return estimates if estimating(config) else None


async def run_estimates(
    clock: Clock,
    config: ClinicConfig,
    estimates: Estimates,
    notifier: EstimateNotifier,
    lease: timedelta = LEASE,
) -> int:
    """Ask every therapist who can be asked now for the estimates that are due; how many
    were asked. Safe to run from several workers at once: each estimate is claimed."""
    if not estimating(config):
        return 0
    now = clock.now()
    enabled = [t.code for t in config.therapists if config.estimates(t)]
    if closed := estimates.tidy(enabled, now, lease):
        log.info("estimates closed", extra={"estimates": closed})
    timings = asking_now(config, now)
    if not timings:
        return 0
    after = timedelta(minutes=config.clinic.estimate_after_minutes)
    ended = estimates.ended_sessions(list(timings), now - after, now - after - ASK_WITHIN)
    estimates.create(due_estimates(ended, timings, now))
    claimed = estimates.claim(list(timings), clock.now(), MAX_ASKS_PER_TICK)
    messages = group(claimed, lambda e: buttons_of(questionnaire_of(config, e)))
    return await _ask(clock, estimates, notifier, messages)


async def _ask(
    clock: Clock,
    estimates: Estimates,
    notifier: EstimateNotifier,
    messages: Sequence[tuple[Estimate, ...]],
) -> int:
    """Send each message and record how it went; after a ``429`` give the rest back."""
    asked = 0
    for number, message in enumerate(messages):
        ids = [e.id for e in message]
        chat_id = message[0].chat_id
        assert chat_id is not None  # only estimates of therapists with a chat are claimed
        outcome = await notifier.send_estimates(chat_id, message)
        if isinstance(outcome, Delivered):
            estimates.asked(ids, outcome.chat_id, outcome.message_id, clock.now())
            asked += len(ids)
            log.info("estimates asked", extra={"estimate_ids": ids})
            continue
        estimates.unasked(ids)
        log.warning("estimates not asked", extra={"estimate_ids": ids, "error": outcome.error})
        if isinstance(outcome, RetryLater) and outcome.retry_after is not None:
            for rest in messages[number + 1 :]:
                estimates.unasked([e.id for e in rest])
            break
    return asked
