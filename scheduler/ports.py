"""The ports the scheduler works through; the bot provides the implementations."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from core.delivery import Delivery
from core.model import Checkin


class Notifier(Protocol):
    """Delivers due check-ins and reminders to their clients and says how that went."""

    async def send_checkin(self, checkin: Checkin) -> Delivery: ...

    async def send_reminder(self, checkin: Checkin) -> Delivery: ...


class Metrics(Protocol):
    """Counts what the scheduler and the handlers do, for monitoring (no personal data)."""

    def planned(self, count: int) -> None:
        """``count`` new check-ins were planned."""

    def closed(self, expired: int, unsent: int) -> None:
        """Check-ins closed: delivered but unanswered, and never delivered."""

    def send(self, outcome: str, seconds: float, now: datetime) -> None:
        """One send finished: ``delivered``, ``retry`` or ``unreachable``, and how long it took."""

    def answered(self) -> None:
        """A client completed a check-in."""

    def digest_sent(self) -> None:
        """A therapist's digest was sent."""

    def ticked(self, now: datetime, queue_depth: int) -> None:
        """A tick finished; ``queue_depth`` due check-ins still wait to be delivered."""


class NoMetrics:
    """Counts nothing: for callers that do not monitor."""

    def planned(self, count: int) -> None:
        """Ignore."""

    def closed(self, expired: int, unsent: int) -> None:
        """Ignore."""

    def send(self, outcome: str, seconds: float, now: datetime) -> None:
        """Ignore."""

    def answered(self) -> None:
        """Ignore."""

    def digest_sent(self) -> None:
        """Ignore."""

    def ticked(self, now: datetime, queue_depth: int) -> None:
        """Ignore."""


NO_METRICS = NoMetrics()
