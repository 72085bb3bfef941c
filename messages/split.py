"""Packing rendered blocks into Telegram messages under the 4096-character limit.

Telegram counts a message's length after parsing its HTML, in UTF-16 code units; a
block is never cut unless it alone is too long, and then only between lines (every line
a renderer makes closes its own tags).

Blocks and parts carry the codes of the clients whose notes they quote, so that the
messages a part is sent as can be recorded for erasure (``storage.therapist_messages``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

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
    visible = html.unescape(_TAG.sub("", text))
    return len(visible.encode("utf-16-le", "surrogatepass")) // 2


def pack(blocks: Sequence[Block], limit: int = LIMIT) -> list[Part]:
    """Join blocks with blank lines into as few parts as fit under ``limit``."""
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
