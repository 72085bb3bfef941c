"""What a copy of one client's data holds, and the queries that read it.

A check-in comes with its answers (the repair answer among them, item key ``repair``), its
note, the kind of repair follow-up it asked (``concern`` or ``flag``), and the therapist's
estimate of the session. The estimate is the therapist's data about the client's session,
so it is part of the client's copy (GDPR Art. 15), but only once the check-in has gone out:
while it is queued the client could still read the guess before answering, which would
bias the answer and turn the estimate into a grade. Only an estimate saved with a value
is copied: a skipped or closed one holds nothing about the client. The follow-ups raised
for the client (what was followed up and when, never the note) are listed on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.estimate import EstimateStatus
from core.model import CheckinStatus
from storage.tables import AnswerRow, CheckinRow, EstimateRow, FollowupRow, NoteRow, TherapistRow
from storage.tables.checkins import QUEUED_STATUSES


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
class EstimateCopy:
    """A therapist's estimate, made before the client answered, of how the client would
    rate the session overall: the therapist's view, on the check-in's questionnaire's scale."""

    therapist_code: str
    value: int
    estimated_at: datetime


@dataclass(frozen=True)
class CheckinCopy:
    """One check-in with what the client answered in it, and the questionnaire (key and
    version) it was asked with: its items are named from that one, not the client's current.

    ``repair`` is the kind of follow-up it asked after its items (``concern`` or ``flag``),
    if any; its answer is the ``repair`` answer. ``estimate`` is the therapist's, if one was
    saved and the check-in has gone out.
    """

    session_start: datetime
    status: CheckinStatus
    questionnaire: str
    questionnaire_version: str
    answers: tuple[tuple[str, int | None, datetime], ...]  # item key, value, answered at
    note: NoteCopy | None
    repair: str | None = None
    estimate: EstimateCopy | None = None

    @property
    def holds_data(self) -> bool:
        """Whether anything was answered, written or estimated in it."""
        return bool(self.answers or self.note or self.estimate)


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
    estimates = _estimates(s, ids)
    return [
        CheckinCopy(
            row.session_start,
            CheckinStatus(row.status),
            row.questionnaire,
            row.questionnaire_version,
            tuple(answers[row.id]),
            notes.get(row.id),
            row.repair,
            None if row.status in QUEUED_STATUSES else estimates.get(row.id),
        )
        for row in rows
    ]


def _estimates(s: Session, checkin_ids: list[int]) -> dict[int, EstimateCopy]:
    """The estimates saved with a value for these check-ins, by check-in."""
    query = (
        select(
            EstimateRow.checkin_id, TherapistRow.code, EstimateRow.value, EstimateRow.answered_at
        )
        .join(TherapistRow, TherapistRow.id == EstimateRow.therapist_id)
        .where(
            EstimateRow.checkin_id.in_(checkin_ids),
            EstimateRow.status == EstimateStatus.ANSWERED,
        )
    )
    return {
        checkin_id: EstimateCopy(code, value, at)
        for checkin_id, code, value, at in s.execute(query)
        if value is not None and at is not None
    }


def read_followups(s: Session, client_id: int) -> tuple[FollowupCopy, ...]:
    """The client's follow-ups, oldest first, with the session of the check-in that asked."""
    query = (
        select(FollowupRow.kind, FollowupRow.rule, FollowupRow.raised_at, CheckinRow.session_start)
        .outerjoin(CheckinRow, CheckinRow.id == FollowupRow.checkin_id)
        .where(FollowupRow.client_id == client_id)
        .order_by(FollowupRow.raised_at, FollowupRow.id)
    )
    return tuple(FollowupCopy(*row) for row in s.execute(query))
