"""Packing rendered blocks into Telegram messages under the 4096-character limit.

Telegram counts a message's length after parsing its HTML, in UTF-16 code units; a
block is never cut unless it alone is too long, and then only between lines (every line
a renderer makes closes its own tags). Text a person wrote is cut before it is escaped
(``split_text``), so no cut falls inside an HTML entity or a tag, and never inside a
character: not between a surrogate pair's halves, nor before a combining mark or a joiner.

Blocks and parts carry the codes of the clients whose notes they quote, so that the
messages a part is sent as can be recorded for erasure (``storage.therapist_messages``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.flow import utf16_length
from messages.catalog import SafeHtml

#: Room left under Telegram's 4096 for the joins between blocks and for safety.
LIMIT = 4000
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Button:
    """A button under a message part: its label and opaque token."""

    label: str
    token: str


@dataclass(frozen=True)
class Block:
    """Text that belongs together, and the buttons that belong to it."""

    text: SafeHtml
    buttons: tuple[Button, ...] = ()
    quotes: tuple[str, ...] = ()  # codes of the clients whose notes the text quotes


@dataclass(frozen=True)
class Part:
    """One message to send: HTML text, its buttons, and whose notes it quotes."""

    text: SafeHtml
    buttons: tuple[Button, ...] = ()
    quotes: tuple[str, ...] = ()


def visible_length(text: str) -> int:
    """Length of HTML as Telegram counts it: tags removed, entities decoded, UTF-16 units."""
    return utf16_length(html.unescape(_TAG.sub("", text)))


def pack(blocks: Sequence[Block], again: SafeHtml, limit: int = LIMIT) -> list[Part]:
    """Join blocks with blank lines into as few parts as fit under ``limit``; every part
    after the first starts with the line ``again`` (the title, continued), so that no
    message's first line (what a lock screen shows) names a client."""
    room = limit - visible_length(again) - 1
    parts = _packed(blocks, room)
    return parts[:1] + [replace(p, text=SafeHtml(f"{again}\n{p.text}")) for p in parts[1:]]


def _packed(blocks: Sequence[Block], limit: int) -> list[Part]:
    parts: list[Part] = []
    text = ""
    buttons: tuple[Button, ...] = ()
    quotes: tuple[str, ...] = ()
    for block in _fitting(blocks, limit):
        joined = f"{text}\n\n{block.text}" if text else block.text
        if text and visible_length(joined) > limit:
            parts.append(Part(SafeHtml(text), buttons, quotes))
            joined, buttons, quotes = block.text, (), ()
        text, buttons = joined, buttons + block.buttons
        quotes += tuple(code for code in block.quotes if code not in quotes)
    if text:
        parts.append(Part(SafeHtml(text), buttons, quotes))
    return parts


def _fitting(blocks: Sequence[Block], limit: int) -> list[Block]:
    """Blocks, with any block over ``limit`` cut between lines (its buttons go last)."""
    out: list[Block] = []
    for block in blocks:
        if visible_length(block.text) <= limit:
            out.append(block)
            continue
        pieces: list[str] = []
        for line in block.text.split("\n"):
            if pieces and visible_length(f"{pieces[-1]}\n{line}") <= limit:
                pieces[-1] = f"{pieces[-1]}\n{line}"
            else:
                pieces.append(line)
        out += [Block(SafeHtml(piece), quotes=block.quotes) for piece in pieces[:-1]]
        out.append(Block(SafeHtml(pieces[-1]), block.buttons, block.quotes))
    return out


def split_text(text: str, limit: int) -> list[str]:
    """Cut plain text into pieces of at most ``limit`` UTF-16 units, joined they are ``text``.

    A cut goes after the last line break in the second half of the room, else after the
    last white space there, else at the last place that does not break a character
    (surrogate pair, combining mark, joiner, variation selector, skin tone, flag).
    Escape each piece afterwards: escaping does not change what Telegram counts.
    """
    if limit < 2:
        raise ValueError("a piece must hold at least one character of two UTF-16 units")
    pieces: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        cut = _cut(rest, _fit(rest, limit))
        pieces.append(rest[:cut])
        rest = rest[cut:]
    return [*pieces, rest] if rest or not pieces else pieces


def _fit(text: str, limit: int) -> int:
    """How many code points of ``text`` fit in ``limit`` UTF-16 units."""
    units = 0
    for index, character in enumerate(text):
        units += 2 if ord(character) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _cut(text: str, end: int) -> int:
    """Where to cut ``text`` at or before ``end``: see ``split_text``."""
    for after_this in (lambda c: c == "\n", str.isspace):
        for index in range(end, end // 2, -1):
            if after_this(text[index - 1]) and not _joined(text, index):
                return index
    for index in range(end, 0, -1):
        if not _joined(text, index):
            return index
    return end


#: Code points that attach to the character before them (besides combining marks).
_ATTACHING = {0x200D, 0x20E3} | set(range(0xFE00, 0xFE10)) | set(range(0x1F3FB, 0x1F400))


def _joined(text: str, index: int) -> bool:
    """Whether a cut before ``text[index]`` would split one visible character."""
    after, before = ord(text[index]), ord(text[index - 1])
    if unicodedata.combining(text[index]) or after in _ATTACHING or before == 0x200D:
        return True
    if 0xE0020 <= after <= 0xE007F or 0xE0100 <= after <= 0xE01EF:
        return True  # emoji tag sequences (subdivision flags), more variation selectors
    flags = 0
    while index - flags > 0 and _regional(text[index - flags - 1]):
        flags += 1
    return _regional(text[index]) and flags % 2 == 1


def _regional(character: str) -> bool:
    return 0x1F1E6 <= ord(character) <= 0x1F1FF
