"""A client's recent check-ins as plain data: what flag rules, digests and charts read."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from core.model import CheckinStatus


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
    """One delivered check-in: answers by item key (``None`` = skipped; absent = not reached)."""

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
        """The items answered with a value (skipped ones left out)."""
        return {key: value for key, value in self.answers.items() if value is not None}

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
class ClientHistory:
    """A client's status and their recent delivered check-ins, oldest first."""

    code: str
    status: str
    points: Sequence[CheckinPoint] = ()
    item_keys: Sequence[str] = ("bond", "goals", "tasks", "overall")
    scale_max: int = 10
    #: Check-ins after the latest delivered one that closed unsent although sends were tried:
    #: Telegram kept failing, so the client never got them (not a missed check-in).
    undelivered: int = 0

    @property
    def answered(self) -> list[CheckinPoint]:
        """The check-ins with at least one value, oldest first."""
        return [p for p in self.points if p.values]

    @property
    def open_concerns(self) -> list[SharedNote]:
        """Shared notes not yet marked as discussed, oldest first."""
        return [p.note for p in self.points if p.note is not None and not p.note.discussed]


def item_series(points: Sequence[CheckinPoint], key: str) -> list[int]:
    """The values one item was answered with, in order (skips left out)."""
    return [p.values[key] for p in points if key in p.values]
