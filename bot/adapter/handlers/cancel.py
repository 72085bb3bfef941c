"""/cancel CODE [date]: a therapist cancels a session so that no check-in follows it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.adapter.handlers.common import reply
from bot.adapter.views import View
from bot.process.reload import plan
from bot.process.services import Services
from core.model import CheckinStatus, ClientRecord, TherapistRecord
from messages.catalog import html_text
from messages.render import session_when
from scheduler.calendars import calendar_sessions
from scheduler.planning import HORIZON, Extra, session_to_cancel

log = logging.getLogger(__name__)


class CancelHandlers:
    """Only an enrolled therapist of the client may cancel; everyone else is told politely."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Cancel the client's next session, or their session on the given date."""
        chat = update.effective_chat
        if chat is None:
            return
        language = self.s.config.clinic.language
        therapist = self.s.people.by_chat(chat.id)
        if not isinstance(therapist, TherapistRecord):
            # A client is answered in their own language; therapists read the clinic's.
            if isinstance(therapist, ClientRecord):
                language = therapist.language
            await reply(update, View(html_text(language, "cancel.not_therapist")))
            return
        args = context.args or []
        day = _date(args[1]) if len(args) == 2 else None
        if len(args) not in (1, 2) or (len(args) == 2 and day is None):
            await reply(update, View(html_text(language, "cancel.usage")))
            return
        await reply(update, View(await self._cancel(therapist, args[0], day, language)))

    async def _cancel(
        self, therapist: TherapistRecord, code: str, day: dt.date | None, lang: str
    ) -> str:
        config, now = self.s.config, self.s.clock.now()
        client = config.client(code)
        if client is None or client.therapist != therapist.code:
            return html_text(lang, "cancel.not_your_client", code=code)
        extra = Extra(
            occurrences=calendar_sessions(config, now - HORIZON, now + 4 * HORIZON),
            cancelled=self.s.cancellations.by_client(),
        )
        session = session_to_cancel(config, client, extra, now, day)
        if session is None:
            if day is None:
                return html_text(lang, "cancel.no_upcoming", code=code)
            return html_text(lang, "cancel.no_session_on", code=code, date=day.isoformat())
        self.s.cancellations.add(code, session.start, therapist.code, now)
        await asyncio.to_thread(plan, self.s)  # the planner re-plans this client alone
        log.info("session cancelled", extra={"therapist_id": therapist.id})
        therapist_config = config.therapist(therapist.code)
        tz = config.therapist_tz(therapist_config) if therapist_config else config.clinic.tz
        when = session_when(lang, session.start.astimezone(tz))
        status = self.s.checkins.status_of(code, session.start)
        key = "cancel.done" if status in (None, CheckinStatus.CANCELLED) else "cancel.already_sent"
        return html_text(lang, key, code=code, session=when)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
