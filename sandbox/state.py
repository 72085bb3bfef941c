"""Everything the emulated Telegram remembers: chats, messages, queries, files, webhook."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import BLOCKED, QUERY_TOO_OLD, ApiError, bad_request
from sandbox.files import StoredFile, guess_mime_type
from sandbox.models import CallbackAnswer, SandboxMessage
from sandbox.params import Upload
from sandbox.updates import Signal, UpdateQueue
from sandbox.webhook import Webhook


@dataclass
class Chat:
    """A private chat between the bot and one simulated user."""

    user: dict[str, Any]
    chat: dict[str, Any]
    messages: list[SandboxMessage] = field(default_factory=list)
    blocked: bool = False


@dataclass
class PendingQuery:
    """A callback query sent to the bot, answered at most once."""

    query_id: str
    chat_id: int
    data: str
    answer: CallbackAnswer | None = None


class SandboxState:
    """The sandbox's memory; every change bumps `version` and wakes waiters."""

    def __init__(self, bot_user: dict[str, Any]) -> None:
        self.bot_user = bot_user
        self.signal = Signal()
        self.updates = UpdateQueue(self.signal)
        self.chats: dict[int, Chat] = {}
        self.messages: dict[int, SandboxMessage] = {}
        self.queries: dict[str, PendingQuery] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: Webhook | None = None
        self.allowed_updates: list[str] = []
        self.version = 0
        self._message_ids = itertools.count(1)
        self._serials = itertools.count(1)

    @staticmethod
    def now() -> int:
        """Unix time in seconds, as in message dates."""
        return int(time.time())

    def set_webhook(self, webhook: Webhook | None) -> None:
        """Install, replace or (with None) remove the webhook, and wake waiters."""
        self.webhook = webhook
        self.updates.webhook_active = webhook is not None
        self.signal.notify()

    def webhook_info(self) -> dict[str, Any]:
        """The WebhookInfo JSON: the webhook and its last error, or an empty URL."""
        pending = len(self.updates.pending())
        if self.webhook is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
        return self.webhook.info(pending, self.allowed_updates)

    def add_chat(self, user_id: int, first_name: str, language_code: str) -> Chat:
        """Create (or return) the private chat of a user; its id is the user id."""
        if user_id not in self.chats:
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            if language_code:
                user["language_code"] = language_code
            chat = {"id": user_id, "first_name": first_name, "type": "private"}
            self.chats[user_id] = Chat(user, chat)
        return self.chats[user_id]

    def chat(self, chat_id: int) -> Chat:
        """Return a known chat or fail with `chat not found`."""
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def writable_chat(self, chat_id: int) -> Chat:
        """Return a chat the bot may write to, failing with 403 when it is blocked."""
        chat = self.chat(chat_id)
        if chat.blocked:
            raise ApiError(403, BLOCKED)
        return chat

    def add_message(self, chat: Chat, *, from_bot: bool, **fields: Any) -> SandboxMessage:
        """Store a new message in a chat and wake waiters."""
        sender = self.bot_user if from_bot else chat.user
        message = SandboxMessage(
            next(self._message_ids), chat.chat, sender, self.now(), from_bot, **fields
        )
        chat.messages.append(message)
        self.messages[message.message_id] = message
        self.touch(message)
        return message

    def touch(self, message: SandboxMessage) -> None:
        """Record that a message changed and wake waiters."""
        self.version += 1
        message.version = self.version
        self.signal.notify()

    def bot_message(self, chat_id: int, message_id: int) -> SandboxMessage:
        """Return a message of this chat the bot may edit."""
        self.writable_chat(chat_id)
        message = self.messages.get(message_id)
        if message is None or message.chat_id != chat_id or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def store_file(self, upload: Upload | str, kind: str) -> StoredFile:
        """Keep an uploaded file, or resolve a file_id / URL the bot passed instead."""
        if isinstance(upload, str):
            if upload in self.files:
                return self.files[upload]
            if not upload.startswith(("http://", "https://")):
                raise bad_request("wrong file identifier/HTTP URL specified")
            upload = Upload(upload.rsplit("/", 1)[-1] or None, None, b"")
        elif not upload.data:
            raise bad_request("file must be non-empty")
        number = next(self._serials)
        mime = guess_mime_type(upload.filename, upload.content_type)
        stored = StoredFile(
            f"sandbox-{kind}-{number}", f"u{number}", upload.data, upload.filename, mime
        )
        self.files[stored.file_id] = stored
        return stored

    def add_query(self, chat: Chat, message: SandboxMessage, data: str) -> PendingQuery:
        """Create a callback query from a tap and enqueue its update."""
        query = PendingQuery(str(4_000_000_000_000 + next(self._serials)), chat.chat["id"], data)
        self.queries[query.query_id] = query
        payload = {
            "id": query.query_id,
            "from": chat.user,
            "message": message.to_api(),
            "chat_instance": str(7_000_000_000 + chat.chat["id"]),
            "data": data,
        }
        self.updates.push("callback_query", payload)
        return query

    def answer_query(self, query_id: str, answer: CallbackAnswer) -> None:
        """Record the bot's answer; a query can be answered once."""
        query = self.queries.get(query_id)
        if query is None or query.answer is not None:
            raise bad_request(QUERY_TOO_OLD)
        query.answer = answer
        self.signal.notify()
