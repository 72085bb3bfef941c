"""What can come of a send, and how long to wait before trying again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

#: First retry after this long; each further failure doubles it, up to the cap.
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=30)


@dataclass(frozen=True)
class Delivered:
    """Telegram accepted the message."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class RetryLater:
    """A fault that may pass (network, 5xx, 429, timeout); ``error`` is a type name only."""

    error: str
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class Unreachable:
    """Telegram will not deliver to this chat (the client blocked the bot)."""

    error: str


Delivery = Delivered | RetryLater | Unreachable


def retry_delay(attempts: int, jitter: float, retry_after: timedelta | None = None) -> timedelta:
    """Capped exponential backoff with jitter in ``[0, 1)``; never sooner than ``retry_after``.

    ``attempts`` counts the tries made so far, the failed one included.
    """
    exponent = max(attempts - 1, 0)
    backoff: timedelta = min(RETRY_BASE * (2 ** min(exponent, 16)), RETRY_CAP)
    delay: timedelta = backoff * (0.5 + jitter / 2)
    return max(delay, retry_after or timedelta(0))
