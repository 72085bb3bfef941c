"""The answer flow of one check-in: items in order, then an optional note, then its sharing.

A check-in's progress is one integer, its *step*: ``0 .. n-1`` are the questionnaire's
items, ``n`` waits for a note, ``n + 1`` waits for the share-or-keep-private choice and
``n + 2`` is done. Every action names the step it was made for, so a double tap or a
stale button is recognised and changes nothing.

A check-in that asks a repair follow-up (``core/repair.py``) has it as its last item, so
it is one more item step with its own choices; the note and the sharing follow it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from core.questionnaire import Item, Questionnaire

#: Longest note a client may leave, in UTF-16 code units as Telegram counts a message's
#: length (an emoji outside the Basic Multilingual Plane counts two), so that a note of
#: any script quoted in a therapist's alert fits in one Telegram message.
NOTE_MAX_CHARS = 2000


class Stage(StrEnum):
    """What a check-in is waiting for."""

    ITEM = "item"
    NOTE = "note"
    SHARE = "share"
    DONE = "done"


class Rejection(StrEnum):
    """Why an action changes nothing."""

    STALE = "stale"  # made for a step that is already past (a double tap, an old button)
    INVALID = "invalid"  # does not fit the step it names (a forged or malformed button)
    TOO_LONG = "too_long"  # a note over NOTE_MAX_CHARS
    EMPTY = "empty"  # a note with no visible text


@dataclass(frozen=True)
class ItemAnswer:
    """A tap on a scale button (``value``) or on the item's Skip button (``None``)."""

    step: int
    value: int | None


@dataclass(frozen=True)
class SkipNote:
    """A tap on the note prompt's Skip button."""

    step: int


@dataclass(frozen=True)
class NoteText:
    """A text message typed while the note prompt is open."""

    text: str


@dataclass(frozen=True)
class ShareChoice:
    """A tap on Share (``True``) or Keep private (``False``)."""

    step: int
    shared: bool


Action = ItemAnswer | SkipNote | NoteText | ShareChoice


@dataclass(frozen=True)
class Accepted:
    """The action moves the check-in to ``next_step``; storage records what it carries."""

    next_step: int
    action: Action
    item: Item | None = None
    note: str | None = None


def stage_of(questionnaire: Questionnaire, step: int) -> Stage:
    """The stage a step belongs to."""
    n = len(questionnaire.items)
    if 0 <= step < n:
        return Stage.ITEM
    return {n: Stage.NOTE, n + 1: Stage.SHARE}.get(step, Stage.DONE)


def apply(questionnaire: Questionnaire, step: int, action: Action) -> Accepted | Rejection:
    """Decide what ``action`` does to a check-in currently at ``step``."""
    n = len(questionnaire.items)
    if isinstance(action, NoteText):
        if step != n:
            return Rejection.STALE
        note = clean_text(action.text).strip()
        if not any(_visible(character) for character in note):
            return Rejection.EMPTY
        if utf16_length(note) > NOTE_MAX_CHARS:
            return Rejection.TOO_LONG
        return Accepted(next_step=n + 1, action=action, note=note)
    if action.step != step:
        return Rejection.STALE if 0 <= action.step < step else Rejection.INVALID
    current = stage_of(questionnaire, step)
    if isinstance(action, ItemAnswer) and current is Stage.ITEM:
        item = questionnaire.items[step]
        if action.value is not None and not questionnaire.accepts(action.value, item):
            return Rejection.INVALID
        return Accepted(next_step=step + 1, action=action, item=item)
    if isinstance(action, SkipNote) and current is Stage.NOTE:
        return Accepted(next_step=n + 2, action=action)
    if isinstance(action, ShareChoice) and current is Stage.SHARE:
        return Accepted(next_step=n + 2, action=action)
    return Rejection.INVALID


def _visible(character: str) -> bool:
    """Whether a character shows: not white space, not a control or format character."""
    return not character.isspace() and unicodedata.category(character) not in ("Cc", "Cf")


def utf16_length(text: str) -> int:
    """Length of ``text`` as Telegram measures it: UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clean_text(text: str) -> str:
    """Text as written, minus what no database can hold (NUL, lone surrogates)."""
    text = text.replace("\x00", "\ufffd")
    return text.encode("utf-8", "replace").decode("utf-8")
