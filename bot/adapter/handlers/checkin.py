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
from core.answering import (
    Advance,
    Closed,
    Help,
    Idle,
    SaveNote,
    Say,
    Then,
    awaiting_note,
    on_tap,
    on_text,
    proves_delivery,
)
from core.flow import Accepted, Stage, stage_of
from core.model import Checkin
from core.questionnaire import Questionnaire
from messages.catalog import html_text, plain
from storage.risk_notes import RiskNote

log = logging.getLogger(__name__)


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
        query, chat = update.callback_query, update.effective_chat
        assert query is not None
        chat_id = chat.id if chat is not None else 0
        message = query.message if isinstance(query.message, Message) else None
        now = self.s.clock.now()
        checkin = self.s.checkins.by_token(tap.token)
        if checkin is not None and message is not None and proves_delivery(checkin, chat_id):
            adopted = self.s.checkins.adopt(checkin.id, chat_id, message.message_id, now)
            checkin = adopted or checkin
        questionnaire = None if checkin is None else self.s.questionnaire_of(checkin)
        item_stage = questionnaire is not None and stage_of(questionnaire, tap.step) is Stage.ITEM
        outcome = on_tap(checkin, chat_id, cd.to_action(tap, item_stage), questionnaire, now)
        match outcome:
            case Say(key=key):
                if key == "tap.not_yours" and checkin is not None:
                    log.info("tap on another chat's check-in", extra={"checkin_id": checkin.id})
                await query.answer(self._plain(outcome))
            case Closed(language=language):
                await query.answer(plain(language, "tap.closed"))
                if message is not None:
                    closed = closed_view(language)
                    await edit(message, View(self.s.lock_screen(closed.text)))
            case Advance(checkin=checkin, decision=decision, language=language):
                if not self._advance(checkin, decision, outcome.done):
                    await query.answer(plain(language, "tap.already"))
                    return
                await query.answer(plain(language, "tap.saved"))
                if message is not None:
                    step, thanks = decision.next_step, outcome.thanks
                    await edit(message, self._view(checkin, outcome.questionnaire, step, thanks))

    async def text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message: the note of an open check-in, or a polite word that nobody reads."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return
        person = self.s.people.by_chat(chat.id)
        open_checkins = self.s.checkins.open_in_chat(chat.id, self.s.clock.now())
        awaiting = awaiting_note(open_checkins, self.s.questionnaire_of)
        outcome = on_text(person, awaiting, message.text or "", self.s.risk)
        match outcome:
            case Help():
                await reply(update, help_view(self.s, person))
            case Say(language=language):
                language = language or self.s.config.clinic.language
                await reply(update, View(html_text(language, outcome.key, **dict(outcome.values))))
            case Idle(language=language, crisis=True):
                await send_crisis_reply(update, self.s, language, idle=True)
            case Idle(language=language):
                crisis = self.s.crisis(language)
                await reply(update, View(html_text(language, "client.idle_text", crisis=crisis)))
            case SaveNote(checkin=checkin, decision=decision):
                if not self._advance(checkin, decision, outcome.done, outcome.risk):
                    return
                for step in outcome.then:
                    await self._then(step, update, outcome)

    async def _then(self, step: Then, update: Update, saved: SaveNote) -> None:
        """One of the things that follow a recorded note."""
        checkin, client = saved.checkin, saved.client
        if step is Then.CRISIS_REPLY:
            await send_crisis_reply(update, self.s, client.language)
        elif step is Then.PROGRESS:
            await self._show_progress(
                update, checkin, saved.questionnaire, saved.decision.next_step
            )
        else:
            note = RiskNote(
                checkin.id,
                client.code,
                client.therapist_code,
                saved.decision.note or "",
                None,
                self.s.clock.now(),
            )
            await alert(update.get_bot(), self.s, note)
            log.info("risk alert", extra={"checkin_id": checkin.id})

    def _plain(self, outcome: Say) -> str:
        language = outcome.language or self.s.config.clinic.language
        return plain(language, outcome.key, **dict(outcome.values))

    def _advance(
        self, checkin: Checkin, decision: Accepted, done: bool, risk: bool = False
    ) -> bool:
        moved = self.s.checkins.advance(checkin, decision, self.s.clock.now(), done, risk)
        if moved and done:
            self.s.metrics.answered()
        return moved

    def _view(
        self, checkin: Checkin, questionnaire: Questionnaire, step: int, thanks: int | None = None
    ) -> View:
        crisis = self.s.crisis(checkin.language)
        view = checkin_view(checkin, questionnaire, step, crisis, thanks)
        return View(self.s.lock_screen(view.text), view.markup)

    async def _show_progress(
        self, update: Update, checkin: Checkin, questionnaire: Questionnaire, step: int
    ) -> None:
        """Edit the check-in message to the next step; send it anew if it cannot be edited."""
        view = self._view(checkin, questionnaire, step)
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
