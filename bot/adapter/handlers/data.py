"""/mydata, /preview and /delete: the client's access to and erasure of their own data."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.adapter.callback_data import DeleteTap, decode
from bot.adapter.erasure import erase_client, erasure_text
from bot.adapter.handlers.common import edit, reply
from bot.adapter.handlers.controls import ControlHandlers
from bot.adapter.my_data import data_document, preview_text
from bot.adapter.notices import tell_therapist
from bot.adapter.views import View, delete_view
from bot.process.services import Services
from core.audit import Actor, AuditKind
from core.model import ClientRecord
from messages.catalog import html_text, plain

log = logging.getLogger(__name__)


class DataHandlers:
    """A client's own data, in their own chat only."""

    def __init__(self, services: Services, controls: ControlHandlers) -> None:
        self.s = services
        self._controls = controls

    async def mydata(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the client everything stored about them as a JSON file."""
        client = await self._controls.client(update)
        chat = update.effective_chat
        if client is None or chat is None:
            return
        copy = self.s.client_data.copy(client.code)
        if copy is None:
            return
        now = self.s.clock.now()
        questionnaires = self.s.config.instruments.by_key
        document = data_document(copy, self.s.audit.entries(client.code), now, questionnaires)
        # Not protect_content: the copy is for the client to keep and take elsewhere
        # (GDPR Art. 20); Telegram would stop them saving or forwarding a protected file.
        try:
            await chat.send_document(
                document,
                filename=plain(client.language, "mydata.filename"),
                caption=html_text(client.language, "mydata.caption"),
                parse_mode=ParseMode.HTML,
            )
        except TelegramError as error:  # not sent, so not audited as exported
            log.warning("data copy not sent", extra={"error": type(error).__name__})
            await reply(update, View(html_text(client.language, "mydata.failed")))
            return
        self.s.audit.record(
            AuditKind.EXPORTED, now, actor=Actor.CLIENT, client_code=client.code, via="/mydata"
        )

    async def preview(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show what the therapist sees from the client's latest check-in, its items named
        from the questionnaire that check-in asked."""
        client = await self._controls.client(update)
        if client is None:
            return
        text = preview_text(
            client.language,
            client.timezone,
            self.s.config.instruments.by_key,
            self.s.client_data.latest(client.code),
            self.s.config.safety.risk_notes_to_therapist,
        )
        await reply(update, View(text))

    async def delete(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ask before erasing anything."""
        client = await self._controls.client(update)
        if client is not None:
            await reply(update, delete_view(client.language))

    async def confirm(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Erase the client's answers and notes, or leave them, as the button says.

        The tap is answered whatever fails: at the latest here, with a plea to try again.
        """
        if update.callback_query is None:
            return
        tap = _Tap(update.callback_query)
        try:
            await self._confirm(update, tap)
        finally:
            await tap.answer(plain(self.s.config.clinic.language, "tap.failed"))

    async def _confirm(self, update: Update, tap: _Tap) -> None:
        chat, choice = update.effective_chat, decode(tap.query.data)
        person = self.s.people.by_chat(chat.id) if chat is not None else None
        if not isinstance(choice, DeleteTap) or not isinstance(person, ClientRecord):
            await tap.answer(plain(self.s.config.clinic.language, "tap.unknown"))
            return
        language = person.language
        if not choice.confirmed:
            await tap.answer(plain(language, "delete.kept"))
            view = View(html_text(language, "delete.kept"))
            await self._settle(update, tap.query.message, view)
            return
        await tap.answer(plain(language, "delete.working"))  # first: whatever happens next
        await self._erase(update, person)

    async def _erase(self, update: Update, person: ClientRecord) -> None:
        """Erase, say what was erased (or that nothing was), and tell the therapist."""
        query, language, bot = update.callback_query, person.language, update.get_bot()
        message = query.message if query is not None else None
        try:
            erasure = await erase_client(
                bot, self.s, person.code, actor=Actor.CLIENT, via="/delete"
            )
        except Exception as error:  # the client hears back whatever failed; nothing was erased
            log.error(
                "erasure failed", extra={"client": person.code, "error": type(error).__name__}
            )
            await self._settle(update, message, View(html_text(language, "delete.failed")))
            return
        await self._settle(update, message, View(erasure_text(language, erasure)))
        if erasure.erased:  # a repeated tap erases nothing more and tells nobody again
            await tell_therapist(
                bot, self.s, person.code, person.therapist_code, "deleted", "/delete"
            )

    async def _settle(self, update: Update, message: object, view: View) -> None:
        """Replace the question (and its buttons) with the outcome."""
        if not isinstance(message, Message) or not await edit(message, view):
            await reply(update, view)


class _Tap:
    """A callback query answered at most once; a failed answer does not stop the work."""

    def __init__(self, query: CallbackQuery) -> None:
        self.query = query
        self.answered = False

    async def answer(self, text: str) -> None:
        """Answer with ``text`` unless already answered."""
        if self.answered:
            return
        self.answered = True
        try:
            await self.query.answer(text)
        except TelegramError as error:  # too old to answer, say
            log.warning("tap not answered", extra={"error": type(error).__name__})
