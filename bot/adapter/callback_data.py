"""Callback data: short opaque strings, well under Telegram's 64 bytes, no personal data.

``c:<token>:<step>:<value>`` answers a check-in: ``token`` is the check-in's random id,
``step`` the step the button was shown for, ``value`` a scale value, ``s`` (skip),
``y`` (share) or ``n`` (keep private). ``k:y`` and ``k:n`` answer the consent question.
``e:y`` and ``e:n`` confirm or cancel erasing the client's data (/delete);
``d:<token>`` marks a shared concern as discussed (``token`` is the concern's random id);
``x:<token>:<value>`` answers a therapist's estimate (``token`` is the estimate's random id,
``value`` a scale value or ``s``, skip).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.flow import Action, ItemAnswer, ShareChoice, SkipNote

#: The callback data of each kind of tap, for the handler table. A tap whose data matches a
#: prefix but not its shape (forged) decodes to None and is answered politely.
CHECKIN_TAPS = r"^c:"
CONSENT_TAPS = r"^k:"
DISCUSSED_TAPS = r"^d:"
ERASE_TAPS = r"^e:"
ESTIMATE_TAPS = r"^x:"

_CHECKIN = re.compile(r"^c:([A-Za-z0-9_-]{1,16}):([0-9]{1,2}):([0-9]{1,3}|s|y|n)$")
_DISCUSSED = re.compile(r"^d:([A-Za-z0-9_-]{1,16})$")
_ESTIMATE = re.compile(r"^x:([A-Za-z0-9_-]{1,16}):([0-9]{1,3}|s)$")


@dataclass(frozen=True)
class CheckinTap:
    """A tap on a check-in button: which check-in, and the raw choice."""

    token: str
    step: int
    value: str


@dataclass(frozen=True)
class ConsentTap:
    """A tap on the consent question."""

    given: bool


@dataclass(frozen=True)
class DiscussedTap:
    """A therapist's tap on a shared concern's Discussed button."""

    token: str


@dataclass(frozen=True)
class EstimateTap:
    """A therapist's tap on an estimate: which estimate, and the value (None: skipped)."""

    token: str
    value: int | None


@dataclass(frozen=True)
class DeleteTap:
    """A tap on the /delete confirmation."""

    confirmed: bool


def item_value(token: str, step: int, value: int) -> str:
    """Data for a scale button."""
    return f"c:{token}:{step}:{value}"


def skip(token: str, step: int) -> str:
    """Data for an item's or the note's Skip button."""
    return f"c:{token}:{step}:s"


def share(token: str, step: int, shared: bool) -> str:
    """Data for the Share or Keep private button."""
    return f"c:{token}:{step}:{'y' if shared else 'n'}"


def consent(given: bool) -> str:
    """Data for the consent buttons."""
    return "k:y" if given else "k:n"


def discussed(token: str) -> str:
    """Data for a concern's Discussed button."""
    return f"d:{token}"


def estimate(token: str, value: int | None) -> str:
    """Data for an estimate's scale button, or its Skip (``value`` None)."""
    return f"x:{token}:{'s' if value is None else value}"


def delete(confirmed: bool) -> str:
    """Data for the /delete confirmation buttons."""
    return "e:y" if confirmed else "e:n"


Tap = CheckinTap | ConsentTap | DiscussedTap | DeleteTap | EstimateTap


def decode(data: str | None) -> Tap | None:
    """Parse callback data; anything malformed or forged in shape is None."""
    if data in ("k:y", "k:n"):
        return ConsentTap(given=data == "k:y")
    if data in ("e:y", "e:n"):
        return DeleteTap(confirmed=data == "e:y")
    if found := _DISCUSSED.fullmatch(data or ""):
        return DiscussedTap(token=found[1])
    if found := _ESTIMATE.fullmatch(data or ""):
        return EstimateTap(found[1], None if found[2] == "s" else int(found[2]))
    match = _CHECKIN.fullmatch(data or "")
    if match is None:
        return None
    return CheckinTap(token=match[1], step=int(match[2]), value=match[3])


def to_action(tap: CheckinTap, item_stage: bool) -> Action:
    """The flow action a check-in tap stands for at a step of the given kind."""
    if tap.value == "s":
        return ItemAnswer(tap.step, None) if item_stage else SkipNote(tap.step)
    if tap.value in ("y", "n"):
        return ShareChoice(tap.step, shared=tap.value == "y")
    return ItemAnswer(tap.step, int(tap.value))
