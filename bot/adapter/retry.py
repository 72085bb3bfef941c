"""Replies that survive Telegram's hiccups, and replies that go first.

A *reply* is any Bot API request made while the bot handles an update: the welcome and
consent question, a tap's answer and edit, a note prompt, crisis contacts, a command's
answer, a document, a therapist alert sent from a handler. The update processor
(``bot.adapter.updates``) marks them with ``replying()``, and the rate limiter retries them:

- on ``RetryAfter`` (a ``429``) after the time Telegram names;
- on ``TimedOut`` and any other ``NetworkError`` (a ``5xx``, a dropped connection, a full
  connection pool) after a capped exponential backoff with jitter, so that many replies
  failing together do not all come back at the same instant;
- never on ``BadRequest`` (a ``NetworkError`` in PTB, but the same request fails again) or
  ``Forbidden`` (the person blocked the bot), nor on any other error;
- for ``REPLY_BUDGET`` seconds in all; then the last error reaches the handler.

A ``TimedOut`` does not prove that Telegram did nothing: a retried new message can arrive
twice. For a person waiting for an answer (a consent question, crisis contacts) twice is
better than never. Edits and tap answers are harmless to repeat (an edit to the same text
is ``message is not modified``, which the handlers count as done).

Scheduled sends (the tick) are not replies: they fail at once, and the tick records the
failure in the database and tries again later, with its own backoff.

New messages that are replies, and those ``urgent()`` marks (crisis contacts and risk
alerts, from the tick too), skip the queue of paced new messages, but still wait out a
``429`` hold (see ``bot.adapter.ratelimit``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

log = logging.getLogger(__name__)

#: How long one reply may keep trying, waits included. Long enough to ride out a short
#: outage or a 429 of several seconds; short enough that the person still connects the
#: answer with what they did, and that a handler does not hang on a long outage.
REPLY_BUDGET = 30.0
#: The first backoff, doubled on each further try up to ``BACKOFF_CAP``; each wait is drawn
#: between half of that and all of it.
BACKOFF_FIRST = 0.5
BACKOFF_CAP = 8.0

_REPLYING: ContextVar[bool] = ContextVar("replying", default=False)
_URGENT: ContextVar[bool] = ContextVar("urgent", default=False)

T = TypeVar("T")


@contextmanager
def replying() -> Iterator[None]:
    """Bot API requests made inside this block (and tasks it starts) are retried."""
    token = _REPLYING.set(True)
    try:
        yield
    finally:
        _REPLYING.reset(token)


@contextmanager
def urgent() -> Iterator[None]:
    """New messages sent inside this block skip the overall pacing queue (not a 429 hold),
    as replies do, even when sent from the tick.

    For crisis contacts and risk alerts only: ``with urgent(): await reply(...)``.
    """
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


def is_replying() -> bool:
    """Whether the current request answers an update (and so is retried)."""
    return _REPLYING.get()


def is_urgent() -> bool:
    """Whether the current request is a crisis reply or a risk alert."""
    return _URGENT.get()


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds to wait before try ``attempt + 2``: capped, doubling, with jitter."""
    ceiling = min(BACKOFF_CAP, BACKOFF_FIRST * 2**attempt)
    return rng.uniform(ceiling / 2, ceiling)


def wait_before_retry(error: TelegramError, attempt: int, rng: random.Random) -> float | None:
    """Seconds to wait before trying again after ``error``; None if another try cannot help."""
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
    if isinstance(error, BadRequest):
        return None
    if isinstance(error, NetworkError):  # TimedOut, 5xx, connection errors
        return backoff(attempt, rng)
    return None


class Retrying:
    """Runs a request again after transient errors, within ``budget`` seconds in all.

    The request is given the seconds left of the budget, so that it can wait for a flood
    hold up to then and no longer.
    """

    def __init__(
        self,
        budget: float = REPLY_BUDGET,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._budget = budget
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy

    async def __call__(self, request: Callable[[float], Awaitable[T]]) -> T:
        """Run ``request(seconds_left)`` until it succeeds, fails for good or time is up."""
        deadline = self._clock() + self._budget
        attempt = 0
        while True:
            try:
                return await request(max(0.0, deadline - self._clock()))
            except TelegramError as error:
                wait = wait_before_retry(error, attempt, self._rng)
                if wait is None or self._clock() + wait > deadline:
                    raise
                log.info(
                    "reply retried", extra={"error": type(error).__name__, "attempt": attempt + 1}
                )
                await self._sleep(wait)
                attempt += 1
