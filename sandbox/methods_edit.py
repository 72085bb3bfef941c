"""Bot API methods that change existing things: edits, deletion, callback answers.

Deletion follows Telegram's rule for private chats: only within 48 hours of the message's
date (the sandbox's wall clock; a test ages a message by moving its ``date`` back).
"""

from __future__ import annotations

from sandbox.content import read_caption, read_markup, read_text, utf16_len
from sandbox.errors import NOT_MODIFIED, bad_request
from sandbox.methods_send import chat_id_of
from sandbox.models import CallbackAnswer, SandboxMessage
from sandbox.params import Params
from sandbox.state import SandboxState

MAX_ANSWER_TEXT = 200
#: A bot may delete a message in a private chat only this long after it was sent.
DELETABLE_SECONDS = 48 * 3600
#: deleteMessages takes at most this many message ids.
MAX_DELETE = 100


def _target(state: SandboxState, params: Params) -> SandboxMessage:
    if params.has("inline_message_id"):
        raise bad_request("message to edit not found")
    return state.bot_message(chat_id_of(params), params.required_int("message_id"))


def _commit(state: SandboxState, message: SandboxMessage) -> object:
    message.edit_count += 1
    message.edit_date = state.now()
    state.touch(message)
    return message.to_api()


async def edit_message_text(state: SandboxState, params: Params) -> object:
    """editMessageText: new text; an omitted reply_markup removes the keyboard."""
    message = _target(state, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = read_text(params)
    markup = read_markup(params, inline_only=True)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.source, message.parse_mode = params.get_str("text"), params.get_str("parse_mode")
    return _commit(state, message)


async def edit_message_caption(state: SandboxState, params: Params) -> object:
    """editMessageCaption: new caption of a photo or document."""
    message = _target(state, params)
    if message.file is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = read_caption(params)
    markup = read_markup(params, inline_only=True)
    current = (message.caption or "", message.entities, message.reply_markup)
    if (caption, entities, markup) == current:
        raise bad_request(NOT_MODIFIED)
    message.caption, message.entities, message.reply_markup = caption or None, entities, markup
    message.source, message.parse_mode = params.get_str("caption"), params.get_str("parse_mode")
    return _commit(state, message)


async def edit_message_reply_markup(state: SandboxState, params: Params) -> object:
    """editMessageReplyMarkup: replace or (when omitted) remove the inline keyboard."""
    message = _target(state, params)
    markup = read_markup(params, inline_only=True)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    return _commit(state, message)


async def delete_message(state: SandboxState, params: Params) -> object:
    """deleteMessage: hide a message of the chat, if it is under 48 hours old."""
    chat = state.writable_chat(chat_id_of(params))
    message = state.messages.get(params.required_int("message_id"))
    if message is None or message.chat_id != chat.chat["id"] or message.deleted:
        raise bad_request("message to delete not found")
    if state.now() - message.date >= DELETABLE_SECONDS:
        raise bad_request("message can't be deleted")
    _hide(state, message)
    return True


async def delete_messages(state: SandboxState, params: Params) -> object:
    """deleteMessages: 1-100 messages of the chat; those missing or too old are skipped."""
    chat = state.writable_chat(chat_id_of(params))
    ids = params.get_json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_DELETE:
        raise bad_request("message_ids must be a list of 1-100 message identifiers")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise bad_request("message_ids must be integers")
    for message_id in ids:
        message = state.messages.get(message_id)
        if message is None or message.chat_id != chat.chat["id"] or message.deleted:
            continue
        if state.now() - message.date < DELETABLE_SECONDS:
            _hide(state, message)
    return True


def _hide(state: SandboxState, message: SandboxMessage) -> None:
    message.deleted = True
    state.touch(message)


async def answer_callback_query(state: SandboxState, params: Params) -> object:
    """answerCallbackQuery: at most 200 characters, once per query."""
    query_id = params.get_str("callback_query_id")
    if not query_id:
        raise bad_request("callback_query_id is empty")
    text = params.get_str("text") or None
    if text is not None and utf16_len(text) > MAX_ANSWER_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    answer = CallbackAnswer(
        text,
        params.get_bool("show_alert"),
        params.get_str("url"),
        params.get_int("cache_time") or 0,
    )
    state.answer_query(query_id, answer)
    return True
