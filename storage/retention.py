"""The retention purge: answers and notes older than the clinic's period, client by client.

Old rows are removed for a batch of clients in one transaction; a batch that fails is
tried again one client at a time, each in its own transaction, so that one client whose
rows cannot be removed (a row elsewhere still referring to a note, a lock) stops the purge
for nobody else. What could not be removed is reported by client code and error type, and
tried again on the next run. With a note goes every row that refers to it (its concern).
The record of therapist messages sent before the cut-off is forgotten too: the notes they
quoted are gone, and Telegram stopped letting the bot delete them long ago.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, union
from sqlalchemy.exc import SQLAlchemyError

from core.audit import AuditKind
from storage.audit import add_entry
from storage.database import Database
from storage.lease_queue import rowcount
from storage.tables import (
    AnswerRow,
    CheckinRow,
    ClientRow,
    ConcernRow,
    NoteRow,
    TherapistMessageRow,
)

#: Clients whose old rows are removed in one transaction.
BATCH = 100


@dataclass(frozen=True)
class PurgeFailure:
    """A client whose old answers and notes could not be removed, and the error's type."""

    client_code: str
    error: str


@dataclass(frozen=True)
class Purged:
    """How many answers and notes a purge removed (or would remove), and what it could not."""

    answers: int
    notes: int
    failed: tuple[PurgeFailure, ...] = ()


def purge(
    database: Database, before: datetime, now: datetime, *, dry_run: bool, via: str, actor: str
) -> Purged:
    """Remove answers and notes written before ``before``; ``dry_run`` only counts them.

    The audit log gets one entry with the counts (and how many clients failed).
    """
    if dry_run:
        return _count(database, before)
    answers = notes = 0
    failed: list[PurgeFailure] = []
    clients = _clients_with_old_rows(database, before)
    for start in range(0, len(clients), BATCH):
        batch = clients[start : start + BATCH]
        try:
            removed = _remove(database, [client_id for client_id, _ in batch], before)
        except SQLAlchemyError:
            removed = (0, 0)
            for client_id, code in batch:
                try:
                    one = _remove(database, [client_id], before)
                except SQLAlchemyError as error:
                    failed.append(PurgeFailure(code, type(error).__name__))
                    continue
                removed = (removed[0] + one[0], removed[1] + one[1])
        answers, notes = answers + removed[0], notes + removed[1]
    with database.transaction() as s:
        detail = f"before {before:%Y-%m-%d}: {answers} answers, {notes} notes"
        if failed:
            detail += f"; {len(failed)} clients failed"
        add_entry(s, AuditKind.PURGED, now, actor, via=via, detail=detail)
    return Purged(answers, notes, tuple(failed))


def _count(database: Database, before: datetime) -> Purged:
    with database.transaction() as s:
        return Purged(
            s.scalar(
                select(func.count()).select_from(AnswerRow).where(AnswerRow.answered_at < before)
            )
            or 0,
            s.scalar(select(func.count()).select_from(NoteRow).where(NoteRow.created_at < before))
            or 0,
        )


def _clients_with_old_rows(database: Database, before: datetime) -> list[tuple[int, str]]:
    """(id, code) of every client with an answer or a note written before ``before``."""
    old_answers = (
        select(CheckinRow.client_id)
        .join(AnswerRow, AnswerRow.checkin_id == CheckinRow.id)
        .where(AnswerRow.answered_at < before)
    )
    old_notes = (
        select(CheckinRow.client_id)
        .join(NoteRow, NoteRow.checkin_id == CheckinRow.id)
        .where(NoteRow.created_at < before)
    )
    with database.transaction() as s:
        rows = s.execute(
            select(ClientRow.id, ClientRow.code)
            .where(ClientRow.id.in_(union(old_answers, old_notes).scalar_subquery()))
            .order_by(ClientRow.id)
        ).all()
    return [(client_id, code) for client_id, code in rows]


def _remove(database: Database, client_ids: Sequence[int], before: datetime) -> tuple[int, int]:
    """Remove these clients' old answers and notes (and the notes' concerns), and forget
    the therapist messages sent before the cut-off, in one transaction."""
    with database.transaction() as s:
        theirs = select(CheckinRow.id).where(CheckinRow.client_id.in_(client_ids))
        old_notes = NoteRow.checkin_id.in_(theirs) & (NoteRow.created_at < before)
        s.execute(
            delete(ConcernRow).where(ConcernRow.note_id.in_(select(NoteRow.id).where(old_notes)))
        )
        answers = s.execute(
            delete(AnswerRow).where(
                AnswerRow.checkin_id.in_(theirs), AnswerRow.answered_at < before
            )
        )
        notes = s.execute(delete(NoteRow).where(old_notes))
        s.execute(
            delete(TherapistMessageRow).where(
                TherapistMessageRow.client_id.in_(client_ids), TherapistMessageRow.sent_at < before
            )
        )
        return rowcount(answers), rowcount(notes)
