"""The port the scheduler sends through; the bot provides the Telegram implementation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.delivery import Delivery
from core.digest import Report
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

    async def send_report(self, chat_id: int, report: Report, skip_parts: int) -> ReportSent:
        """Send a digest or brief to a therapist, leaving out the first ``skip_parts`` parts."""
        ...
