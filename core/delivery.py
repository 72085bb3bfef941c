"""What can come of a send, and what to do next: done, chat gone, try again at T, give up."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: First retry after this long; each further failure doubles it, up to the cap.
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=30)
#: Sends of unknown fate after which a check-in, digest or brief is given up: each such
#: send may have put a copy in front of its reader, and an answer Telegram never gives (or
#: a fault in the bot) is unlikely to pass by itself; three ride out a passing fault and
#: bound the copies. Other failures (429, 5xx, the network) do not count towards it.
MAX_UNKNOWN_SENDS = 3


@dataclass(frozen=True)
class Delivered:
    """Telegram accepted the message."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class RetryLater:
    """A fault that may pass (network, 5xx, 429, timeout); ``error`` is a type name only.

    ``unknown``: the fate of the send is unknown (the request may have reached Telegram and
    its answer was lost or unreadable) or the fault is not one Telegram describes; such
    sends count against ``MAX_UNKNOWN_SENDS``.
    """

    error: str
    retry_after: timedelta | None = None
    unknown: bool = False


@dataclass(frozen=True)
class Unreachable:
    """Telegram will not deliver to this chat (the client blocked the bot)."""

    error: str


Delivery = Delivered | RetryLater | Unreachable


class Next(StrEnum):
    """What becomes of an item after one send."""

    SENT = "sent"
    GONE = "gone"  # the chat refuses messages
    RETRY = "retry"
    GIVE_UP = "give_up"  # the last send of unknown fate ``MAX_UNKNOWN_SENDS`` allows


@dataclass(frozen=True)
class Verdict:
    """What to do after a send: ``next``, with the send's error (a type name), when to try
    again, and whether the send counts as one of unknown fate."""

    next: Next
    error: str = ""
    #: For ``RETRY``; for ``GONE`` too, for an item that keeps trying a chat that refused
    #: (a check-in: the client may unblock the bot within its window).
    retry_at: datetime | None = None
    unknown: bool = False


#: Draws the jitter of a retry, in ``[0, 1)``.
Jitter = Callable[[], float]


def judge(
    outcome: Delivery,
    now: datetime,
    attempts: int,
    unknown_before: int,
    jitter: Jitter = random.random,
) -> Verdict:
    """What comes of a send that ended in ``outcome`` at ``now``.

    ``attempts`` counts the tries of the item so far, this one included; ``unknown_before``
    its earlier sends of unknown fate. The ``MAX_UNKNOWN_SENDS``-th send of unknown fate
    gives up; other faults (429, 5xx, the network) are retried after ``retry_delay``, with
    ``jitter()`` (random unless a test fixes it), until the item expires.
    """
    if isinstance(outcome, Delivered):
        return Verdict(Next.SENT)
    unknown = isinstance(outcome, RetryLater) and outcome.unknown
    if unknown and unknown_before + 1 >= MAX_UNKNOWN_SENDS:
        return Verdict(Next.GIVE_UP, outcome.error, unknown=True)
    retry_after = outcome.retry_after if isinstance(outcome, RetryLater) else None
    at = now + retry_delay(attempts, jitter(), retry_after)
    gone = isinstance(outcome, Unreachable)
    return Verdict(Next.GONE if gone else Next.RETRY, outcome.error, at, unknown)


def retry_delay(attempts: int, jitter: float, retry_after: timedelta | None = None) -> timedelta:
    """Capped exponential backoff with jitter in ``[0, 1)``; never sooner than ``retry_after``.

    ``attempts`` counts the tries made so far, the failed one included.
    """
    exponent = max(attempts - 1, 0)
    backoff: timedelta = min(RETRY_BASE * (2 ** min(exponent, 16)), RETRY_CAP)
    delay: timedelta = backoff * (0.5 + jitter / 2)
    return max(delay, retry_after or timedelta(0))
