"""A client's recent check-ins as plain data: what flag rules, digests and charts read.

A history never mixes instruments: its ``points`` are the check-ins answered on the
questionnaire (key and version) of the client's latest delivered check-in, in a row; the
check-ins before a switch are kept apart in ``earlier``, one ``InstrumentRun`` per
questionnaire, so the digest can show them as history. Answers to reverse items are
already turned (higher is better on every item) when they get here.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from core.model import CheckinStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, REPAIR_KEY, Questionnaire


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

    ``answers`` holds the repair follow-up's answer too (key ``repair``); ``values``, which
    every flag rule, baseline and chart reads, holds the questionnaire's items only.
    """

    session_start: datetime
    session_end: datetime
    status: CheckinStatus
    answers: Mapping[str, int | None] = field(default_factory=dict)
    first_answer_at: datetime | None = None
    note: SharedNote | None = None

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
        """Shared notes not yet marked as discussed, on any instrument, oldest first."""
        return [p.note for p in self.every_point if p.note is not None and not p.note.discussed]

    @property
    def switched_at(self) -> datetime | None:
        """The session of the first check-in on this instrument, if an earlier one is read."""
        return self.points[0].session_start if self.earlier and self.points else None


def item_series(points: Sequence[CheckinPoint], key: str) -> list[int]:
    """The values one item was answered with, in order (skips left out)."""
    return [p.values[key] for p in points if key in p.values]
