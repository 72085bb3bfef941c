"""The therapist's estimate at the edge: asked from the tick (``ask_estimates``), answered by
a tap (``EstimateHandlers.tap``).

Every tap is answered. A saved one edits the message in place (that client's line shows
the value, its buttons go); a late one (the client's check-in went out first) is thanked
and stores nothing; a tap from a chat that is not the estimate's therapist's changes
nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.adapter.callback_data import EstimateTap, decode
from bot.adapter.estimate_views import estimate_view
from bot.adapter.handlers.common import edit
from bot.adapter.notifier import TelegramNotifier
from bot.adapter.views import View
from bot.process.services import Services
from core.estimate import Estimate, questionnaire_of
from messages.catalog import plain
from scheduler.estimates import closing, run_estimates
from storage.estimates import Estimates, Saved

log = logging.getLogger(__name__)

#: The pop-up a tap gets, by what came of it.
_ANSWERS = {
    Saved.ALREADY: "estimate.tap.already",
    Saved.LATE: "estimate.tap.late",
    Saved.NOT_YOURS: "tap.not_yours",
    Saved.UNKNOWN: "tap.unknown",
}


async def ask_estimates(notifier: TelegramNotifier, services: Services, lease: timedelta) -> int:
    """Ask therapists for the estimates due now (a step of the tick); how many were asked."""
    return await run_estimates(services.clock, services.config, services.estimates, notifier, lease)


def estimates_closer(services: Services) -> Estimates | None:
    """What the check-in tick closes estimates through (nothing while none are asked)."""
    return closing(services.config, services.estimates)


class EstimateHandlers:
    """Taps on an estimate's buttons."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def tap(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Save the tapped value (or the skip), then show it in the message."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        language = self.s.config.clinic.language
        tap = decode(query.data)
        found = self.s.estimates.by_token(tap.token) if isinstance(tap, EstimateTap) else None
        if not isinstance(tap, EstimateTap) or found is None or not self._on_scale(found, tap):
            await query.answer(plain(language, "tap.unknown"))
            return
        saved = self.s.estimates.save(tap.token, chat.id, tap.value, self.s.clock.now())
        log.info("estimate tapped", extra={"estimate_id": found.id, "outcome": saved.value})
        if saved is Saved.SAVED and tap.value is None:
            await query.answer(plain(language, "estimate.tap.skipped"))
        elif saved is Saved.SAVED:
            await query.answer(plain(language, "estimate.tap.saved", value=tap.value))
        else:
            await query.answer(plain(language, _ANSWERS[saved]))
        if saved in (Saved.SAVED, Saved.ALREADY, Saved.LATE) and isinstance(query.message, Message):
            await self._show(query.message, tap.token)

    def _on_scale(self, estimate: Estimate, tap: EstimateTap) -> bool:
        questionnaire = questionnaire_of(self.s.config, estimate)
        return tap.value is None or questionnaire.accepts(tap.value)

    async def _show(self, message: Message, token: str) -> None:
        """Edit the message to show every estimate it asked as it stands now."""
        shown = self.s.estimates.in_message(token, message.chat_id, message.message_id)
        if not shown:  # tapped before its send was recorded: the pop-up said enough
            return
        language, tz = self.s.therapist_reading(shown[0].therapist_code)
        questionnaire = questionnaire_of(self.s.config, shown[0])
        view = estimate_view(shown, questionnaire, language, tz, self.s.clock.now())
        await edit(message, View(self.s.lock_screen(view.text), view.markup))
