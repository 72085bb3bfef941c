"""Small helpers every handler uses."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.views import View

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
