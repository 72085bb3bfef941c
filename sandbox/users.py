"""Simulated Telegram users who write to the bot, tap its buttons and read its replies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sandbox.content import utf16_len
from sandbox.errors import SandboxTimeoutError
from sandbox.models import CallbackAnswer, SandboxMessage
from sandbox.state import Chat, SandboxState

MessageRef = int | SandboxMessage | Mapping[str, Any]


class SimUser:
    """A user in a private chat with the bot (the chat id equals the user id)."""

    def __init__(self, state: SandboxState, chat: Chat) -> None:
        self._state = state
        self._chat = chat
        self._returned: set[int] = set()

    @property
    def id(self) -> int:
        """The user id, which is also the private chat id."""
        return int(self._chat.user["id"])

    @property
    def first_name(self) -> str:
        """The user's first name, as the bot sees it."""
        return str(self._chat.user["first_name"])

    @property
    def language_code(self) -> str | None:
        """The user's client language (an IETF tag such as "en"), if any."""
        code = self._chat.user.get("language_code")
        return None if code is None else str(code)

    @property
    def is_blocked(self) -> bool:
        """Whether the user has blocked the bot."""
        return self._chat.blocked

    async def send_text(self, text: str) -> dict[str, Any]:
        """Write a plain text message to the bot; returns the Message JSON."""
        return self._send(text, [])

    async def send_command(self, command: str, args: str | None = None) -> dict[str, Any]:
        """Send `/command args` with a bot_command entity; returns the Message JSON."""
        name = "/" + command.removeprefix("/")
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(name)}
        return self._send(f"{name} {args}" if args else name, [entity])

    def _send(self, text: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
        if self._chat.blocked:
            self.unblock_bot()
        message = self._state.add_message(self._chat, from_bot=False, text=text, entities=entities)
        payload = message.to_api()
        self._state.updates.push("message", payload)
        return payload

    async def tap(
        self,
        message: MessageRef,
        *,
        text: str | None = None,
        data: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the seconds to wait for the bot's answer
    ) -> CallbackAnswer:
        """Tap an inline button chosen by label (exact, else substring) or callback data."""
        found = self._find(message)
        buttons = found.buttons
        if data is not None:
            matches = [b for b in buttons if b.get("callback_data") == data]
        elif text is not None:
            matches = [b for b in buttons if b["text"] == text]
            matches = matches or [b for b in buttons if text in b["text"]]
        else:
            raise ValueError("pass text= or data= to choose a button")
        if len(matches) != 1 or "callback_data" not in matches[0]:
            wanted = text if data is None else data
            raise LookupError(
                f"no single callback button {wanted!r} on message {found.message_id};"
                f" buttons: {found.button_labels}"
            )
        return await self._tap(found, str(matches[0]["callback_data"]), timeout)

    async def tap_raw(
        self,
        message: MessageRef,
        data: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the seconds to wait for the bot's answer
    ) -> CallbackAnswer:
        """Send a callback query with arbitrary data, as a forged button would."""
        return await self._tap(self._find(message), data, timeout)

    async def _tap(self, message: SandboxMessage, data: str, seconds: float) -> CallbackAnswer:
        if self._chat.blocked:
            raise RuntimeError(f"user {self.id} has blocked the bot and cannot tap buttons")
        query = self._state.add_query(self._chat, message, data)
        answer = await self._state.signal.wait_for(lambda: query.answer, seconds)
        if answer is None:
            raise SandboxTimeoutError(
                f"the bot did not answer callback query {query.query_id} (data {data!r})"
                f" within {seconds} s"
            )
        return answer

    def _find(self, ref: MessageRef) -> SandboxMessage:
        if isinstance(ref, SandboxMessage):
            message_id = ref.message_id
        else:
            message_id = ref if isinstance(ref, int) else int(ref["message_id"])
        for message in self.messages():
            if message.message_id == message_id:
                return message
        raise LookupError(f"the bot has no message {message_id} in chat {self.id}")

    def messages(self) -> list[SandboxMessage]:
        """The bot's messages in this chat, oldest first, as they are now."""
        return [m for m in self._chat.messages if m.from_bot and not m.deleted]

    def last_message(self) -> SandboxMessage:
        """The bot's latest message in this chat."""
        found = self.messages()
        if not found:
            raise LookupError(f"the bot has sent nothing to user {self.id} yet")
        return found[-1]

    def button_labels(self, message: MessageRef | None = None) -> list[str]:
        """Labels of the inline buttons of a message (default: the latest one)."""
        return (self.last_message() if message is None else self._find(message)).button_labels

    async def wait_for_message(
        self,
        predicate: Callable[[SandboxMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the seconds to wait for the bot
    ) -> SandboxMessage:
        """Return the oldest bot message (as sent or last edited) matching `predicate`
        that this method has not returned in that state yet, waiting for one if needed."""

        def check() -> SandboxMessage | None:
            fresh = [m for m in self.messages() if m.version not in self._returned]
            fresh = [m for m in fresh if predicate is None or predicate(m)]
            return min(fresh, key=lambda m: m.version) if fresh else None

        found = await self._state.signal.wait_for(check, timeout)
        if found is None:
            raise SandboxTimeoutError(
                f"no matching bot message for user {self.id} within {timeout} s"
                f" ({len(self.messages())} bot messages in the chat)"
            )
        self._returned.add(found.version)
        return found

    def block_bot(self) -> None:
        """Block the bot: sends then fail with 403 and a `kicked` update arrives."""
        if not self._chat.blocked:
            self._chat.blocked = True
            self._member_update("member", "kicked")

    def unblock_bot(self) -> None:
        """Unblock the bot (a `member` update arrives)."""
        if self._chat.blocked:
            self._chat.blocked = False
            self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> None:
        bot = self._state.bot_user

        def member(status: str) -> dict[str, Any]:
            return {"user": bot, "status": status} | (
                {"until_date": 0} if status == "kicked" else {}
            )

        payload = {
            "chat": self._chat.chat,
            "from": self._chat.user,
            "date": self._state.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self._state.updates.push("my_chat_member", payload)
