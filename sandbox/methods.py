"""The table of emulated Bot API methods (names are case-insensitive, as in Telegram)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sandbox import methods_bot as bot
from sandbox import methods_edit as edit
from sandbox import methods_send as send
from sandbox.params import Params
from sandbox.state import SandboxState

Handler = Callable[[SandboxState, Params], Awaitable[object]]

METHODS: dict[str, Handler] = {
    "getMe": bot.get_me,
    "getUpdates": bot.get_updates,
    "setWebhook": bot.set_webhook,
    "deleteWebhook": bot.delete_webhook,
    "getWebhookInfo": bot.get_webhook_info,
    "setMyCommands": bot.set_my_commands,
    "getMyCommands": bot.get_my_commands,
    "deleteMyCommands": bot.delete_my_commands,
    "close": bot.accept,
    "logOut": bot.accept,
    "sendMessage": send.send_message,
    "sendPhoto": send.send_photo,
    "sendDocument": send.send_document,
    "sendChatAction": send.send_chat_action,
    "editMessageText": edit.edit_message_text,
    "editMessageCaption": edit.edit_message_caption,
    "editMessageReplyMarkup": edit.edit_message_reply_markup,
    "deleteMessage": edit.delete_message,
    "deleteMessages": edit.delete_messages,
    "answerCallbackQuery": edit.answer_callback_query,
}
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_BY_LOWER = {name.lower(): name for name in METHODS}


def canonical_name(method: str) -> str | None:
    """Return the Bot API spelling of a method name, or None if it is not emulated."""
    return _BY_LOWER.get(method.lower())
