"""What can come of a send, and how long to wait before trying again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

#: First retry after this long; each further failure doubles it, up to the cap.
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=30)
#: Tries of one check-in, digest or brief after which a send of unknown fate is the last:
#: each such send may have put a copy in front of its reader, and an answer Telegram never
#: gives (or a fault in the bot) is unlikely to pass by itself; three tries ride out a
#: passing fault and bound the copies.
MAX_UNKNOWN_TRIES = 3


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
    sends count against ``MAX_UNKNOWN_TRIES``.
    """

    error: str
    retry_after: timedelta | None = None
    unknown: bool = False


@dataclass(frozen=True)
class Unreachable:
    """Telegram will not deliver to this chat (the client blocked the bot)."""

    error: str


Delivery = Delivered | RetryLater | Unreachable


def gives_up(attempts: int, outcome: Delivery) -> bool:
    """Whether a failed send is the last: one of unknown fate on the ``MAX_UNKNOWN_TRIES``-th
    try or later. ``attempts`` counts the tries so far, this one included.

    Other faults (429, 5xx, the network) are retried until the item expires.
    """
    unknown = isinstance(outcome, RetryLater) and outcome.unknown
    return unknown and attempts >= MAX_UNKNOWN_TRIES


def retry_delay(attempts: int, jitter: float, retry_after: timedelta | None = None) -> timedelta:
    """Capped exponential backoff with jitter in ``[0, 1)``; never sooner than ``retry_after``.

    ``attempts`` counts the tries made so far, the failed one included.
    """
    exponent = max(attempts - 1, 0)
    backoff: timedelta = min(RETRY_BASE * (2 ** min(exponent, 16)), RETRY_CAP)
    delay: timedelta = backoff * (0.5 + jitter / 2)
    return max(delay, retry_after or timedelta(0))
