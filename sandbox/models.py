"""Messages and callback answers as the sandbox stores and reports them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.content import inline_buttons
from sandbox.files import StoredFile


@dataclass(frozen=True)
class CallbackAnswer:
    """How the bot answered a callback query (`answerCallbackQuery`)."""

    text: str | None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass(eq=False)
class SandboxMessage:
    """One message of a chat, from a user or from the bot, in its current state."""

    message_id: int
    chat: dict[str, Any]
    sender: dict[str, Any]
    date: int
    from_bot: bool
    text: str | None = None
    caption: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    protect_content: bool = False
    disable_notification: bool = False
    photo: StoredFile | None = None
    document: StoredFile | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False
    version: int = 0

    @property
    def chat_id(self) -> int:
        """The id of the chat the message belongs to."""
        return int(self.chat["id"])

    @property
    def file(self) -> StoredFile | None:
        """The photo or document of the message, if any."""
        return self.photo or self.document

    @property
    def file_bytes(self) -> bytes | None:
        """The uploaded bytes of a photo or document."""
        return self.file.data if self.file else None

    @property
    def file_size(self) -> int | None:
        """Size in bytes of a photo or document."""
        return self.file.size if self.file else None

    @property
    def filename(self) -> str | None:
        """File name of a photo or document as uploaded."""
        return self.file.filename if self.file else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard buttons, flattened row by row."""
        return inline_buttons(self.reply_markup)

    @property
    def button_labels(self) -> list[str]:
        """The labels of the inline keyboard buttons, row by row."""
        return [str(button["text"]) for button in self.buttons]

    def to_api(self) -> dict[str, Any]:
        """Return the message as the Bot API's Message JSON."""
        body: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            body["edit_date"] = self.edit_date
        if self.protect_content:
            body["has_protected_content"] = True
        if self.text is not None:
            body["text"] = self.text
        if self.photo is not None:
            body["photo"] = self.photo.photo_sizes()
        if self.document is not None:
            body["document"] = self.document.document()
        if self.caption:
            body["caption"] = self.caption
        if self.entities:
            body["entities" if self.text is not None else "caption_entities"] = self.entities
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            body["reply_markup"] = self.reply_markup
        return body

    def describe(self) -> dict[str, Any]:
        """Return the API JSON plus the sandbox's own bookkeeping, for the control API."""
        extras = {
            "from_bot": self.from_bot,
            "parse_mode": self.parse_mode,
            "source": self.source,
            "reply_markup": self.reply_markup,
            "protect_content": self.protect_content,
            "disable_notification": self.disable_notification,
            "edit_count": self.edit_count,
            "deleted": self.deleted,
            "file_size": self.file_size,
            "filename": self.filename,
        }
        return self.to_api() | {"sandbox": extras}
