"""The Telegram side of sending: the scheduler's Notifier, and sorting Telegram errors."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Bot, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.services import Services
from bot.views import checkin_view, reminder_view
from core.delivery import Delivered, Delivery, RetryLater, Unreachable
from core.model import Checkin

log = logging.getLogger(__name__)


class TelegramNotifier:
    """Sends check-ins with the PTB bot and reports the outcome as domain data."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._services = services

    async def send_checkin(self, checkin: Checkin) -> Delivery:
        """Send the first question of a check-in to its client."""
        if checkin.chat_id is None:
            return Unreachable("NotEnrolled")
        services = self._services
        view = checkin_view(
            checkin, services.questionnaire, checkin.step, services.crisis(checkin.language)
        )
        try:
            message = await self._bot.send_message(
                checkin.chat_id,
                services.lock_screen(view.text),
                parse_mode=ParseMode.HTML,
                reply_markup=view.markup,
                protect_content=True,
            )
        except TelegramError as error:
            return classify(error)
        return Delivered(chat_id=message.chat_id, message_id=message.message_id)

    async def send_reminder(self, checkin: Checkin) -> Delivery:
        """A short nudge, as a reply to the check-in message so its buttons are one tap away."""
        if checkin.chat_id is None:
            return Unreachable("NotEnrolled")
        tz = ZoneInfo(checkin.timezone)
        view = reminder_view(checkin, checkin.expires_at.astimezone(tz))
        reply = None
        if checkin.message_id is not None:
            reply = ReplyParameters(checkin.message_id, allow_sending_without_reply=True)
        try:
            message = await self._bot.send_message(
                checkin.chat_id,
                self._services.lock_screen(view.text),
                parse_mode=ParseMode.HTML,
                reply_parameters=reply,
                protect_content=True,
            )
        except TelegramError as error:
            return classify(error)
        return Delivered(chat_id=message.chat_id, message_id=message.message_id)


def classify(error: TelegramError) -> RetryLater | Unreachable:
    """Sort a Telegram error into 'the chat is gone' and 'try again later'.

    A timeout is retried: the message may have arrived, and a second copy of a check-in
    is harmless (both copies answer the same check-in), while a lost one is not.
    """
    name = type(error).__name__
    if isinstance(error, Forbidden):
        return Unreachable(name)
    if isinstance(error, BadRequest) and "chat not found" in error.message.lower():
        return Unreachable(name)
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RetryLater(name, retry_after=timedelta(seconds=seconds))
    if isinstance(error, BadRequest):
        log.error("telegram rejected a request", extra={"error": name})
    return RetryLater(name)
