"""/mydata, /preview and /delete: the client's access to and erasure of their own data."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callback_data import DeleteTap, decode
from bot.handlers.common import edit, reply
from bot.handlers.controls import ControlHandlers
from bot.my_data import data_document, preview_text
from bot.notices import tell_therapist
from bot.services import Services
from bot.views import View, delete_view
from core.audit import Actor, AuditKind
from core.model import ClientRecord
from messages.catalog import html_text, plain


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
        document = data_document(copy, self.s.audit.entries(client.code), now)
        # Not protect_content: the copy is for the client to keep and take elsewhere
        # (GDPR Art. 20); Telegram would stop them saving or forwarding a protected file.
        await chat.send_document(
            document,
            filename=plain(client.language, "mydata.filename"),
            caption=html_text(client.language, "mydata.caption"),
            parse_mode=ParseMode.HTML,
        )
        self.s.audit.record(
            AuditKind.EXPORTED, now, actor=Actor.CLIENT, client_code=client.code, via="/mydata"
        )

    async def preview(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show what the therapist sees from the client's latest check-in."""
        client = await self._controls.client(update)
        if client is None:
            return
        text = preview_text(
            client.language,
            client.timezone,
            self.s.questionnaire,
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
        """Erase the client's answers and notes, or leave them, as the button says."""
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        tap = decode(query.data)
        if not isinstance(tap, DeleteTap):
            await query.answer(plain(self.s.config.clinic.language, "tap.unknown"))
            return
        person = self.s.people.by_chat(chat.id)
        if not isinstance(person, ClientRecord):
            await query.answer(plain(self.s.config.clinic.language, "tap.unknown"))
            return
        language = person.language
        if not tap.confirmed:
            await query.answer(plain(language, "delete.kept"))
            await self._settle(update, query.message, View(html_text(language, "delete.kept")))
            return
        erased = self.s.client_data.erase(person.code, self.s.clock.now())
        await query.answer(plain(language, "tap.saved"))
        await self._settle(update, query.message, View(html_text(language, "delete.done")))
        if erased:  # a repeated tap erases nothing more and tells nobody again
            await tell_therapist(
                update.get_bot(), self.s, person.code, person.therapist_code, "deleted", "/delete"
            )

    async def _settle(self, update: Update, message: object, view: View) -> None:
        """Replace the question (and its buttons) with the outcome."""
        if not isinstance(message, Message) or not await edit(message, view):
            await reply(update, view)
