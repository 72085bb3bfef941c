"""Answering a check-in: button taps, the typed note, and its sharing choice."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.adapter import callback_data as cd
from bot.adapter.handlers.common import edit, reply
from bot.adapter.handlers.enrolment import help_view
from bot.adapter.safety import alert, send_crisis_reply
from bot.adapter.views import View, checkin_view, closed_view
from bot.process.services import Services
from core.enrolment import needs_consent
from core.flow import (
    NOTE_MAX_CHARS,
    Accepted,
    NoteText,
    Rejection,
    Stage,
    apply,
    clean_text,
    stage_of,
    utf16_length,
)
from core.model import Checkin, CheckinStatus, ClientRecord
from messages.catalog import html_text, plain
from storage.risk_notes import RiskNote

log = logging.getLogger(__name__)

#: A check-in whose delivery is not recorded (yet) although the client can tap it.
_BEING_SENT = (CheckinStatus.PLANNED, CheckinStatus.SENDING)
_REJECTION_TAPS = {Rejection.STALE: "tap.already", Rejection.INVALID: "tap.unknown"}


class CheckinHandlers:
    """Every tap is answered; only a tap that fits the check-in's current step changes it."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def tap(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tap on a check-in's button (``c:`` callback data)."""
        query = update.callback_query
        if query is None:
            return
        decoded = cd.decode(query.data)
        if isinstance(decoded, cd.CheckinTap):
            await self._checkin_tap(update, decoded)
        else:
            await query.answer(plain(self.s.config.clinic.language, "tap.unknown"))

    async def _checkin_tap(self, update: Update, tap: cd.CheckinTap) -> None:
        query = update.callback_query
        chat = update.effective_chat
        assert query is not None
        checkin = self.s.checkins.by_token(tap.token)
        fallback = self.s.config.clinic.language
        if checkin is None or chat is None:
            await query.answer(plain(fallback, "tap.unknown"))
            return
        language = checkin.language
        if checkin.chat_id != chat.id:
            log.info("tap on another chat's check-in", extra={"checkin_id": checkin.id})
            await query.answer(plain(fallback, "tap.not_yours"))
            return
        now = self.s.clock.now()
        if checkin.status in _BEING_SENT and isinstance(query.message, Message):
            # A send that timed out, or is still being recorded, has arrived: this tap proves it.
            adopted = self.s.checkins.adopt(checkin.id, chat.id, query.message.message_id, now)
            checkin = adopted or checkin
        if checkin.status is CheckinStatus.COMPLETED:
            await query.answer(plain(language, "tap.already"))
            return
        if checkin.status is not CheckinStatus.OPEN or checkin.expires_at <= now:
            await query.answer(plain(language, "tap.closed"))
            if isinstance(query.message, Message):
                closed = closed_view(language)
                await edit(query.message, View(self.s.lock_screen(closed.text)))
            return
        questionnaire = self.s.questionnaire
        action = cd.to_action(tap, stage_of(questionnaire, tap.step) is Stage.ITEM)
        decision = apply(questionnaire, checkin.step, action)
        if isinstance(decision, Rejection):
            await query.answer(plain(language, _REJECTION_TAPS.get(decision, "tap.unknown")))
            return
        if not self._advance(checkin, decision):
            await query.answer(plain(language, "tap.already"))
            return
        await query.answer(plain(language, "tap.saved"))
        if isinstance(query.message, Message):
            await edit(query.message, self._view(checkin, decision.next_step))

    async def text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message: the note of an open check-in, or a polite word that nobody reads."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return
        person = self.s.people.by_chat(chat.id)
        if not isinstance(person, ClientRecord):
            await reply(update, help_view(self.s, person))
            return
        if needs_consent(person.status):  # a chat linked (again) stores nothing until consent
            await reply(update, View(html_text(person.language, "consent.first")))
            return
        note_step = len(self.s.questionnaire.items)
        checkin = self.s.checkins.awaiting_note(chat.id, self.s.clock.now(), note_step)
        if checkin is None:
            if self.s.risk.matches(message.text or ""):
                await send_crisis_reply(update, self.s, person.language, idle=True)
                return
            crisis = self.s.crisis(person.language)
            await reply(update, View(html_text(person.language, "client.idle_text", crisis=crisis)))
            return
        decision = apply(self.s.questionnaire, checkin.step, NoteText(message.text or ""))
        if decision is Rejection.TOO_LONG:
            length = utf16_length(clean_text(message.text or "").strip())
            text = html_text(person.language, "note.too_long", length=length, limit=NOTE_MAX_CHARS)
            await reply(update, View(text))
            return
        if not isinstance(decision, Accepted):
            await reply(update, View(html_text(person.language, "note.empty")))
            return
        risk = self.s.risk.matches(decision.note or "")
        if not self._advance(checkin, decision, risk):
            return
        if risk:  # crisis contacts first, before anything else happens in the chat
            await send_crisis_reply(update, self.s, person.language)
        await self._show_progress(update, checkin, decision.next_step)
        if risk:
            note = RiskNote(
                checkin.id,
                person.code,
                person.therapist_code,
                decision.note or "",
                None,
                self.s.clock.now(),
            )
            await alert(update.get_bot(), self.s, note)
            log.info("risk alert", extra={"checkin_id": checkin.id})

    def _advance(self, checkin: Checkin, decision: Accepted, risk: bool = False) -> bool:
        done = stage_of(self.s.questionnaire, decision.next_step) is Stage.DONE
        moved = self.s.checkins.advance(checkin, decision, self.s.clock.now(), done, risk)
        if moved and done:
            self.s.metrics.answered()
        return moved

    def _view(self, checkin: Checkin, step: int) -> View:
        crisis = self.s.crisis(checkin.language)
        view = checkin_view(checkin, self.s.questionnaire, step, crisis)
        return View(self.s.lock_screen(view.text), view.markup)

    async def _show_progress(self, update: Update, checkin: Checkin, step: int) -> None:
        """Edit the check-in message to the next step; send it anew if it cannot be edited."""
        view = self._view(checkin, step)
        bot = update.get_bot()
        if checkin.chat_id is not None and checkin.message_id is not None:
            try:
                await bot.edit_message_text(
                    view.text,
                    chat_id=checkin.chat_id,
                    message_id=checkin.message_id,
                    parse_mode="HTML",
                    reply_markup=view.markup,
                )
                return
            except TelegramError as error:
                log.warning("note step edit failed", extra={"error": type(error).__name__})
        await reply(update, view)
