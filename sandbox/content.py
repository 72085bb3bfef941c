"""Validating message text, captions and inline keyboards as Telegram does."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request
from sandbox.html import parse_html
from sandbox.params import Params

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
REPLY_MARKUP_KINDS = ("keyboard", "remove_keyboard", "force_reply")

Formatted = tuple[str, list[dict[str, Any]]]


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, the unit of Telegram's length limits and offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_formatted(text: str, parse_mode: str | None, entities: object) -> Formatted:
    """Apply a parse mode; without one, keep explicitly given entities."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode:
        raise bad_request("unsupported parse_mode (the sandbox implements HTML only)")
    if entities is None:
        return text, []
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise bad_request("can't parse entities JSON object")
    return text, [dict(entity) for entity in entities]


def read_text(params: Params) -> Formatted:
    """Return a message's visible text and entities, enforcing 1-4096 characters."""
    raw = params.get_str("text") or ""
    text, entities = parse_formatted(raw, params.get_str("parse_mode"), params.get_json("entities"))
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def read_caption(params: Params) -> Formatted:
    """Return a caption's visible text and entities, enforcing 0-1024 characters."""
    raw = params.get_str("caption") or ""
    mode = params.get_str("parse_mode")
    text, entities = parse_formatted(raw, mode, params.get_json("caption_entities"))
    if utf16_len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return text, entities


def read_markup(params: Params, *, inline_only: bool) -> dict[str, Any] | None:
    """Return the validated `reply_markup` parameter, or None when absent."""
    markup = params.get_json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup["inline_keyboard"])
        return markup if any(markup["inline_keyboard"]) else None
    if inline_only:
        raise bad_request("inline keyboard expected")
    if not any(kind in markup for kind in REPLY_MARKUP_KINDS):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def check_inline_keyboard(rows: object) -> None:
    """Reject inline keyboards Telegram would reject, e.g. over-long callback data."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict):
            raise bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
        if not isinstance(button.get("text"), str) or not button["text"]:
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        if not any(action in button for action in BUTTON_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline"
                " keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else 0
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button and (not isinstance(button["url"], str) or not button["url"]):
            raise bad_request("BUTTON_URL_INVALID")


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Flatten an inline keyboard into its buttons, row by row."""
    if not markup or not isinstance(markup.get("inline_keyboard"), list):
        return []
    return [button for row in markup["inline_keyboard"] for button in row]
