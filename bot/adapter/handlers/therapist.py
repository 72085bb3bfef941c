"""Therapists' commands (/digest, /clients, /history CODE) and the Discussed button.

Only a chat enrolled as a therapist who is still in the config gets an answer; anyone
else is refused politely. Every query names the therapist, so only their own clients
ever appear.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.adapter.callback_data import DiscussedTap, decode, discussed
from bot.adapter.chart import chart_caption, render_chart
from bot.adapter.handlers.common import reply
from bot.adapter.notifier import Outgoing, Photo, TelegramNotifier
from bot.adapter.views import View, part_view
from bot.process.services import Services
from core.digest import summarize
from core.model import TherapistRecord
from messages.catalog import html_text, plain
from messages.therapist import render_history, render_roster
from scheduler.reports import digest_now
from storage.history import Discussion

log = logging.getLogger(__name__)

_TAPS = {
    Discussion.MARKED: "tap.discussed",
    Discussion.ALREADY: "tap.already",
    Discussion.NOT_YOURS: "tap.not_yours",
    Discussion.UNKNOWN: "tap.unknown",
}
#: The longest client code a reply repeats back.
_MAX_CODE = 32


class TherapistHandlers:
    """Commands that show a therapist their own clients."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def _therapist(self, update: Update) -> TherapistRecord | None:
        """The enrolled therapist behind this chat, or None after a polite refusal."""
        chat = update.effective_chat
        if chat is None:
            return None
        person = self.s.people.by_chat(chat.id)
        if isinstance(person, TherapistRecord) and self.s.config.therapist(person.code):
            return person
        log.info("therapist command refused", extra={"chat_known": person is not None})
        await reply(update, View(html_text(self.s.config.clinic.language, "therapist.only")))
        return None

    async def _send(self, update: Update, out: list[Outgoing]) -> None:
        """Send through the same path as digests: protected, errors sorted in one place."""
        chat = update.effective_chat
        assert chat is not None
        sent = await TelegramNotifier(update.get_bot(), self.s).send_all(chat.id, out)
        if sent.parts_sent < len(out):
            error = getattr(sent.outcome, "error", "")
            log.warning("therapist reply incomplete", extra={"error": error})

    async def digest(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """/digest: this week's digest, now."""
        if (therapist := await self._therapist(update)) is None:
            return
        report = await asyncio.to_thread(  # reads and rules: ~0.1 s at 100 clients
            digest_now, self.s.config, self.s.histories, therapist.code, self.s.clock.now()
        )
        notifier = TelegramNotifier(update.get_bot(), self.s)
        await self._send(update, await notifier.render(report))

    async def clients(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """/clients: the therapist's client codes with their status."""
        if (therapist := await self._therapist(update)) is None:
            return
        language = self.s.config.clinic.language
        roster = self.s.histories.roster(therapist.code)
        await self._send(update, [part_view(p) for p in render_roster(language, roster)])

    async def history(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/history CODE: one client's recent check-ins and chart."""
        if (therapist := await self._therapist(update)) is None:
            return
        language, tz = self.s.therapist_reading(therapist.code)
        if not context.args:
            await reply(update, View(html_text(language, "report.history.usage")))
            return
        code = context.args[0][:_MAX_CODE]
        config = self.s.config
        limit, instruments = config.flags.history_checkins, config.instruments
        found = self.s.histories.for_client(therapist.code, code, limit, instruments.by_key)
        if found is None:
            await reply(update, View(html_text(language, "report.history.unknown", code=code)))
            return
        summary = summarize(found, config.flags, instruments.flags_for)
        out: list[Outgoing] = [part_view(p) for p in render_history(summary, language, tz)]
        if summary.latest is not None:
            png = await asyncio.to_thread(render_chart, [summary], language, tz)
            out.append(Photo(png, chart_caption(language, summary)))
        await self._send(update, out)

    async def discussed(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tap on Discussed: mark the concern if it is this therapist's client's, and
        raise its repair follow-up if the client's check-ins ask them."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        language = self.s.config.clinic.language
        tap = decode(query.data)
        if not isinstance(tap, DiscussedTap):
            await query.answer(plain(language, "tap.unknown"))
            return
        person = self.s.people.by_chat(chat.id)
        if not isinstance(person, TherapistRecord):
            await query.answer(plain(language, "tap.not_yours"))
            return
        now = self.s.clock.now()
        outcome = self.s.histories.discuss(tap.token, person.code, now)
        if outcome is Discussion.MARKED:  # the client's next check-in asks if it was taken up
            self.s.followups.raise_for_concern(tap.token, now, self.s.repair_check)
        await query.answer(plain(language, _TAPS[outcome]))
        if outcome in (Discussion.MARKED, Discussion.ALREADY) and isinstance(
            query.message, Message
        ):
            await _drop_button(query.message, discussed(tap.token))


async def _drop_button(message: Message, data: str) -> None:
    """Take the tapped Discussed button off the message; the text stays as it was."""
    markup = message.reply_markup
    rows = [
        [b for b in row if b.callback_data != data]
        for row in (markup.inline_keyboard if markup else ())
    ]
    rows = [row for row in rows if row]
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    except BadRequest as error:
        log.warning("button not removed", extra={"error": type(error).__name__})


async def show_therapist_menu(bot: Bot, chat_id: int, language: str) -> None:
    """Give a therapist's chat (only) the therapist commands in its menu."""
    commands = [
        BotCommand("digest", plain(language, "command.digest")),
        BotCommand("clients", plain(language, "command.clients")),
        BotCommand("history", plain(language, "command.history")),
        BotCommand("invite", plain(language, "command.invite")),
        BotCommand("cancel", plain(language, "command.cancel")),
        BotCommand("help", plain(language, "command.help")),
    ]
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.warning("therapist menu not set", extra={"error": type(error).__name__})
