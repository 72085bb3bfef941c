"""The Telegram side of sending: the scheduler's Notifier, and sorting Telegram errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.adapter.chart import digest_caption
from bot.adapter.drawing import draw_chart
from bot.adapter.estimate_views import estimate_view
from bot.adapter.views import View, checkin_view, part_view, reminder_view
from bot.process.services import Services
from core.delivery import Delivered, Delivery, RetryLater, Unreachable
from core.digest import Digest, Report
from core.estimate import Estimate, questionnaire_of
from core.model import Checkin
from messages.digest import render_brief, render_digest
from scheduler.ports import ReportSent
from scheduler.sending import STOPPED

log = logging.getLogger(__name__)
#: What a ``TimedOut`` is caused by when its request never left: the connection was not
#: made, or no connection of the pool was free. Any other timeout may have been delivered.
_NEVER_SENT = frozenset({"ConnectTimeout", "PoolTimeout"})


@dataclass(frozen=True)
class Photo:
    """A picture to send, with a plain-text caption."""

    png: bytes
    caption: str


Outgoing = View | Photo
#: A config change re-plans unsent check-ins at once, and hourly planning catches the rest.
_REPLANNED_WITHIN = timedelta(minutes=5)


class TelegramNotifier:
    """Sends check-ins with the PTB bot and reports the outcome as domain data."""

    def __init__(self, bot: Bot, services: Services, stopping: asyncio.Event | None = None) -> None:
        """``stopping``: once set, a report stops between its parts (the tick's notifier)."""
        self._bot = bot
        self._services = services
        self._stopping = stopping

    async def send_checkin(self, checkin: Checkin) -> Delivery:
        """Send the first question of a check-in to its client."""
        if checkin.chat_id is None:
            return Unreachable("NotEnrolled")
        services = self._services
        questionnaire = services.questionnaire_of(checkin)
        if questionnaire is None:  # changed since planned: the next planning moves it on
            return RetryLater("QuestionnaireChanged", retry_after=_REPLANNED_WITHIN)
        try:  # building the view too: whatever fails, the outcome is recorded
            crisis = services.crisis(checkin.language)
            view = checkin_view(checkin, questionnaire, checkin.step, crisis)
            message = await self._bot.send_message(
                checkin.chat_id,
                services.lock_screen(view.text),
                parse_mode=ParseMode.HTML,
                reply_markup=view.markup,
                protect_content=True,
            )
            return Delivered(chat_id=message.chat_id, message_id=message.message_id)
        except Exception as error:  # whatever failed, the claim gets an outcome
            return classify(error)

    async def send_reminder(self, checkin: Checkin) -> Delivery:
        """A short nudge, as a reply to the check-in message so its buttons are one tap away."""
        if checkin.chat_id is None:
            return Unreachable("NotEnrolled")
        reply = None
        if checkin.message_id is not None:
            reply = ReplyParameters(checkin.message_id, allow_sending_without_reply=True)
        try:
            tz = ZoneInfo(checkin.timezone)
            view = reminder_view(checkin, checkin.expires_at.astimezone(tz))
            message = await self._bot.send_message(
                checkin.chat_id,
                self._services.lock_screen(view.text),
                parse_mode=ParseMode.HTML,
                reply_parameters=reply,
                protect_content=True,
            )
            return Delivered(chat_id=message.chat_id, message_id=message.message_id)
        except Exception as error:
            return classify(error)

    async def send_estimates(self, chat_id: int, estimates: Sequence[Estimate]) -> Delivery:
        """Ask a therapist for estimates of one questionnaire, in one message."""
        services = self._services
        try:  # building the view too: whatever fails, the estimates get an outcome
            language, tz = services.therapist_reading(estimates[0].therapist_code)
            questionnaire = questionnaire_of(services.config, estimates[0])
            now = services.clock.now()
            view = estimate_view(estimates, questionnaire, language, tz, now)
            lock_screen = View(services.lock_screen(view.text), view.markup)
            message = await self._send(chat_id, lock_screen)
            return Delivered(chat_id=message.chat_id, message_id=message.message_id)
        except Exception as error:
            return classify(error)

    async def send_report(self, chat_id: int, report: Report, skip_parts: int) -> ReportSent:
        """Send a digest (its text, then its chart) or a brief to a therapist.

        A report that cannot be built is a fault of unknown kind, like an unreadable answer:
        retried a few times, then given up.
        """
        try:
            outgoing = await self.render(report)
        except Exception as error:
            return ReportSent(skip_parts, classify(error))
        return await self.send_all(chat_id, outgoing, skip_parts)

    async def render(self, report: Report) -> list[Outgoing]:
        """The messages a digest or brief is sent as, rendered in a worker thread (the
        chart in the drawing process, ``bot.adapter.drawing``)."""
        return await asyncio.to_thread(self._render, report)

    def _render(self, report: Report) -> list[Outgoing]:
        language, tz = self._services.therapist_reading(report.therapist_code)
        if not isinstance(report, Digest):
            return [part_view(p) for p in render_brief(report, language, tz)]
        outgoing: list[Outgoing] = [part_view(p) for p in render_digest(report, language, tz)]
        if report.charted:
            png = draw_chart(report.charted, language, tz)
            outgoing.append(Photo(png, digest_caption(language, report.charted)))
        return outgoing

    async def send_all(
        self, chat_id: int, outgoing: Sequence[Outgoing], skip_parts: int = 0
    ) -> ReportSent:
        """Send messages in order, protected from forwarding; stop at the first error, or
        before the next message once the process is stopping (``STOPPED``: resumed later).

        A message that quotes clients' notes is recorded for their erasure as it goes out.
        """
        sent, last = skip_parts, None
        for item in outgoing[skip_parts:]:
            if self._stopping is not None and self._stopping.is_set():
                return ReportSent(sent, RetryLater(STOPPED))
            try:
                message = await self._send(chat_id, item)
                last = Delivered(chat_id=message.chat_id, message_id=message.message_id)
            except Exception as error:
                return ReportSent(sent, classify(error))
            sent += 1
            if isinstance(item, View) and item.quotes:
                self._record(message, item.quotes)
        return ReportSent(sent, last or Delivered(chat_id=chat_id, message_id=0))

    def _record(self, message: Message, quotes: Sequence[str]) -> None:
        """Remember a sent message that quotes notes; a failure is logged, not raised: the
        message is out, and sending it again would only duplicate it."""
        services = self._services
        try:
            services.therapist_messages.record(
                message.chat_id, message.message_id, quotes, services.clock.now()
            )
        except SQLAlchemyError as error:
            log.error("quoting message not recorded", extra={"error": type(error).__name__})

    async def _send(self, chat_id: int, item: Outgoing) -> Message:
        if isinstance(item, Photo):
            return await self._bot.send_photo(
                chat_id, photo=item.png, caption=item.caption, protect_content=True
            )
        return await self._bot.send_message(
            chat_id,
            item.text,
            parse_mode=ParseMode.HTML,
            reply_markup=item.markup,
            protect_content=True,
        )


def classify(error: Exception) -> RetryLater | Unreachable:
    """Sort what a send raised into 'the chat is gone' and 'try again later'.

    A timeout is retried: the message may have arrived, and a second copy of a check-in
    is harmless (both copies answer the same check-in), while a lost one is not. A timeout
    after the request left, and anything that is not one of Telegram's described errors (an
    unreadable answer, a fault while building the message or reading the reply), is of
    unknown fate: retried only a few times (``core.delivery.MAX_UNKNOWN_SENDS``).
    """
    name = type(error).__name__
    if not isinstance(error, TelegramError) or type(error) is TelegramError:
        log.error("send failed in an unknown way", extra={"error": name})  # type name only
        return RetryLater(name, unknown=True)
    if isinstance(error, Forbidden):
        return Unreachable(name)
    if isinstance(error, BadRequest) and "chat not found" in error.message.lower():
        return Unreachable(name)
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RetryLater(name, retry_after=timedelta(seconds=seconds))
    if isinstance(error, TimedOut):
        return RetryLater(name, unknown=type(error.__cause__).__name__ not in _NEVER_SENT)
    if isinstance(error, BadRequest):
        log.error("telegram rejected a request", extra={"error": name})
    return RetryLater(name)
