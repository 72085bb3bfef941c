"""Small helpers every handler uses."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.adapter.views import View
from messages.catalog import plain

log = logging.getLogger(__name__)


async def reply(update: Update, view: View) -> None:
    """Answer in the chat an update came from."""
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_message(
        view.text, parse_mode=ParseMode.HTML, reply_markup=view.markup, protect_content=True
    )


async def edit(message: Message, view: View) -> bool:
    """Edit a message in place; 'message is not modified' counts as done."""
    try:
        await message.edit_text(view.text, parse_mode=ParseMode.HTML, reply_markup=view.markup)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return True
        log.warning("edit failed", extra={"error": type(error).__name__})
        return False
    return True


async def apologise(update: Update, language: str) -> None:
    """After a handler failed: answer a tap, and ask the person to try again.

    Best effort, and it never raises: the failure itself is logged by the error handler.
    A tap answered already, or a chat Telegram refuses, is left as it is.
    """
    text = plain(language, "error.try_again")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await update.effective_chat.send_message(text, protect_content=True)
    except TelegramError as error:
        log.info("apology not sent", extra={"error": type(error).__name__})


class UnknownTaps:
    """The last entry of the handler table: any other tap is answered, and changes nothing."""

    def __init__(self, language: Callable[[], str]) -> None:
        self._language = language

    async def answer(self, update: Update, _context: object) -> None:
        """Answer a tap whose button the bot does not know (forged, or from an old version)."""
        if update.callback_query is not None:
            await update.callback_query.answer(plain(self._language(), "tap.unknown"))
