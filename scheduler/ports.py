"""The port the scheduler sends through; the bot provides the Telegram implementation."""

from __future__ import annotations

from typing import Protocol

from core.delivery import Delivery
from core.model import Checkin


class Notifier(Protocol):
    """Delivers due check-ins and reminders to their clients and says how that went."""

    async def send_checkin(self, checkin: Checkin) -> Delivery: ...

    async def send_reminder(self, checkin: Checkin) -> Delivery: ...
