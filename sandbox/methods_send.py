"""Bot API methods that create messages: sendMessage, sendPhoto, sendDocument, ..."""

from __future__ import annotations

from typing import Any

from sandbox.content import read_caption, read_markup, read_text
from sandbox.errors import bad_request
from sandbox.params import Params, Upload
from sandbox.state import SandboxState


def chat_id_of(params: Params) -> int:
    """Read `chat_id`; usernames and other non-numbers are unknown chats here."""
    raw = params.get_str("chat_id")
    if not raw:
        raise bad_request("chat_id is empty")
    try:
        return int(raw)
    except ValueError:
        raise bad_request("chat not found") from None


def _flags(params: Params) -> dict[str, Any]:
    return {
        "parse_mode": params.get_str("parse_mode"),
        "reply_markup": read_markup(params, inline_only=False),
        "protect_content": params.get_bool("protect_content"),
        "disable_notification": params.get_bool("disable_notification"),
    }


async def send_message(state: SandboxState, params: Params) -> object:
    """sendMessage: a text message, 1-4096 characters after entity parsing."""
    chat = state.writable_chat(chat_id_of(params))
    text, entities = read_text(params)
    message = state.add_message(
        chat,
        from_bot=True,
        text=text,
        entities=entities,
        source=params.get_str("text"),
        **_flags(params),
    )
    return message.to_api()


async def _send_file(state: SandboxState, params: Params, kind: str) -> object:
    chat = state.writable_chat(chat_id_of(params))
    upload = params.raw(kind)
    if not isinstance(upload, Upload | str) or not upload:
        raise bad_request(f"there is no {kind} in the request")
    caption, entities = read_caption(params)
    flags = _flags(params)
    stored = state.store_file(upload, kind)
    message = state.add_message(
        chat,
        from_bot=True,
        caption=caption or None,
        entities=entities,
        source=params.get_str("caption"),
        **flags,
        **{kind: stored},
    )
    return message.to_api()


async def send_photo(state: SandboxState, params: Params) -> object:
    """sendPhoto: an uploaded photo (multipart), a known file_id or a URL."""
    return await _send_file(state, params, "photo")


async def send_document(state: SandboxState, params: Params) -> object:
    """sendDocument: an uploaded file (multipart), a known file_id or a URL."""
    return await _send_file(state, params, "document")


async def send_chat_action(state: SandboxState, params: Params) -> object:
    """sendChatAction: accepted and forgotten."""
    state.writable_chat(chat_id_of(params))
    if not params.has("action"):
        raise bad_request("action is empty")
    return True
