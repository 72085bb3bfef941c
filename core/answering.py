"""What a tap or a typed message on a check-in decides, before anything reaches Telegram.

The handlers look up the check-in and the person, ask one of these functions what to do and
carry the outcome out: storage records, Telegram answers. Every rule in between lives here
and is tested without a bot: whose check-in it is, that a tap proves a delivery, a check-in
that is closed or expired, the flow's own verdict, the note step and the consent gate, and
the order of a risk note's replies (crisis contacts first, then the next step, then the
therapist's alert).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.enrolment import needs_consent
from core.flow import (
    NOTE_MAX_CHARS,
    Accepted,
    Action,
    ItemAnswer,
    NoteText,
    Rejection,
    Stage,
    apply,
    clean_text,
    stage_of,
    utf16_length,
)
from core.model import Checkin, CheckinStatus, ClientRecord, TherapistRecord
from core.questionnaire import Questionnaire
from core.repair import asks_repair
from core.risk import RiskMatcher

#: A check-in whose delivery is not recorded (yet) although the client can tap it.
_BEING_SENT = (CheckinStatus.PLANNED, CheckinStatus.SENDING)
_REJECTION_KEYS = {Rejection.STALE: "tap.already", Rejection.INVALID: "tap.unknown"}


@dataclass(frozen=True)
class Say:
    """Answer with one catalog text and change nothing.

    ``language`` is ``None`` when the person's language is not known to be theirs (an
    unknown token, someone else's check-in): the clinic's language is used.
    """

    key: str
    language: str | None = None
    values: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Closed:
    """The check-in cannot be answered any more: say so and lock its message."""

    language: str


@dataclass(frozen=True)
class Advance:
    """Record ``decision`` on ``checkin``; ``done`` when it completes the check-in."""

    checkin: Checkin
    questionnaire: Questionnaire
    decision: Accepted
    done: bool
    language: str

    @property
    def thanks(self) -> int | None:
        """The repair answer this tap gave (not a skip), thanked for on the next step."""
        action = self.decision.action
        if asks_repair(self.decision.item) and isinstance(action, ItemAnswer):
            return action.value
        return None


TapOutcome = Say | Closed | Advance


def proves_delivery(checkin: Checkin | None, chat_id: int) -> bool:
    """Whether a tap on this check-in's button shows a send that was never recorded arrived.

    A send that timed out is ``planned`` again, one still being recorded is ``sending``;
    either way the client holds the message, so the tap opens the check-in.
    """
    return checkin is not None and checkin.chat_id == chat_id and checkin.status in _BEING_SENT


def on_tap(
    checkin: Checkin | None,
    chat_id: int,
    action: Action,
    questionnaire: Questionnaire | None,
    now: datetime,
) -> TapOutcome:
    """What a tap on a check-in's button does, given the check-in as it now stands.

    ``questionnaire`` is the one the check-in asks, ``None`` when the clinic has changed or
    removed it since the check-in was planned: then the check-in is closed, so that no
    check-in holds answers of two versions.
    """
    if checkin is None:
        return Say("tap.unknown")
    if checkin.chat_id != chat_id:
        return Say("tap.not_yours")
    language = checkin.language
    if checkin.status is CheckinStatus.COMPLETED:
        return Say("tap.already", language)
    if checkin.status is not CheckinStatus.OPEN or checkin.expires_at <= now:
        return Closed(language)
    if questionnaire is None:
        return Closed(language)
    decision = apply(questionnaire, checkin.step, action)
    if isinstance(decision, Rejection):
        return Say(_REJECTION_KEYS.get(decision, "tap.unknown"), language)
    done = _completes(questionnaire, decision)
    return Advance(checkin, questionnaire, decision, done, language)


class Then(StrEnum):
    """What follows a note once it is recorded, in the order it happens."""

    CRISIS_REPLY = "crisis_reply"  # the client's crisis contacts
    PROGRESS = "progress"  # the check-in message moves on to the sharing choice
    ALERT = "alert"  # the therapist's risk alert


@dataclass(frozen=True)
class Help:
    """Not an enrolled client: what the bot can do for them."""


@dataclass(frozen=True)
class Idle:
    """No note is awaited; ``crisis`` when the text matched a risk phrase all the same."""

    language: str
    crisis: bool


@dataclass(frozen=True)
class SaveNote:
    """Record the note on ``checkin``, then do ``then`` in order."""

    client: ClientRecord
    checkin: Checkin
    questionnaire: Questionnaire
    decision: Accepted
    done: bool
    risk: bool
    then: tuple[Then, ...]


TextOutcome = Help | Say | Idle | SaveNote


def awaiting_note(
    open_checkins: Sequence[Checkin], questionnaire_of: Callable[[Checkin], Questionnaire | None]
) -> tuple[Checkin, Questionnaire] | None:
    """The first of a chat's open check-ins that waits for a note, with its questionnaire."""
    for checkin in open_checkins:
        questionnaire = questionnaire_of(checkin)
        if questionnaire is not None and stage_of(questionnaire, checkin.step) is Stage.NOTE:
            return checkin, questionnaire
    return None


def on_text(
    person: ClientRecord | TherapistRecord | None,
    awaiting: tuple[Checkin, Questionnaire] | None,
    text: str,
    risk: RiskMatcher,
) -> TextOutcome:
    """What a typed message does: the note of an open check-in, or a reply nobody reads.

    ``awaiting`` is the chat's check-in that waits for a note (see ``awaiting_note``), if
    any; ``risk`` holds the clinic's risk phrases, matched against the note as stored.
    """
    if not isinstance(person, ClientRecord):
        return Help()
    language = person.language
    if needs_consent(person.status):  # a chat linked (again) stores nothing until consent
        return Say("consent.first", language)
    if awaiting is None:
        return Idle(language, crisis=risk.matches(text))
    checkin, questionnaire = awaiting
    decision = apply(questionnaire, checkin.step, NoteText(text))
    if decision is Rejection.TOO_LONG:
        length = utf16_length(clean_text(text).strip())
        return Say("note.too_long", language, (("length", length), ("limit", NOTE_MAX_CHARS)))
    if not isinstance(decision, Accepted):
        return Say("note.empty", language)
    risky = risk.matches(decision.note or "")
    # crisis contacts first, before anything else happens in the chat
    then = (Then.CRISIS_REPLY, Then.PROGRESS, Then.ALERT) if risky else (Then.PROGRESS,)
    done = _completes(questionnaire, decision)
    return SaveNote(person, checkin, questionnaire, decision, done, risky, then)


def _completes(questionnaire: Questionnaire, decision: Accepted) -> bool:
    return stage_of(questionnaire, decision.next_step) is Stage.DONE
