"""One client's own data: a copy for them, a preview, and erasure; and the retention purge.

Erasure and purge remove answers (the repair answer among them) and notes, with a note
every row that refers to it (its concern: the Discussed button's token and when it was
discussed), the client's repair follow-ups and the therapists' estimates of their
sessions. Check-in rows stay (when a check-in was sent and whether it was completed, and
the kind of follow-up it asked), as do consent records, deliveries and the audit log,
which hold nothing a client wrote or answered. What a copy holds is in
``storage.client_copy``; the purge itself is in ``storage.retention``: one client at a
time, so that one failure stops nobody else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from core.audit import Actor, AuditKind
from storage.audit import add_entry
from storage.client_copy import (
    CheckinCopy,
    ClientCopy,
    ConsentEvent,
    FollowupCopy,
    NoteCopy,
    read_checkins,
    read_followups,
)
from storage.database import Database
from storage.lease_queue import rowcount
from storage.retention import Purged, purge
from storage.tables import (
    AnswerRow,
    CheckinRow,
    ClientRow,
    ConcernRow,
    ConsentRow,
    EstimateRow,
    FollowupRow,
    NoteRow,
)

__all__ = [
    "CheckinCopy",
    "ClientCopy",
    "ClientData",
    "ConsentEvent",
    "Erased",
    "FollowupCopy",
    "NoteCopy",
    "Purged",
]


@dataclass(frozen=True)
class Erased:
    """How many answers, notes, estimates and follow-ups an erasure removed."""

    answers: int
    notes: int
    estimates: int = 0
    followups: int = 0

    def __bool__(self) -> bool:
        """Whether anything was erased (a repeated erasure finds nothing)."""
        return bool(self.answers or self.notes or self.estimates or self.followups)


class ClientData:
    """Queries over one client's answers, notes and consents."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def copy(self, code: str) -> ClientCopy | None:
        """The client's data; check-ins with nothing answered, written or estimated (an
        estimate is copied once the check-in has gone out) are left out."""
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
            checkins = tuple(c for c in read_checkins(s, client.id) if c.holds_data)
            return ClientCopy(
                client.code,
                client.therapist_code,
                client.status,
                client.language,
                client.timezone,
                consents,
                checkins,
                read_followups(s, client.id),
            )

    def latest(self, code: str) -> CheckinCopy | None:
        """The client's latest check-in with an answer or a note in it."""
        with self._db.transaction() as s:
            client_id = s.scalar(select(ClientRow.id).where(ClientRow.code == code))
            if client_id is None:
                return None
            answered = [c for c in read_checkins(s, client_id) if c.answers or c.note]
            return answered[-1] if answered else None

    def erase(
        self, code: str, now: datetime, *, actor: str = Actor.CLIENT, via: str = "/delete"
    ) -> Erased:
        """Erase every answer and note of the client, their concerns and follow-ups, and the
        therapists' estimates of their sessions, in one transaction.

        The audit log records that an erasure was asked for and done, not what it removed.
        """
        with self._db.transaction() as s:
            client_id = s.scalar(select(ClientRow.id).where(ClientRow.code == code))
            if client_id is None:
                return Erased(0, 0)
            theirs = select(CheckinRow.id).where(CheckinRow.client_id == client_id)
            notes = select(NoteRow.id).where(NoteRow.checkin_id.in_(theirs))
            # The foreign keys cascade too; deleting here keeps each one visible step.
            followups = s.execute(delete(FollowupRow).where(FollowupRow.client_id == client_id))
            estimates = s.execute(delete(EstimateRow).where(EstimateRow.checkin_id.in_(theirs)))
            s.execute(delete(ConcernRow).where(ConcernRow.note_id.in_(notes)))
            answers = s.execute(delete(AnswerRow).where(AnswerRow.checkin_id.in_(theirs)))
            removed = s.execute(delete(NoteRow).where(NoteRow.checkin_id.in_(theirs)))
            add_entry(s, AuditKind.DELETED, now, actor, code, via=via)
            return Erased(
                rowcount(answers), rowcount(removed), rowcount(estimates), rowcount(followups)
            )

    def purge(
        self, before: datetime, now: datetime, *, dry_run: bool, via: str, actor: str = Actor.SYSTEM
    ) -> Purged:
        """Remove answers, notes, estimates and follow-ups made before ``before``, one
        client at a time; ``dry_run`` only counts them. See ``storage.retention.purge``."""
        return purge(self._db, before, now, dry_run=dry_run, via=via, actor=actor)
