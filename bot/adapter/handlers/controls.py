"""/pause, /resume and /stop: the client decides whether check-ins come."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot.adapter.handlers.common import reply
from bot.adapter.notices import tell_therapist
from bot.adapter.views import View
from bot.process.services import Services
from core.enrolment import needs_consent
from core.model import ClientRecord, ClientStatus, TherapistRecord
from messages.catalog import html_text
from messages.render import long_date

#: The longest pause a number can ask for; longer breaks are /pause without a number.
MAX_PAUSE_WEEKS = 52


def parse_weeks(args: list[str]) -> int | None:
    """``/pause`` -> None (until resumed), ``/pause 3`` -> 3; anything else is a ValueError."""
    if not args:
        return None
    if len(args) == 1 and args[0].isascii() and args[0].isdigit():
        weeks = int(args[0])
        if 1 <= weeks <= MAX_PAUSE_WEEKS:
            return weeks
    raise ValueError("expected a number of weeks from 1 to 52")


class ControlHandlers:
    """Each command is answered in the client's language and audited in storage."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def client(self, update: Update) -> ClientRecord | None:
        """The client behind this chat; anyone else is told politely and gets None.

        So is a client who has not agreed (yet, or again after a relink): every client
        command (/pause ... /mydata, /preview, /delete) waits for consent.
        """
        chat = update.effective_chat
        if chat is None:
            return None
        person = self.s.people.by_chat(chat.id)
        if isinstance(person, ClientRecord) and needs_consent(person.status):
            # A newly linked (or relinked) chat sees nothing of the person until they agree.
            await reply(update, View(html_text(person.language, "consent.first")))
            return None
        if isinstance(person, ClientRecord):
            return person
        key = "command.clients_only" if isinstance(person, TherapistRecord) else "start.stranger"
        await reply(update, View(html_text(self.s.config.clinic.language, key)))
        return None

    async def pause(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Pause check-ins, until resumed or for a number of weeks."""
        client = await self.client(update)
        if client is None or client.chat_id is None:
            return
        language = client.language
        try:
            weeks = parse_weeks(list(context.args or []))
        except ValueError:
            await reply(update, View(html_text(language, "pause.usage", max=MAX_PAUSE_WEEKS)))
            return
        now = self.s.clock.now()
        until = None if weeks is None else now + timedelta(weeks=weeks)
        change = self.s.participation.pause(client.chat_id, until, now)
        if not change.changed:
            await reply(update, View(html_text(language, "status.not_taking_part")))
        elif until is None:
            await reply(update, View(html_text(language, "pause.done")))
        else:
            day = long_date(language, until.astimezone(ZoneInfo(client.timezone)).date())
            await reply(update, View(html_text(language, "pause.done_until", date=day)))

    async def resume(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """End a pause."""
        client = await self.client(update)
        if client is None or client.chat_id is None:
            return
        change = self.s.participation.resume(client.chat_id, self.s.clock.now())
        if change.changed:
            key = "resume.done"
        elif client.status in (ClientStatus.ACTIVE, ClientStatus.UNREACHABLE):
            key = "resume.not_paused"
        else:
            key = "status.not_taking_part"
        await reply(update, View(html_text(client.language, key)))

    async def stop(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Withdraw: confirm, and tell the therapist."""
        client = await self.client(update)
        if client is None or client.chat_id is None:
            return
        change = self.s.participation.stop(client.chat_id, self.s.clock.now())
        if not change.changed:
            key = (
                "stop.already"
                if client.status is ClientStatus.STOPPED
                else "status.not_taking_part"
            )
            await reply(update, View(html_text(client.language, key)))
            return
        await reply(update, View(html_text(client.language, "stop.done")))
        await tell_therapist(
            update.get_bot(), self.s, client.code, client.therapist_code, "stopped", "/stop"
        )
