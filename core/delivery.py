"""What can come of a send, and how long to wait before trying again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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


def is_unknown(outcome: Delivery) -> bool:
    """Whether a send's fate is unknown: it may have reached its reader."""
    return isinstance(outcome, RetryLater) and outcome.unknown


def gives_up(unknown_before: int, outcome: Delivery) -> bool:
    """Whether a failed send is the last: the ``MAX_UNKNOWN_SENDS``-th of unknown fate.

    ``unknown_before`` counts the earlier sends of unknown fate of the same item. Other
    faults (429, 5xx, the network) are retried until the item expires.
    """
    return is_unknown(outcome) and unknown_before + 1 >= MAX_UNKNOWN_SENDS


def retry_delay(attempts: int, jitter: float, retry_after: timedelta | None = None) -> timedelta:
    """Capped exponential backoff with jitter in ``[0, 1)``; never sooner than ``retry_after``.

    ``attempts`` counts the tries made so far, the failed one included.
    """
    exponent = max(attempts - 1, 0)
    backoff: timedelta = min(RETRY_BASE * (2 ** min(exponent, 16)), RETRY_CAP)
    delay: timedelta = backoff * (0.5 + jitter / 2)
    return max(delay, retry_after or timedelta(0))
