"""What a copy of one client's data holds, and the queries that read it.

A check-in comes with its answers (the repair answer among them, item key ``repair``), its
note and the kind of repair follow-up it asked (``concern`` or ``flag``). The therapist's
estimate of the session is not part of it: the clinical guide never shows an estimate to
the client (``alliance export`` carries it for the clinic). The follow-ups raised for the
client (what was followed up and when, never the note) are listed on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.model import CheckinStatus
from storage.tables import AnswerRow, CheckinRow, FollowupRow, NoteRow


@dataclass(frozen=True)
class ConsentEvent:
    """One consent decision."""

    at: datetime
    version: str
    event: str  # given, declined or withdrawn


@dataclass(frozen=True)
class NoteCopy:
    """A note as stored (decrypted), with the client's sharing choice."""

    text: str
    shared: bool | None
    risk: bool
    written_at: datetime


@dataclass(frozen=True)
class CheckinCopy:
    """One check-in with what the client answered in it, and the questionnaire (key and
    version) it was asked with: its items are named from that one, not the client's current.

    ``repair`` is the kind of follow-up it asked after its items (``concern`` or ``flag``),
    if any; its answer is the ``repair`` answer.
    """

    session_start: datetime
    status: CheckinStatus
    questionnaire: str
    questionnaire_version: str
    answers: tuple[tuple[str, int | None, datetime], ...]  # item key, value, answered at
    note: NoteCopy | None
    repair: str | None = None

    @property
    def holds_data(self) -> bool:
        """Whether anything was answered or written in it."""
        return bool(self.answers or self.note)


@dataclass(frozen=True)
class FollowupCopy:
    """Something the client's next check-in was to ask about: a shared concern the
    therapist marked as discussed, or a needs-attention ``rule`` that went out in a report."""

    kind: str  # concern or flag
    rule: str | None
    raised_at: datetime
    asked_in: datetime | None  # the session start of the check-in that asked it


@dataclass(frozen=True)
class ClientCopy:
    """Everything stored about one client's participation."""

    code: str
    therapist_code: str
    status: str
    language: str
    timezone: str
    consents: tuple[ConsentEvent, ...]
    checkins: tuple[CheckinCopy, ...]
    followups: tuple[FollowupCopy, ...] = ()


def read_checkins(s: Session, client_id: int) -> list[CheckinCopy]:
    """Every check-in of the client, oldest first, with what it holds."""
    rows = s.scalars(
        select(CheckinRow)
        .where(CheckinRow.client_id == client_id)
        .order_by(CheckinRow.session_start, CheckinRow.id)
    ).all()
    ids = [row.id for row in rows]
    answers: dict[int, list[tuple[str, int | None, datetime]]] = {i: [] for i in ids}
    for a in s.scalars(
        select(AnswerRow).where(AnswerRow.checkin_id.in_(ids)).order_by(AnswerRow.id)
    ):
        answers[a.checkin_id].append((a.item_key, a.value, a.answered_at))
    notes = {
        n.checkin_id: NoteCopy(n.text, n.shared, n.risk, n.created_at)
        for n in s.scalars(select(NoteRow).where(NoteRow.checkin_id.in_(ids)))
    }
    return [
        CheckinCopy(
            row.session_start,
            CheckinStatus(row.status),
            row.questionnaire,
            row.questionnaire_version,
            tuple(answers[row.id]),
            notes.get(row.id),
            row.repair,
        )
        for row in rows
    ]


def read_followups(s: Session, client_id: int) -> tuple[FollowupCopy, ...]:
    """The client's follow-ups, oldest first, with the session of the check-in that asked."""
    query = (
        select(FollowupRow.kind, FollowupRow.rule, FollowupRow.raised_at, CheckinRow.session_start)
        .outerjoin(CheckinRow, CheckinRow.id == FollowupRow.checkin_id)
        .where(FollowupRow.client_id == client_id)
        .order_by(FollowupRow.raised_at, FollowupRow.id)
    )
    return tuple(FollowupCopy(*row) for row in s.execute(query))
