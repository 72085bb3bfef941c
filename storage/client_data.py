"""One client's own data: a copy for them, a preview, and erasure; and the retention purge.

Erasure and purge remove answers and notes, and with a note every row that refers to it
(its concern: the Discussed button's token and when it was discussed). Check-in rows stay
(when a check-in was sent and whether it was completed), as do consent records, deliveries
and the audit log, which hold nothing a client wrote or answered. The purge itself is in
``storage.retention``: one client at a time, so that one failure stops nobody else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.audit import Actor, AuditKind
from core.model import CheckinStatus
from storage.audit import add_entry
from storage.database import Database
from storage.lease_queue import rowcount
from storage.retention import Purged, purge
from storage.tables import AnswerRow, CheckinRow, ClientRow, ConcernRow, ConsentRow, NoteRow

__all__ = [
    "CheckinCopy",
    "ClientCopy",
    "ClientData",
    "ConsentEvent",
    "Erased",
    "NoteCopy",
    "Purged",
]


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
    version) it was asked with: its items are named from that one, not the client's current."""

    session_start: datetime
    status: CheckinStatus
    questionnaire: str
    questionnaire_version: str
    answers: tuple[tuple[str, int | None, datetime], ...]  # item key, value, answered at
    note: NoteCopy | None


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


@dataclass(frozen=True)
class Erased:
    """How many answers and notes an erasure removed."""

    answers: int
    notes: int

    def __bool__(self) -> bool:
        """Whether anything was erased (a repeated erasure finds nothing)."""
        return bool(self.answers or self.notes)


class ClientData:
    """Queries over one client's answers, notes and consents."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def copy(self, code: str) -> ClientCopy | None:
        """The client's data; check-ins with nothing answered are left out."""
        with self._db.transaction() as s:
            client = s.scalar(select(ClientRow).where(ClientRow.code == code))
            if client is None:
                return None
            consents = tuple(
                ConsentEvent(c.at, c.version, c.event or ("given" if c.given else "declined"))
                for c in s.scalars(
                    select(ConsentRow)
                    .where(ConsentRow.client_id == client.id)
                    .order_by(ConsentRow.at, ConsentRow.id)
                )
            )
            checkins = tuple(c for c in _checkins(s, client.id) if c.answers or c.note)
            return ClientCopy(
                client.code,
                client.therapist_code,
                client.status,
                client.language,
                client.timezone,
                consents,
                checkins,
            )

    def latest(self, code: str) -> CheckinCopy | None:
        """The client's latest check-in with an answer or a note in it."""
        with self._db.transaction() as s:
            client_id = s.scalar(select(ClientRow.id).where(ClientRow.code == code))
            if client_id is None:
                return None
            answered = [c for c in _checkins(s, client_id) if c.answers or c.note]
            return answered[-1] if answered else None

    def erase(
        self, code: str, now: datetime, *, actor: str = Actor.CLIENT, via: str = "/delete"
    ) -> Erased:
        """Erase every answer and note of the client, and their concerns, in one transaction.

        The audit log records that an erasure was asked for and done, not what it removed.
        """
        with self._db.transaction() as s:
            client_id = s.scalar(select(ClientRow.id).where(ClientRow.code == code))
            if client_id is None:
                return Erased(0, 0)
            theirs = select(CheckinRow.id).where(CheckinRow.client_id == client_id)
            notes = select(NoteRow.id).where(NoteRow.checkin_id.in_(theirs))
            # The foreign key cascades too; deleting here keeps it one visible step.
            s.execute(delete(ConcernRow).where(ConcernRow.note_id.in_(notes)))
            answers = s.execute(delete(AnswerRow).where(AnswerRow.checkin_id.in_(theirs)))
            removed = s.execute(delete(NoteRow).where(NoteRow.checkin_id.in_(theirs)))
            add_entry(s, AuditKind.DELETED, now, actor, code, via=via)
            return Erased(rowcount(answers), rowcount(removed))

    def purge(
        self, before: datetime, now: datetime, *, dry_run: bool, via: str, actor: str = Actor.SYSTEM
    ) -> Purged:
        """Remove answers and notes written before ``before``, one client at a time;
        ``dry_run`` only counts them. See ``storage.retention.purge``."""
        return purge(self._db, before, now, dry_run=dry_run, via=via, actor=actor)


def _checkins(s: Session, client_id: int) -> list[CheckinCopy]:
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
        )
        for row in rows
    ]
