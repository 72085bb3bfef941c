"""The ports the scheduler works through; the bot provides the implementations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.delivery import Delivery
from core.digest import Report
from core.estimate import Estimate
from core.model import Checkin


@dataclass(frozen=True)
class ReportSent:
    """How far a report of several messages got: parts delivered so far (earlier tries
    included), and the outcome of the last send."""

    parts_sent: int
    outcome: Delivery


class Notifier(Protocol):
    """Delivers what is due and says how that went, with Telegram errors sorted in one place."""

    async def send_checkin(self, checkin: Checkin) -> Delivery:
        """Send a due check-in to its client."""
        ...

    async def send_reminder(self, checkin: Checkin) -> Delivery:
        """Remind a client of a check-in they have not answered."""
        ...

    async def send_report(self, chat_id: int, report: Report, skip_parts: int) -> ReportSent:
        """Send a digest or brief to a therapist, leaving out the first ``skip_parts`` parts."""
        ...


class EstimateNotifier(Protocol):
    """Asks a therapist for estimates (a port of its own: the tick's fakes need not know it)."""

    async def send_estimates(self, chat_id: int, estimates: Sequence[Estimate]) -> Delivery:
        """Send one message asking a therapist for ``estimates`` (one questionnaire's)."""
        ...


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
