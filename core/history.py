"""A client's recent check-ins as plain data: what flag rules, digests and charts read.

A history never mixes instruments: its ``points`` are the check-ins answered on the
questionnaire (key and version) of the client's latest delivered check-in, in a row; the
check-ins before a switch are kept apart in ``earlier``, one ``InstrumentRun`` per
questionnaire, so the digest can show them as history. Answers to reverse items are
already turned (higher is better on every item) when they get here.

Closing the loop adds two things a history carries beside the items: the client's answers
to repair follow-ups (``CheckinPoint.repair``, ``ClientHistory.followups``), which are never
one of the questionnaire's items, and the therapist's estimates of the client's overall
rating (``ClientHistory.estimates``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property

from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, REPAIR_KEY, Questionnaire

#: Check-ins that reached the client.
DELIVERED = frozenset({CheckinStatus.OPEN, CheckinStatus.COMPLETED, CheckinStatus.EXPIRED})


class Reply(StrEnum):
    """The client's answer to a repair follow-up ("did you feel it was taken up?")."""

    YES = "yes"
    PARTLY = "partly"
    NOT_YET = "not_yet"
    SKIPPED = "skipped"  # skipped, or the check-in closed before it was answered
    WAITING = "waiting"  # asked in a check-in the client has not finished yet
    NOT_ASKED = "not_asked"  # no check-in that reached the client has asked it yet


#: The answers the client gave with a value (stored as 2, 1 and 0 under ``REPAIR_KEY``).
ANSWERED = frozenset({Reply.YES, Reply.PARTLY, Reply.NOT_YET})
_STORED = {2: Reply.YES, 1: Reply.PARTLY, 0: Reply.NOT_YET}


def reply_of(status: CheckinStatus | None, answered: bool, value: int | None) -> Reply:
    """The reply to a follow-up asked by a check-in in ``status`` (None: no check-in asked
    it), given whether a ``repair`` answer is stored and its value (None: skipped)."""
    if status not in DELIVERED:
        return Reply.NOT_ASKED
    if answered:
        return Reply.SKIPPED if value is None else _STORED.get(value, Reply.SKIPPED)
    return Reply.WAITING if status is CheckinStatus.OPEN else Reply.SKIPPED


@dataclass(frozen=True)
class SharedNote:
    """A note the client chose to share with their therapist (private notes never get here).

    ``token`` is the opaque id of its "Discussed" button, once one is stored.
    """

    text: str
    written_at: datetime
    token: str | None = None
    discussed: bool = False


@dataclass(frozen=True)
class CheckinPoint:
    """One delivered check-in: answers by item key (``None`` = skipped; absent = not reached).

    ``repair`` is the client's reply to the follow-up this check-in asked after its items,
    None when it asked none. Storage keeps the repair answer out of ``answers``; should one
    come along, ``values`` (what every flag rule, baseline and chart reads) leaves it out.
    """

    session_start: datetime
    session_end: datetime
    status: CheckinStatus
    answers: Mapping[str, int | None] = field(default_factory=dict)
    first_answer_at: datetime | None = None
    note: SharedNote | None = None
    repair: Reply | None = None

    # Flag rules read these thousands of times per digest; the point is frozen, so they are
    # worked out once.
    @cached_property
    def values(self) -> dict[str, int]:
        """The items answered with a value (skipped ones and the repair answer left out)."""
        return {
            key: value
            for key, value in self.answers.items()
            if value is not None and key != REPAIR_KEY
        }

    @cached_property
    def mean(self) -> float | None:
        """Mean of the answered items, or None when nothing was answered with a value."""
        values = list(self.values.values())
        return statistics.fmean(values) if values else None

    @property
    def missed(self) -> bool:
        """Closed without a single tap: a missed check-in."""
        return self.status is CheckinStatus.EXPIRED and not self.answers

    @property
    def answer_delay(self) -> timedelta | None:
        """How long after the session ended the client started answering."""
        if self.first_answer_at is None:
            return None
        return max(self.first_answer_at - self.session_end, timedelta(0))


@dataclass(frozen=True)
class FollowUp:
    """A repair follow-up of a client: what raised it, and the client's reply.

    ``kind`` is ``concern`` (the therapist marked a shared note as discussed; ``note`` is
    it) or ``flag`` (a needs-attention ``rule`` went out in a digest or brief). ``asked_at``
    is the session of the check-in that asked it, once one that reached the client did.
    """

    kind: str
    raised_at: datetime
    reply: Reply
    asked_at: datetime | None = None
    rule: str | None = None
    note: SharedNote | None = None

    @property
    def subject(self) -> str | None:
        """What a later reply supersedes: the same concern, or any flag (the question
        after flags asks about the last session in general); None for a concern whose
        note is gone."""
        if self.kind == "flag":
            return "flag"
        return None if self.note is None or self.note.token is None else self.note.token


#: The rule of the flag a "Not yet" raises (``Rule.REPAIR_NOT_YET``): its follow-up asks
#: again about whatever was not taken up yet, a concern included.
ASKED_AGAIN = "repair_not_yet"


def settled(followups: Sequence[FollowUp]) -> dict[str, FollowUp]:
    """The latest reply with a value (Yes, Partly, Not yet) per subject.

    A concern's follow-up is raised once, so a "Not yet" about it is settled by a later Yes
    or Partly to the follow-up of the flag that "Not yet" raised (``ASKED_AGAIN``).
    """
    answered = [f for f in followups if f.reply in ANSWERED and f.asked_at is not None]
    latest: dict[str, FollowUp] = {}
    for f in sorted(answered, key=lambda f: f.asked_at or f.raised_at):
        if (subject := f.subject) is None:
            continue
        latest[subject] = f
        if f.rule == ASKED_AGAIN and f.reply is not Reply.NOT_YET:
            for known, before in list(latest.items()):
                if before.reply is Reply.NOT_YET:
                    latest[known] = f
    return latest


@dataclass(frozen=True)
class EstimatePair:
    """A session with the therapist's estimate and the client's overall answer.

    Both are on the questionnaire's scale and turned like its overall ``item`` (None: it
    has none and the mean of the answered items stands in), so higher is better on both.
    """

    session_start: datetime
    expected: float
    client: float
    questionnaire: Questionnaire
    item: str | None
    answered_at: datetime | None = None

    @property
    def gap(self) -> float:
        """How much higher the therapist expected than the client answered."""
        return self.expected - self.client


@dataclass(frozen=True)
class InstrumentRun:
    """Delivered check-ins in a row on one questionnaire version, oldest first.

    ``assumed``: the questionnaire was rebuilt from the answers because the config no longer
    has it (its key is gone, or its version changed and the answers do not fit the new
    one); its scale is then a guess.
    """

    questionnaire: Questionnaire
    points: tuple[CheckinPoint, ...]
    assumed: bool = False

    @property
    def answered(self) -> list[CheckinPoint]:
        """The check-ins with at least one value, oldest first."""
        return [p for p in self.points if p.values]


@dataclass(frozen=True)
class ClientHistory:
    """A client's status and their recent delivered check-ins on one instrument, oldest first.

    ``earlier`` holds the runs of check-ins on other instruments (or versions) before the
    latest switch, oldest first: the rules, baselines and charts never read them, but missed
    check-ins and shared concerns count whatever the instrument.
    """

    code: str
    status: str
    points: Sequence[CheckinPoint] = ()
    questionnaire: Questionnaire = DEFAULT_QUESTIONNAIRE
    #: Check-ins after the latest delivered one that closed unsent although sends were tried:
    #: Telegram kept failing, so the client never got them (not a missed check-in).
    undelivered: int = 0
    earlier: Sequence[InstrumentRun] = ()
    #: The questionnaire was rebuilt from the answers (see ``InstrumentRun.assumed``).
    assumed: bool = False
    #: Repair follow-ups asked in the check-ins read, or not asked yet, oldest first.
    followups: Sequence[FollowUp] = ()
    #: Sessions with both the therapist's estimate and the client's overall answer, oldest
    #: first: of the check-ins read, and of any read further back for the digest's footer.
    estimates: Sequence[EstimatePair] = ()

    @property
    def item_keys(self) -> tuple[str, ...]:
        """The questionnaire's item keys, in its order."""
        return tuple(item.key for item in self.questionnaire.items)

    @property
    def scale_max(self) -> int:
        """The top of the questionnaire's scale."""
        return self.questionnaire.scale_max

    @property
    def every_point(self) -> list[CheckinPoint]:
        """Every delivered check-in read, whatever its instrument, oldest first."""
        return [p for run in self.earlier for p in run.points] + list(self.points)

    @property
    def answered(self) -> list[CheckinPoint]:
        """The check-ins on this instrument with at least one value, oldest first."""
        return [p for p in self.points if p.values]

    @property
    def open_concerns(self) -> list[SharedNote]:
        """Shared notes not yet marked as discussed, on any instrument, and discussed ones
        whose follow-up the client last answered "Not yet", oldest first."""
        notes = [p.note for p in self.every_point if p.note is not None and not p.note.discussed]
        reopened = [
            f.note
            for f in settled(self.followups).values()
            if f.reply is Reply.NOT_YET and f.note is not None
        ]
        known = {n.token for n in notes}
        notes += [n for n in reopened if n.token not in known]
        return sorted(notes, key=lambda n: n.written_at)

    @property
    def switched_at(self) -> datetime | None:
        """The session of the first check-in on this instrument, if an earlier one is read."""
        return self.points[0].session_start if self.earlier and self.points else None


def item_series(points: Sequence[CheckinPoint], key: str) -> list[int]:
    """The values one item was answered with, in order (skips left out)."""
    return [p.values[key] for p in points if key in p.values]
